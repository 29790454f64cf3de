import { randomUUID } from 'node:crypto';
import {
  CheckoutUpdatedDocument,
  MyNotificationsDocument,
  SandboxClockDocument,
} from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { listen, waitFor } from '../support/live';
import { makeAdmin, openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { shopClient } from '../support/merchants';
import { cents, expectReconciled as reconciled, moneyClient, sql } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
let money: ReturnType<typeof moneyClient>;
let shop: ReturnType<typeof shopClient>;
beforeAll(async () => {
  // The simulated provider declines a charge of exactly $15.00 (autopay failures below), and
  // loses its first answer to a payout of $14.14 (a settlement left PENDING, asked again later).
  s = await startTestServer({
    env: {
      GATEWAY_FAIL_AMOUNTS: '15.00',
      GATEWAY_TIMEOUT_AMOUNTS: '14.14',
      GATEWAY_TIMEOUT_MS: '300',
      GATEWAY_RECOVERY_MS: '400',
    },
  });
  admin = await makeAdmin(s);
  money = moneyClient(s);
  shop = shopClient(s);
});
afterAll(async () => {
  await s?.close();
});

const localOf = (globalId: string) => fromGlobalId(globalId)!.id;
const today = async () =>
  ok(await s.gql(SandboxClockDocument, {}, { token: admin.accessToken })).sandboxClock.today;
/** The same day next month, clamped to the month's last day (SPEC section 5). */
function nextMonth(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d, last))).toISOString().slice(0, 10);
}
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A shopper with a credit line of `limit` (prime: 7.99%). */
async function shopper(limit = '1000.00') {
  const u = await signUp(s);
  const line = await openCreditLine(s, u, limit);
  return { u, accountId: line.accountId };
}

const MERCHANT_FIELDS = 'merchant { id name website status settlementAccountReference }';
const myMerchant = async (auth: string) =>
  (await s.gql<{ merchant: Record<string, unknown> | null }>(`{ ${MERCHANT_FIELDS} }`, {}, { token: auth }))
    .data?.merchant;

const expectReconciled = (accountGlobalId: string) => reconciled(s, admin, accountGlobalId);

/** What the platform owes a merchant on the ledger (a liability: credit, shown positive). */
async function merchantPayable(merchantGlobalId: string): Promise<number> {
  const id = localOf(merchantGlobalId);
  return 0 - (await s.app.services.ledger.balance(s.app.orm.em.fork(), `merchant:${id}:payable`));
}

const plansOf = async (u: SignedUp, accountId: string) =>
  (await money.account(u, accountId)).installmentPlans;

describe('onboarding and API keys', () => {
  it('signing up as a MERCHANT creates a verified profile the merchant completes; a bad website is refused by field', async () => {
    const m = await shop.merchant('Blue Kayaks');
    expect(await myMerchant(m.accessToken)).toEqual({
      id: expect.any(String),
      name: 'Blue Kayaks',
      website: null,
      status: 'ACTIVE',
      settlementAccountReference: null,
    });
    const update = `mutation($input: UpdateMerchantProfileInput!) { updateMerchantProfile(input: $input) {
      ${MERCHANT_FIELDS} userErrors { field code } } }`;
    const bad = await s.gql<{ updateMerchantProfile: { userErrors: unknown[] } }>(
      update,
      { input: { website: 'not a site' } },
      { token: m.accessToken },
    );
    expect(ok(bad).updateMerchantProfile.userErrors).toEqual([
      { field: ['input', 'website'], code: 'INVALID_INPUT' },
    ]);
    const good = ok(
      await s.gql<{ updateMerchantProfile: { merchant: unknown } }>(
        update,
        { input: { website: 'https://bluekayaks.example', settlementAccountReference: 'acct-123' } },
        { token: m.accessToken },
      ),
    ).updateMerchantProfile;
    expect(good.merchant).toMatchObject({
      website: 'https://bluekayaks.example',
      settlementAccountReference: 'acct-123',
    });
    // A borrower is no merchant.
    const b = await signUp(s);
    expect(await myMerchant(b.accessToken)).toBeNull();
    const refused = await shop.create(b.accessToken, '100.00').catch((e: Error) => e.message);
    expect(String(refused)).toContain('FORBIDDEN');
  });

  it('an API key is shown once, stored only as a hash, works for merchant operations only, and stops when revoked', async () => {
    const m = await shop.merchant();
    const key = await shop.apiKey(m);
    expect(key.secret).toMatch(/^mk_[A-Za-z0-9_-]{40,}$/);
    const stored = await sql<{ secret_hash: string; prefix: string }>(
      s.databaseUrl,
      'select secret_hash, prefix from api_key where id = $1',
      [localOf(key.id)],
    );
    expect(stored[0]!.secret_hash).not.toContain(key.secret.slice(3));
    expect(stored[0]!.prefix).toBe(key.secret.slice(0, 7));
    const listed = await s.gql<{ apiKeys: Record<string, unknown>[] }>(
      '{ apiKeys { id name prefix revokedAt } }',
      {},
      { token: m.accessToken },
    );
    expect(ok(listed).apiKeys).toEqual([
      { id: key.id, name: 'server', prefix: key.secret.slice(0, 7), revokedAt: null },
    ]);

    // Server to server: a checkout with the key.
    const created = await shop.create(key.secret, '120.00');
    expect(created.userErrors).toEqual([]);
    expect(created.checkout).toMatchObject({ status: 'OPEN', amount: { amount: '120.00', currency: 'USD' } });

    // Never a shopper's operation, nor minting keys, nor `me`.
    for (const query of [
      '{ me { id } }',
      'mutation { createApiKey(input: { name: "x" }) { secret } }',
      `mutation { confirmCheckout(input: { checkoutId: "${created.checkout!.id}", plan: PAY_IN_4, idempotencyKey: "k" }) { checkout { id } } }`,
      '{ merchant { id } me { id } }',
    ]) {
      const r = await s.gql(query, {}, { token: key.secret });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(r.status).toBe(403);
    }
    // A made-up key is an invalid token, as a bad JWT is.
    const forged = await s.gql('{ merchant { id } }', {}, { token: `mk_${'x'.repeat(43)}` });
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const revoked = ok(
      await s.gql<{ revokeApiKey: { apiKey: { revokedAt: string | null } } }>(
        'mutation($id: ID!) { revokeApiKey(input: { apiKeyId: $id }) { apiKey { id revokedAt } userErrors { code } } }',
        { id: key.id },
        { token: m.accessToken },
      ),
    ).revokeApiKey;
    expect(revoked.apiKey.revokedAt).not.toBeNull();
    const after = await s.gql('{ merchant { id } }', {}, { token: key.secret });
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Another merchant cannot revoke (or see) it.
    const other = await shop.merchant();
    const foreign = ok(
      await s.gql<{ revokeApiKey: { userErrors: { code: string }[] } }>(
        'mutation($id: ID!) { revokeApiKey(input: { apiKeyId: $id }) { userErrors { code } } }',
        { id: key.id },
        { token: other.accessToken },
      ),
    ).revokeApiKey;
    expect(foreign.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
  });

  it('a suspended merchant’s keys and checkouts stop working until an admin reinstates it (audited)', async () => {
    const m = await shop.merchant();
    const key = await shop.apiKey(m);
    const { u } = await shopper();
    const checkoutId = await shop.open(m.accessToken, '80.00');
    const merchantId = (await myMerchant(m.accessToken))!.id as string;
    const setStatus = (op: 'suspendMerchant' | 'reinstateMerchant', token = admin.accessToken) =>
      s.gql<Record<string, { merchant: { status: string } | null; userErrors: unknown[] }>>(
        `mutation($input: MerchantStatusInput!) { ${op}(input: $input) { merchant { id status } userErrors { code } } }`,
        { input: { merchantId, reason: 'chargeback review' } },
        { token },
      );
    // Only admins.
    expect((await setStatus('suspendMerchant', m.accessToken)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect(ok(await setStatus('suspendMerchant')).suspendMerchant!.merchant!.status).toBe('SUSPENDED');

    expect(
      (await s.gql('{ merchant { id } }', {}, { token: key.secret })).errors?.[0]?.extensions?.code,
    ).toBe('UNAUTHENTICATED');
    expect((await shop.create(m.accessToken, '80.00')).userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE' }),
    ]);
    const confirm = await shop.confirm(u, checkoutId);
    expect(confirm.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    // Nor can a shopper read its payment link any more.
    expect(await shop.read(u.accessToken, checkoutId)).toBeNull();

    expect(ok(await setStatus('reinstateMerchant')).reinstateMerchant!.merchant!.status).toBe('ACTIVE');
    expect((await shop.confirm(u, checkoutId)).checkout!.status).toBe('COMPLETED');
    const audit = await sql<{ action: string }>(
      s.databaseUrl,
      `select action from audit_entry where object_id = $1 and action like 'merchant.%' order by at`,
      [localOf(merchantId)],
    );
    expect(audit.map((a) => a.action)).toEqual(['merchant.suspend', 'merchant.reinstate']);
  });
});

describe('checkouts', () => {
  it('takes $50.00 to $2,000.00, idempotently per key; a key reused with another input is refused', async () => {
    const m = await shop.merchant();
    for (const amount of ['49.99', '2000.01'])
      expect((await shop.create(m.accessToken, amount)).userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'amount'], code: 'INVALID_INPUT' }),
      ]);
    const key = randomUUID();
    const first = await shop.create(m.accessToken, '2000.00', key, 'o-1');
    const again = await shop.create(m.accessToken, '2000.00', key, 'o-1');
    expect(again.checkout!.id).toBe(first.checkout!.id);
    expect((await shop.create(m.accessToken, '50.00', key, 'o-1')).userErrors).toEqual([
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' }),
    ]);
    const clock = ok(await s.gql(SandboxClockDocument, {}, { token: m.accessToken })).sandboxClock;
    expect(Date.parse(first.checkout!.expiresAt as string) - Date.parse(clock.now as string)).toBeGreaterThan(
      59 * 60_000,
    );
    expect(
      Date.parse(first.checkout!.expiresAt as string) - Date.parse(clock.now as string),
    ).toBeLessThanOrEqual(60 * 60_000);
  });

  it('pay-in-4 of $50.03: 12.53 charged at once, then 3 × 12.50 every 14 days; the line drawn, the merchant owed, books balanced', async () => {
    const m = await shop.merchant('Trail Co');
    const { u, accountId } = await shopper();
    const checkoutId = await shop.open(m.accessToken, '50.03');
    const day = await today();
    const r = await shop.confirm(u, checkoutId);
    expect(r.userErrors).toEqual([]);
    expect(r.checkout).toEqual({ id: checkoutId, status: 'COMPLETED' });
    expect(r.plan!.kind).toBe('PAY_IN_4');
    expect(r.plan!.apr).toBe('0.00');
    expect(
      r.plan!.installments.map((i) => [i.number, i.dueDate, i.status, i.total.amount, i.paid.amount]),
    ).toEqual([
      [1, day, 'PAID', '12.53', '12.53'],
      [2, addDays(day, 14), 'SCHEDULED', '12.50', '0.00'],
      [3, addDays(day, 28), 'SCHEDULED', '12.50', '0.00'],
      [4, addDays(day, 42), 'SCHEDULED', '12.50', '0.00'],
    ]);
    const account = await money.account(u, accountId);
    expect(account.availableCredit.amount).toBe('962.50'); // 1000.00 − 50.03 + 12.53 repaid
    expect(account.outstandingBalance.amount).toBe('37.50');
    const merchantId = (await shop.read(m.accessToken, checkoutId))!.merchant.id;
    expect(await merchantPayable(merchantId)).toBe(5003);
    const payments = await sql<{ amount: string; status: string; source: string }>(
      s.databaseUrl,
      'select amount, status, source from payment where account_id = $1',
      [localOf(accountId)],
    );
    expect(payments).toEqual([{ amount: '1253', status: 'SUCCEEDED', source: 'AUTOPAY' }]);
    await expectReconciled(accountId);
  });

  it('monthly plans at the line’s APR from today; a repeat with the same key draws nothing more', async () => {
    const m = await shop.merchant();
    const { u, accountId } = await shopper();
    const day = await today();
    const checkoutId = await shop.open(m.accessToken, '600.00');
    const key = randomUUID();
    const r = await shop.confirm(u, checkoutId, 'MONTHLY_6', { key });
    expect(r.plan!.kind).toBe('MONTHLY');
    expect(r.plan!.apr).toBe('7.99');
    const inst = r.plan!.installments;
    expect(inst).toHaveLength(6);
    // First month's interest: 600.00 × 7.99% / 12 = 3.995 → 4.00 half-up; nothing is paid today.
    expect(inst[0]!.dueDate).toBe(nextMonth(day));
    expect(inst.every((i) => i.paid.amount === '0.00' && i.status === 'SCHEDULED')).toBe(true);
    const plan = (await plansOf(u, accountId)).find((p) => p.id === r.plan!.id)!;
    expect(plan.installments.reduce((sum, i) => sum + cents(i.principal.amount), 0)).toBe(60_000);
    expect(plan.installments[0]!.interest.amount).toBe('4.00');
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('400.00');
    const repeat = await shop.confirm(u, checkoutId, 'MONTHLY_6', { key });
    expect(repeat.plan!.id).toBe(r.plan!.id);
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('400.00');
    const twelve = await shop.confirm(u, await shop.open(m.accessToken, '300.00'), 'MONTHLY_12');
    expect(twelve.plan!.installments).toHaveLength(12);
    await expectReconciled(accountId);
  });

  it('never overspends the line; several lines need accountId; a merchant cannot pay its own checkout', async () => {
    const m = await shop.merchant();
    const { u, accountId } = await shopper('500.00');
    const big = await shop.open(m.accessToken, '600.00');
    const r = await shop.confirm(u, big);
    expect(r.userErrors).toEqual([
      expect.objectContaining({ code: 'INSUFFICIENT_CREDIT', field: ['input', 'accountId'] }),
    ]);
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('500.00');
    expect((await shop.read(u.accessToken, big))!.status).toBe('OPEN');

    const second = await openCreditLine(s, u, '700.00');
    const several = await shop.confirm(u, big);
    expect(several.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'accountId'], code: 'INVALID_INPUT' }),
    ]);
    const chosen = await shop.confirm(u, big, 'PAY_IN_4', { accountId: second.accountId });
    expect(chosen.checkout!.status).toBe('COMPLETED');
    expect((await money.account(u, second.accountId)).availableCredit.amount).toBe('250.00'); // 700 − 600 + 150
    // Another user's account is not found.
    const other = await shopper();
    const foreign = await shop.confirm(other.u, await shop.open(m.accessToken, '60.00'), 'PAY_IN_4', {
      accountId,
    });
    expect(foreign.userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'accountId'] }),
    ]);
    // The merchant (also a shopper here) cannot pay itself.
    const ms = await signUp(s, { roles: ['MERCHANT', 'BORROWER'] });
    await openCreditLine(s, ms, '1000.00');
    const own = await shop.confirm(ms, await shop.open(ms.accessToken, '60.00'));
    expect(own.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT' })]);
  });

  it('20 concurrent confirmations of one checkout: exactly one completes, one draw on one line', async () => {
    const m = await shop.merchant();
    const a = await shopper();
    const b = await shopper();
    const checkoutId = await shop.open(m.accessToken, '100.00');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        shop.confirm(i % 2 ? a.u : b.u, checkoutId, i % 3 ? 'PAY_IN_4' : 'MONTHLY_6'),
      ),
    );
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    // the winner's other attempts: already paid; the other shopper's: no such checkout (once
    // paid, a checkout is seen by its merchant, its shopper and admins only: SPEC section 8)
    const won = results.findIndex((r) => r.userErrors.length === 0);
    const refusals = results.flatMap((r, i) =>
      i === won ? [] : [`${i % 2 === won % 2 ? 'winner' : 'other'}: ${r.userErrors[0]!.code}`],
    );
    expect(new Set(refusals)).toEqual(new Set(['winner: INVALID_STATE', 'other: NOT_FOUND']));
    const draws = await sql<{ n: number }>(
      s.databaseUrl,
      `select count(*)::int as n from journal_entry where kind = 'CHECKOUT' and ref_id = $1`,
      [localOf(checkoutId)],
    );
    expect(draws[0]!.n).toBe(1);
    const used = [a, b].map(
      async (x) => 100_000 - cents((await money.account(x.u, x.accountId)).availableCredit.amount),
    );
    const spent = (await Promise.all(used)).sort((p, q) => p - q);
    expect(spent[0]).toBe(0);
    expect([10_000 - 2_500, 10_000]).toContain(spent[1]); // pay-in-4 repays its first part at once
    await expectReconciled(a.accountId);
    await expectReconciled(b.accountId);
  });

  it('a payment link: anyone signed in reads it while OPEN; afterwards only its merchant, its shopper and admins', async () => {
    const m = await shop.merchant('Linky');
    const other = await shop.merchant();
    const { u } = await shopper();
    const stranger = await signUp(s);
    const checkoutId = await shop.open(m.accessToken, '75.00');
    const seen = await shop.read(stranger.accessToken, checkoutId);
    expect(seen).toMatchObject({ id: checkoutId, status: 'OPEN', merchant: { name: 'Linky' } });
    expect(
      (await s.gql('query($id: ID!) { checkout(id: $id) { id } }', { id: checkoutId })).errors?.[0]
        ?.extensions?.code,
    ).toBe('UNAUTHENTICATED');
    await shop.confirm(u, checkoutId);
    expect(await shop.read(stranger.accessToken, checkoutId)).toBeNull();
    expect(await shop.read(other.accessToken, checkoutId)).toBeNull();
    for (const who of [m, u, admin])
      expect((await shop.read(who.accessToken, checkoutId))!.status).toBe('COMPLETED');
    // The shopper sees the plan; the merchant does not.
    const planQuery = 'query($id: ID!) { checkout(id: $id) { plan { kind } } }';
    const asShopper = ok(
      await s.gql<{ checkout: { plan: unknown } }>(planQuery, { id: checkoutId }, { token: u.accessToken }),
    );
    const asMerchant = ok(
      await s.gql<{ checkout: { plan: unknown } }>(planQuery, { id: checkoutId }, { token: m.accessToken }),
    );
    expect(asShopper.checkout.plan).toEqual({ kind: 'PAY_IN_4' });
    expect(asMerchant.checkout.plan).toBeNull();
    // Another merchant cannot refund it either.
    expect((await shop.refund(other.accessToken, checkoutId, '10.00')).userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND' }),
    ]);
  });

  it('checkoutUpdated reaches the merchant and the shopper, not others', async () => {
    const m = await shop.merchant();
    const { u } = await shopper();
    const stranger = await signUp(s);
    const checkoutId = await shop.open(m.accessToken, '90.00');
    const forMerchant = await listen(s, m.accessToken, CheckoutUpdatedDocument, { checkoutId });
    const forStranger = await listen(s, stranger.accessToken, CheckoutUpdatedDocument, { checkoutId });
    await shop.confirm(u, checkoutId);
    const e = await forMerchant.next();
    expect(e.data!.checkoutUpdated.checkout).toEqual({
      id: checkoutId,
      status: 'COMPLETED',
      refunded: { amount: '0.00', currency: 'USD' },
    });
    const forShopper = await listen(s, u.accessToken, CheckoutUpdatedDocument, { checkoutId });
    await shop.refund(m.accessToken, checkoutId, '90.00');
    expect((await forShopper.next()).data!.checkoutUpdated.checkout.status).toBe('REFUNDED');
    expect((await forMerchant.next()).data!.checkoutUpdated.checkout.status).toBe('REFUNDED');
    expect(forStranger.results).toEqual([]);
  });
});

describe('refunds', () => {
  it('shrink the plan from the last installment; what was already paid comes back; never more than is left', async () => {
    const m = await shop.merchant();
    const { u, accountId } = await shopper();
    const checkoutId = await shop.open(m.accessToken, '100.00');
    await shop.confirm(u, checkoutId); // 25.00 paid at once, 3 × 25.00 to come
    expect(await money.points(u)).toBe(50); // an installment of $25.00 paid by its due date
    const partial = await shop.refund(m.accessToken, checkoutId, '30.00');
    expect(partial.userErrors).toEqual([]);
    expect(partial.checkout).toEqual({
      id: checkoutId,
      status: 'COMPLETED',
      refunded: { amount: '30.00', currency: 'USD' },
    });
    let plan = (await plansOf(u, accountId)).find((p) => p.kind === 'PAY_IN_4')!;
    expect(plan.installments.map((i) => [i.total.amount, i.status])).toEqual([
      ['25.00', 'PAID'],
      ['25.00', 'SCHEDULED'],
      ['20.00', 'SCHEDULED'],
      ['0.00', 'PAID'],
    ]);
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('955.00'); // 1000 − 100 + 25 + 30
    await expectReconciled(accountId);

    expect((await shop.refund(m.accessToken, checkoutId, '70.01')).userErrors).toEqual([
      expect.objectContaining({ code: 'AMOUNT_EXCEEDS_BALANCE', field: ['input', 'amount'] }),
    ]);
    const key = randomUUID();
    const rest = await shop.refund(m.accessToken, checkoutId, '70.00', key);
    expect(rest.checkout).toEqual({
      id: checkoutId,
      status: 'REFUNDED',
      refunded: { amount: '100.00', currency: 'USD' },
    });
    // 45.00 still owed is cancelled; the 25.00 the shopper paid goes back to them through the provider.
    plan = (await plansOf(u, accountId)).find((p) => p.kind === 'PAY_IN_4')!;
    expect(plan.status).toBe('PAID_OFF');
    const account = await money.account(u, accountId);
    expect(account.availableCredit.amount).toBe('1000.00');
    expect(account.outstandingBalance.amount).toBe('0.00');
    const returned = await sql<{ amount: string; status: string; kind: string }>(
      s.databaseUrl,
      'select amount, status, kind from disbursement where account_id = $1',
      [localOf(accountId)],
    );
    expect(returned).toEqual([{ amount: '2500', status: 'SUCCEEDED', kind: 'RETURN' }]);
    // The money that earned the on-time points came back, so the points go too.
    expect(await money.points(u)).toBe(0);
    // The same key replays; nothing moves again.
    expect((await shop.refund(m.accessToken, checkoutId, '70.00', key)).checkout!.refunded.amount).toBe(
      '100.00',
    );
    expect((await shop.refund(m.accessToken, checkoutId, '0.01')).userErrors).toEqual([
      expect.objectContaining({ code: 'AMOUNT_EXCEEDS_BALANCE' }),
    ]);
    const merchantId = (await shop.read(m.accessToken, checkoutId))!.merchant.id;
    expect(await merchantPayable(merchantId)).toBe(0);
    await expectReconciled(accountId);
  });

  it('points earned on money a refund returns are taken back; redeemed ones are kept from the money returned', async () => {
    const m = await shop.merchant();
    const { u, accountId } = await shopper();
    const line = (await money.account(u, accountId)).cards[0]!.id;
    expect((await money.buy(u, line, '100.00', 'TRAVEL')).transaction!.rewardPoints).toBe(1000);
    const checkoutId = await shop.open(m.accessToken, '100.00');
    await shop.confirm(u, checkoutId); // 25.00 paid at once: 50 points
    expect(await money.points(u)).toBe(1050);
    // 1,050 points redeemed at 1 cent: 10.50 off the balance.
    expect((await money.redeem(u, accountId, 1050, 'STATEMENT_CREDIT')).userErrors).toEqual([]);
    expect(await money.points(u)).toBe(0);
    await shop.refund(m.accessToken, checkoutId, '100.00');
    // The redemption's 10.50 paid the plan's next part, so 35.50 of it had been paid; the rest
    // is cancelled. Of the 35.50, the value of the 50 redeemed points (0.50) is kept.
    const returned = await sql<{ amount: string; kind: string }>(
      s.databaseUrl,
      'select amount, kind from disbursement where account_id = $1',
      [localOf(accountId)],
    );
    expect(returned).toEqual([{ amount: '3500', kind: 'RETURN' }]);
    expect(await money.points(u)).toBe(0);
    await expectReconciled(accountId);
  });

  it('a refund on a monthly plan drops the interest of installments it empties', async () => {
    const m = await shop.merchant();
    const { u, accountId } = await shopper();
    const checkoutId = await shop.open(m.accessToken, '600.00');
    const r = await shop.confirm(u, checkoutId, 'MONTHLY_6');
    const before = r.plan!.installments.map((i) => cents(i.total.amount));
    await shop.refund(m.accessToken, checkoutId, '150.00');
    const after = (await plansOf(u, accountId)).find((p) => p.id === r.plan!.id)!;
    const principal = after.installments.map((i) => cents(i.principal.amount));
    expect(principal.reduce((a, b) => a + b, 0)).toBe(45_000);
    expect(after.installments.at(-1)!.total.amount).toBe('0.00'); // emptied: no interest either
    expect(after.installments[0]!.total.amount).toBe((before[0]! / 100).toFixed(2)); // untouched
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('550.00');
    await expectReconciled(accountId);
  });
});

describe('over the following days (the sandbox clock moves)', () => {
  it('settles each day to each merchant, pays installments by autopay with two retry days, and expires stale checkouts', async () => {
    const m = await shop.merchant('Daily Goods');
    const mKey = await shop.apiKey(m);
    const day0 = await today();

    // Day 0: two sales and a refund for this merchant.
    const good = await shopper(); // 50.03: every charge goes through
    const failing = await shopper(); // 60.00: parts of 15.00, which the provider declines
    const recovering = await shopper(); // 60.01: 15.01 goes through, then parts of 15.00; pays 1.00 itself after a failure
    const c1 = await shop.open(mKey.secret, '50.03');
    const c2 = await shop.open(m.accessToken, '60.00');
    const c3 = await shop.open(m.accessToken, '60.01');
    const stale = await shop.open(m.accessToken, '99.00');
    // Its day nets 14.14 (50.00 − 35.42 − 0.44): the provider's first answer to that payout is lost.
    const slow = await shop.merchant('Slow Payout Goods');
    const slowCheckout = await shop.open(slow.accessToken, '50.00');
    await shop.confirm((await shopper()).u, slowCheckout);
    await shop.refund(slow.accessToken, slowCheckout, '35.42');
    const rival = await shop.merchant('Rival Goods');
    await shop.confirm((await shopper()).u, await shop.open(rival.accessToken, '200.00'), 'MONTHLY_6');
    expect((await shop.confirm(good.u, c1)).plan!.installments[0]!.status).toBe('PAID');
    // The first part of 15.00 is declined at checkout: the purchase stands, the part is retried.
    const declined = await shop.confirm(failing.u, c2);
    expect(declined.checkout!.status).toBe('COMPLETED');
    expect(declined.plan!.installments[0]!.status).toBe('SCHEDULED');
    await shop.confirm(recovering.u, c3);
    await shop.refund(mKey.secret, c3, '10.00');

    // Day 1: yesterday's settlement, created and paid by today's daily job.
    await money.advance(admin, 1);
    const settled = (await shop.settlements(mKey.secret)).edges.map((e) => e.node);
    // gross 170.04, refunds 10.00, fees 3% × 160.04 = 4.8012 → 4.80, net 155.24
    expect(settled).toEqual([
      {
        id: expect.any(String),
        date: day0,
        status: 'PAID',
        gross: { amount: '170.04', currency: 'USD' },
        refunds: { amount: '10.00', currency: 'USD' },
        fees: { amount: '4.80', currency: 'USD' },
        net: { amount: '155.24', currency: 'USD' },
      },
    ]);
    // Each merchant sees its own settlement only.
    const rivalSettled = (await shop.settlements(rival.accessToken)).edges.map((e) => e.node);
    expect(rivalSettled.map((x) => [x.date, x.gross.amount, x.fees.amount, x.net.amount])).toEqual([
      [day0, '200.00', '6.00', '194.00'],
    ]);
    // A payout whose answer was lost stays PENDING and is asked again (same reference): paid once.
    await waitFor(
      async () => (await shop.settlements(slow.accessToken)).edges[0]?.node.status === 'PAID',
      10_000,
      'the lost payout to be asked again',
    );
    const slowSettled = (await shop.settlements(slow.accessToken)).edges.map((e) => e.node);
    expect(slowSettled.map((x) => [x.gross.amount, x.refunds.amount, x.fees.amount, x.net.amount])).toEqual([
      ['50.00', '35.42', '0.44', '14.14'],
    ]);
    const slowOps = await sql<{ n: number }>(
      s.databaseUrl,
      `select count(*)::int as n from gateway_operation where reference = $1`,
      [localOf(slowSettled[0]!.id)],
    );
    expect(slowOps[0]!.n).toBe(1);
    const slowEntries = await sql<{ n: number }>(
      s.databaseUrl,
      `select count(*)::int as n from journal_entry where kind = 'MERCHANT_SETTLEMENT' and ref_id = $1`,
      [localOf(slowSettled[0]!.id)],
    );
    expect(slowEntries[0]!.n).toBe(1);
    // Paid out through the provider once; what the merchant is owed is zero again.
    const merchantId = (await myMerchant(m.accessToken))!.id as string;
    expect(await merchantPayable(merchantId)).toBe(0);
    const payouts = await sql<{ n: number }>(
      s.databaseUrl,
      `select count(*)::int as n from gateway_operation where reference = $1 and kind = 'PAYOUT' and amount = 15524`,
      [localOf(settled[0]!.id)],
    );
    expect(payouts[0]!.n).toBe(1);
    // The stale checkout expired (its hour is long over): EXPIRED, and it cannot be confirmed.
    expect((await shop.read(m.accessToken, stale))!.status).toBe('EXPIRED');
    expect((await shop.confirm(good.u, stale)).userErrors).toEqual([
      expect.objectContaining({ code: 'CHECKOUT_EXPIRED', field: ['input', 'checkoutId'] }),
    ]);

    // The failing shopper's first part: attempt 1 at checkout (day 0), 2 on day 1, 3 on day 2.
    const autopays = async (accountId: string) =>
      sql<{ amount: string; status: string; autopay_on: string }>(
        s.databaseUrl,
        `select amount, status, autopay_on::text from payment where account_id = $1 and source = 'AUTOPAY' order by created_at`,
        [localOf(accountId)],
      );
    expect((await autopays(failing.accountId)).map((p) => [p.autopay_on, p.status])).toEqual([
      [day0, 'FAILED'],
      [addDays(day0, 1), 'FAILED'],
    ]);
    await money.advance(admin, 1);
    await money.advance(admin, 1); // day 3: no fourth attempt
    expect((await autopays(failing.accountId)).map((p) => [p.autopay_on, p.status])).toEqual([
      [day0, 'FAILED'],
      [addDays(day0, 1), 'FAILED'],
      [addDays(day0, 2), 'FAILED'],
    ]);
    // Every attempt was notified to the shopper.
    const notes = ok(
      await s.gql(MyNotificationsDocument, { first: 50 }, { token: failing.u.accessToken }),
    ).me!.notifications.edges.map((e) => e.node.kind);
    expect(notes.filter((k) => k === 'PAYMENT_FAILED')).toHaveLength(3);
    // Then it is unpaid like any other: late, with its fee (5% of 15.00 = 0.75), on day 3.
    const first = (await plansOf(failing.u, failing.accountId)).find((p) => p.kind === 'PAY_IN_4')!
      .installments[0]!;
    expect(first).toMatchObject({ status: 'LATE', fee: { amount: '0.75', currency: 'USD' } });

    // Day 14: the second parts fall due. 12.50 goes through; 15.00 fails, and the shopper who
    // pays 1.00 of it gets the retry of 14.00 through the next day.
    await money.advance(admin, 11);
    expect(await today()).toBe(addDays(day0, 14));
    const goodPlan = (await plansOf(good.u, good.accountId)).find((p) => p.kind === 'PAY_IN_4')!;
    expect(goodPlan.installments.map((i) => i.status)).toEqual(['PAID', 'PAID', 'SCHEDULED', 'SCHEDULED']);
    // Refunded 10.00 from the last part: 15.01, 15.00, 15.00, 5.00.
    const rec = (await autopays(recovering.accountId)).map((p) => [p.autopay_on, p.amount, p.status]);
    expect(rec).toEqual([
      [day0, '1501', 'SUCCEEDED'],
      [addDays(day0, 14), '1500', 'FAILED'],
    ]);
    expect((await money.pay(recovering.u, recovering.accountId, '1.00')).payment!.status).toBe('SUCCEEDED');
    await money.advance(admin, 1);
    expect((await autopays(recovering.accountId)).at(-1)).toEqual({
      amount: '1400',
      status: 'SUCCEEDED',
      autopay_on: addDays(day0, 15),
    });
    const recPlan = (await plansOf(recovering.u, recovering.accountId)).find((p) => p.kind === 'PAY_IN_4')!;
    expect(recPlan.installments[1]!.status).toBe('PAID');
    // A day with no sales and no refunds has no settlement.
    expect((await shop.settlements(m.accessToken)).totalCount).toBe(1);
    for (const x of [good, failing, recovering]) await expectReconciled(x.accountId);
  });

  it('a day is settled once, however many runs race for it', async () => {
    const m = await shop.merchant();
    await shop.confirm((await shopper()).u, await shop.open(m.accessToken, '500.00'), 'MONTHLY_12');
    const tomorrow = addDays(await today(), 1);
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => s.app.services.settlements.settleBefore(s.app.orm.em.fork(), tomorrow)),
    );
    expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    const list = (await shop.settlements(m.accessToken)).edges.map((e) => e.node);
    expect(list.map((x) => [x.status, x.gross.amount, x.fees.amount, x.net.amount])).toEqual([
      ['PAID', '500.00', '15.00', '485.00'],
    ]);
    const paid = await sql<{ n: number }>(
      s.databaseUrl,
      `select count(*)::int as n from journal_entry where kind = 'MERCHANT_SETTLEMENT' and ref_id = $1`,
      [localOf(list[0]!.id)],
    );
    expect(paid[0]!.n).toBe(1);
  });
});
