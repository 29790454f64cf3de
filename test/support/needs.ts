import { appendFileSync } from 'node:fs';
import { redisServerInstalled } from './redis-server';
import { redisAvailable } from './server';

/**
 * Tests that need more than PostgreSQL say so here, by name. A normal run (a real PostgreSQL)
 * is expected to have a real Redis and the `redis-server` program too, as CI always does: a
 * test whose need is missing there FAILS, saying what is missing, instead of being skipped
 * without a word. Only the embedded-mode run (`TEST_EMBEDDED=1`, or no PostgreSQL reachable)
 * skips them, and the run ends by listing every test it skipped and why (global teardown).
 */
export interface Need {
  /** What is missing, in words, for the failure and the skipped list. */
  what: string;
  present: () => boolean;
  /** Skipped wherever it is missing, never failed (something a clone of the repository cannot have). */
  optional?: boolean;
}

export const REDIS: Need = {
  what: 'a Redis server (TEST_REDIS_URL or REDIS_URL, else redis://127.0.0.1:6379)',
  present: redisAvailable,
};

export const REDIS_PROGRAM: Need = {
  what: 'the redis-server program (the test starts and stops a private Redis)',
  present: redisServerInstalled,
};

const embeddedRun = (): boolean => process.env.TEST_PG_MODE === 'embedded';

/** Records a skipped test for the list printed at the end of the run. */
function recordSkip(name: string, need: Need): void {
  const file = process.env.TEST_SKIPPED_FILE;
  const testPath = expect.getState().testPath ?? '';
  const where = testPath.slice(testPath.indexOf('test/'));
  if (file) appendFileSync(file, `${where} › ${name}: needs ${need.what}\n`);
}

const missing = (need: Need) => (): never => {
  throw new Error(
    `This test needs ${need.what}, which this run does not have. A run on a real PostgreSQL ` +
      'needs it too (CI always has it): start it, or run the embedded mode ' +
      '(TEST_EMBEDDED=1 npm test), which skips this test and says so.',
  );
};

/** `it`, when the run has `need`; otherwise skipped (embedded mode) or failed (every other run). */
export function itNeeds(need: Need, name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (need.present()) return it(name, fn, timeout);
  if (need.optional || embeddedRun()) {
    recordSkip(name, need);
    return it.skip(name, fn, timeout);
  }
  it(name, missing(need));
}

/** `describe`, when the run has `need`; otherwise skipped (embedded mode) or failed (every other run). */
export function describeNeeds(need: Need, name: string, fn: () => void): void {
  if (need.present()) return describe(name, fn);
  if (need.optional || embeddedRun()) {
    recordSkip(name, need);
    return describe.skip(name, fn);
  }
  describe(name, () => it('has what it needs', missing(need)));
}
