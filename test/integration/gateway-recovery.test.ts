import { fromGlobalId } from '../../src/lib/global-id';
import { createTestDatabase } from '../support/databases';
import { openCreditLine, signUp } from '../support/fixtures';
import { moneyClient, sql } from '../support/money';
import { startServerProcess, type ServerProcess } from '../support/process';
import { SECRETS, ok, startTestServer, type TestServer } from '../support/server';

/**
 * Item 3 of issue 8, as a real crash: the server process is killed after the payment was
 * committed PENDING and the provider took the charge, before its answer arrived. Another
 * server on the same database settles it by asking again with the same reference: one
 * charge, allocated once.
 */
async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('a payment whose server dies between the commit and the gateway answer is charged once and settled after recovery', async () => {
  const db = await createTestDatabase();
  let p: ServerProcess | null = null;
  let recovered: TestServer | null = null;
  try {
    p = await startServerProcess({
      ...SECRETS,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      GATEWAY_TIMEOUT_MS: '60000', // the payment request waits on the provider until the kill
      GATEWAY_RECOVERY_MS: '600000',
    });
    const remote = p as unknown as TestServer;
    const u = await signUp(remote);
    const { accountId, cardId } = await openCreditLine(remote, u, '1000.00');
    const m = moneyClient(remote);
    await m.buy(u, cardId, '100.00');

    void m.pay(u, accountId, '14.14').catch(() => undefined); // answered by nobody: the process dies
    const [pending] = await waitFor('the PENDING payment and the provider’s record', async () => {
      const rows = await sql<{ id: string }>(
        db.url,
        `select p.id from payment p join gateway_operation g on g.reference = p.id::text
          where p.status = 'PENDING' and p.account_id = $1`,
        [fromGlobalId(accountId)!.id],
      );
      return rows.length ? rows : null;
    });
    await p.kill(); // SIGKILL: no shutdown, no answer

    recovered = await startTestServer({ database: db.url, env: { GATEWAY_RECOVERY_MS: '100' } });
    const status = await waitFor('the recovery', async () => {
      const [row] = await sql<{ status: string }>(db.url, 'select status from payment where id = $1', [
        pending!.id,
      ]);
      return row!.status === 'PENDING' ? null : row!.status;
    });
    expect(status).toBe('SUCCEEDED');
    const charges = await sql(db.url, 'select 1 from gateway_operation where reference = $1', [pending!.id]);
    expect(charges).toHaveLength(1);
    const r = moneyClient(recovered);
    expect(await r.payoff(u, accountId)).toBe('85.86');
    const acc = await r.account(u, accountId);
    expect(acc.outstandingBalance.amount).toBe('85.86');
    expect(acc.installmentPlans[0]!.installments[0]!.paid.amount).toBe('14.14');
    const allocations = await sql(db.url, 'select 1 from payment_allocation where payment_id = $1', [
      pending!.id,
    ]);
    expect(allocations).toHaveLength(1);
    expect(ok(await recovered.gql('{ __typename }')).__typename).toBe('Query');
  } finally {
    await p?.kill();
    await recovered?.close();
    await db.drop();
  }
}, 90_000);
