import { randomUUID } from 'node:crypto';
import type { Client as PgClient } from 'pg';
import { SubmitApplicationDocument } from '../generated/contract';
import { primeLoan, signUp } from '../support/fixtures';
import { watchStatements } from '../support/observe';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * DATABASE_POOL_MAX bounds the server's connections to PostgreSQL (issue 10, item 6): a
 * burst of requests, each holding a connection for a transaction, is served, every one of
 * them, over at most that many connections.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { DATABASE_POOL_MAX: '2' } });
});
afterAll(async () => {
  await s?.close();
});

it('DATABASE_POOL_MAX=2: 40 applications at once all answer, over at most 2 connections', async () => {
  const { accessToken } = await signUp(s);
  const used = new Set<PgClient>();
  // The requests' own statements (the outbox relay listens on a connection of its own).
  const answers = await watchStatements(
    (client, text) => {
      if (/credit_application|idempotency_key/.test(text)) used.add(client);
    },
    () =>
      Promise.all(
        Array.from({ length: 40 }, () =>
          s.gql(
            SubmitApplicationDocument,
            { input: primeLoan({ idempotencyKey: randomUUID() }) as never },
            { token: accessToken },
          ),
        ),
      ),
  );
  for (const a of answers) expect(ok(a).submitApplication.application!.status).toBe('APPROVED');
  expect(used.size).toBeGreaterThan(0);
  expect(used.size).toBeLessThanOrEqual(2);
});
