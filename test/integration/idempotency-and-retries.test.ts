import { uuidv7 } from '../../src/lib/ids';
import { IsolationLevel } from '../../src/db/transactions';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The reusable pieces later money mutations stand on: idempotency keys and bounded
 * retries of transactions that lose a serialization race. What a key does for each keyed
 * mutation through the API (replay, reuse, scope, concurrency, key length, retention) is
 * test/integration/idempotency-sweep.test.ts; here, what only the service shows.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const em = () => s.app.orm.em.fork();

describe('idempotency keys', () => {
  /** A stand-in money operation: claims the key, "moves" money by inserting an audit row, stores its result. */
  async function move(userId: string, key: string, input: Record<string, unknown>) {
    const { tx, idempotency, audit } = s.app.services;
    return tx.run(em(), async (t) => {
      const claim = await idempotency.claim<{ movementId: string }>(t, userId, key, 'test.move', {
        ...input,
        idempotencyKey: key,
      });
      if (claim.replay) return { ...claim.result, replayed: true };
      const movementId = uuidv7();
      audit.record(t, null, { action: 'test.move', objectId: movementId, changes: input });
      await idempotency.complete(t, userId, key, { movementId });
      return { movementId, replayed: false };
    });
  }

  it('a call that rolled back leaves the key free', async () => {
    const user = uuidv7();
    const { tx, idempotency } = s.app.services;
    await expect(
      tx.run(em(), async (t) => {
        await idempotency.claim(t, user, 'k3', 'test.move', { amount: 1 });
        throw new Error('gateway down');
      }),
    ).rejects.toThrow('gateway down');
    expect((await move(user, 'k3', { amount: 1 })).replayed).toBe(false);
  });
});

describe('transactions', () => {
  it('retries a serialization failure and both writers succeed', async () => {
    const conn = em().getConnection();
    await conn.execute('create table if not exists retry_probe (id int primary key, n int not null)');
    await conn.execute('insert into retry_probe values (1, 0) on conflict (id) do update set n = 0');
    let attempts = 0;
    // Read-then-write under SERIALIZABLE with a pause: two at once cannot both commit first time.
    const bump = () =>
      s.app.services.tx.run(
        em(),
        async (t) => {
          attempts++;
          const ctx = t.em.getTransactionContext();
          const [row] = await t.em
            .getConnection()
            .execute('select n from retry_probe where id = 1', [], 'all', ctx);
          await new Promise((r) => setTimeout(r, 50));
          await t.em
            .getConnection()
            .execute('update retry_probe set n = ? where id = 1', [row.n + 1], 'run', ctx);
        },
        IsolationLevel.SERIALIZABLE,
      );
    await Promise.all([bump(), bump()]);
    const [row] = await conn.execute('select n from retry_probe where id = 1');
    expect(row.n).toBe(2);
    expect(attempts).toBeGreaterThan(2);
  });
});
