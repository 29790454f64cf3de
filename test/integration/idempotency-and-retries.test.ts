import { DomainError } from '../../src/lib/errors';
import { uuidv7 } from '../../src/lib/ids';
import { IsolationLevel } from '../../src/db/transactions';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The reusable pieces later money mutations stand on: idempotency keys and bounded
 * retries of transactions that lose a serialization race.
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
  const movements = async (ids: string[]) =>
    (
      await em()
        .getConnection()
        .execute('select count(*)::int as n from audit_entry where object_id in (?)', [ids])
    )[0].n as number;

  it('the same key and input returns the first result and moves nothing again', async () => {
    const user = uuidv7();
    const first = await move(user, 'k1', { amount: 100 });
    const again = await move(user, 'k1', { amount: 100 });
    expect(again).toEqual({ movementId: first.movementId, replayed: true });
    expect(await movements([first.movementId])).toBe(1);
  });

  it('the same key with another input is IDEMPOTENCY_KEY_REUSED', async () => {
    const user = uuidv7();
    await move(user, 'k2', { amount: 100 });
    const err = await move(user, 'k2', { amount: 101 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).errors).toEqual([
      { code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'], message: expect.any(String) },
    ]);
  });

  it('keys are scoped per user', async () => {
    const a = await move(uuidv7(), 'shared', { amount: 1 });
    const b = await move(uuidv7(), 'shared', { amount: 1 });
    expect(b.replayed).toBe(false);
    expect(b.movementId).not.toBe(a.movementId);
  });

  it('20 concurrent calls with one key move money exactly once', async () => {
    const user = uuidv7();
    const results = await Promise.all(Array.from({ length: 20 }, () => move(user, 'race', { amount: 5 })));
    const ids = new Set(results.map((r) => r.movementId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await movements([...ids])).toBe(1);
  });

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

  it.each([[''], ['x'.repeat(101)]])('refuses a key of bad length (%j)', async (key) => {
    const err = await move(uuidv7(), key, { amount: 1 }).catch((e: unknown) => e);
    expect((err as DomainError).errors[0]!.field).toEqual(['input', 'idempotencyKey']);
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
