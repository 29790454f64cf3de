import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/live';
import { alive, postmasterPid, startServerProcess, stopPostmaster } from '../support/process';

/**
 * Issue 14, item 2: the entry point on the embedded PostgreSQL (no DATABASE_URL, no
 * REDIS_URL) stops cleanly on Ctrl-C (SIGINT to the whole process group, as a terminal sends
 * it) and on SIGTERM: the database is stopped last, after draining, so nothing fails on the
 * way out, and the default log level shows one line.
 */
describe.each([
  ['Ctrl-C (SIGINT to the process group)', 'SIGINT'],
  ['SIGTERM to the server', 'SIGTERM'],
] as const)('%s', (_name, sig) => {
  it('exits 0 within 10 s with one log line, nothing failing and nothing left running', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credit-shutdown-'));
    const p = await startServerProcess(
      // Background work on: the relay, the sandbox clock and the daily job all tick.
      { DATA_DIR: dataDir, DATABASE_URL: undefined, REDIS_URL: undefined, DAILY_JOB_AUTORUN: 'true' },
      { detached: true },
    );
    const postmaster = postmasterPid(dataDir)!;
    try {
      // Today's daily-job run logs a line once done; wait for it so only shutdown follows.
      await waitFor(() => p.logs().some((l) => l.ran === true), 10_000, "the day's daily-job run");
      const before = p.output().length;
      const sent = Date.now();
      if (sig === 'SIGINT') process.kill(-p.child.pid!, 'SIGINT');
      else p.child.kill('SIGTERM');
      const { code, at } = await p.exited;

      expect(code).toBe(0);
      expect(at - sent).toBeLessThan(10_000);
      expect(alive(postmaster)).toBe(false);
      expect(p.logs().filter((l) => Number(l.level) >= 40)).toEqual([]);
      const after = p.output().slice(before).trim().split('\n');
      expect(after.map((l) => JSON.parse(l).msg)).toEqual(['shutdown complete']);
    } finally {
      await p.kill();
      stopPostmaster(dataDir);
    }
  }, 60_000);
});
