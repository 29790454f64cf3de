import { randomUUID } from 'node:crypto';
import {
  AcceptOfferDocument,
  AccountDocument,
  MyNotificationsDocument,
  RequestAccountClosureDocument,
  RequestDisbursementDocument,
  SubmitApplicationDocument,
  UnfreezeCardDocument,
} from '../generated/contract';
import { fromGlobalId, toGlobalId } from '../../src/lib/global-id';
import { makeAdmin, openCreditLine, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { shopClient } from '../support/merchants';
import { expectReconciled, moneyClient, sql } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
let m: ReturnType<typeof moneyClient>;
let shop: ReturnType<typeof shopClient>;
beforeAll(async () => {
  // The simulated provider leaves the first answer to $31.41 unanswered (a payment PENDING,
  // settled later) and, for $66.66, loses its first answer and then declines (a cash draw
  // PENDING, refused later).
  s = await startTestServer({
    env: {
      GATEWAY_FAIL_AMOUNTS: '66.66',
      GATEWAY_TIMEOUT_AMOUNTS: '31.41,66.66',
      GATEWAY_TIMEOUT_MS: '300',
    },
  });
  admin = await makeAdmin(s);
  m = moneyClient(s);
  shop = shopClient(s);
});
afterAll(async () => {
  await s?.close();
});

const localOf = (globalId: string) => fromGlobalId(globalId)!.id;

const requestClosure = async (u: SignedUp, accountId: string, key: string = randomUUID()) =>
  ok(
    await s.gql(
      RequestAccountClosureDocument,
      { input: { accountId, idempotencyKey: key } },
      { token: u.accessToken },
    ),
  ).requestAccountClosure;

const PENDING_CLOSURES = `query($first: Int, $after: String) {
  pendingClosures(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status closureRequestedAt } }
  }
}`;
type PendingPage = {
  pendingClosures: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; status: string; closureRequestedAt: string } }[];
  };
};
const pendingClosures = async (u: SignedUp, first = 100, after?: string) =>
  s.gql<PendingPage>(PENDING_CLOSURES, { first, after }, { token: u.accessToken });

const notificationKinds = async (u: SignedUp) =>
  ok(
    await s.gql(MyNotificationsDocument, { first: 50 }, { token: u.accessToken }),
  ).me!.notifications.edges.map((e) => e.node.kind);

const auditOf = (accountId: string, action: string) =>
  sql<{ actor_id: string | null; changes: Record<string, unknown> }>(
    s.databaseUrl,
    'select actor_id, changes from audit_entry where object_id = $1 and action = $2 order by id',
    [localOf(accountId), action],
  );

/** A borrower with a credit line and its card. */
async function lineHolder(limit = '1000.00') {
  const u = await signUp(s);
  const line = await openCreditLine(s, u, limit);
  return { u, accountId: line.accountId, cardId: line.cardId };
}

describe('requestAccountClosure', () => {
  it('with nothing owed closes the line and its card at once; a purchase is then declined', async () => {
    const { u, accountId, cardId } = await lineHolder();
    const r = await requestClosure(u, accountId);
    expect(r.userErrors).toEqual([]);
    expect(r.account).toMatchObject({
      id: accountId,
      status: 'CLOSED',
      outstandingBalance: { amount: '0.00', currency: 'USD' },
      cards: [{ id: cardId, status: 'CLOSED' }],
    });
    expect(r.account!.closureRequestedAt).toEqual(expect.any(String));

    const purchase = await m.buy(u, cardId, '10.00');
    expect(purchase.transaction).toMatchObject({ status: 'DECLINED', declineReason: 'CARD_CLOSED' });
    expect((await m.account(u, accountId)).status).toBe('CLOSED');

    expect(await auditOf(accountId, 'account.closure.request')).toHaveLength(1);
    expect(await auditOf(accountId, 'account.close')).toEqual([
      { actor_id: localOf(u.id), changes: { status: ['ACTIVE', 'CLOSED'] } },
    ]);
    expect(await notificationKinds(u)).toContain('ACCOUNT_CLOSED');
    // Closed, it is not pending.
    const page = ok(await pendingClosures(admin)).pendingClosures;
    expect(page.edges.map((e) => e.node.id)).not.toContain(accountId);
    await expectReconciled(s, admin, accountId);
  });

  it('with a balance freezes the card and refuses new spending; the payment that clears it closes it in that transaction', async () => {
    const { u, accountId, cardId } = await lineHolder();
    expect((await m.buy(u, cardId, '100.00')).transaction!.status).toBe('APPROVED');

    const r = await requestClosure(u, accountId);
    expect(r.userErrors).toEqual([]);
    expect(r.account).toMatchObject({
      status: 'ACTIVE',
      outstandingBalance: { amount: '100.00' },
      cards: [{ id: cardId, status: 'FROZEN' }],
    });
    const requestedAt = r.account!.closureRequestedAt;
    expect(requestedAt).toEqual(expect.any(String));
    expect(await notificationKinds(u)).toContain('ACCOUNT_CLOSURE_REQUESTED');

    // No new spending: a purchase, unfreezing the card, a cash draw, a pay-later checkout.
    const declined = await m.buy(u, cardId, '5.00');
    expect(declined.transaction).toMatchObject({ status: 'DECLINED', declineReason: 'CARD_FROZEN' });
    const unfreeze = ok(
      await s.gql(UnfreezeCardDocument, { input: { cardId } }, { token: u.accessToken }),
    ).unfreezeCard;
    expect(unfreeze.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE', field: ['input', 'cardId'] }),
    ]);
    const draw = ok(
      await s.gql(
        RequestDisbursementDocument,
        { input: { accountId, amount: '60.00', idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).requestDisbursement;
    expect(draw.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE', field: ['input', 'accountId'] }),
    ]);
    const merchant = await shop.merchant('Closure Outdoor');
    const checkoutId = await shop.open(merchant.accessToken, '80.00');
    const confirmed = await shop.confirm(u, checkoutId, 'PAY_IN_4', { accountId });
    expect(confirmed.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE', field: ['input', 'accountId'] }),
    ]);
    expect((await shop.read(merchant.accessToken, checkoutId))!.status).toBe('OPEN');

    // Admins see it pending.
    const pending = ok(await pendingClosures(admin)).pendingClosures;
    expect(pending.edges.map((e) => e.node)).toContainEqual({
      id: accountId,
      status: 'ACTIVE',
      closureRequestedAt: requestedAt,
    });

    // Payments go on; a partial one leaves it open.
    const partial = await m.pay(u, accountId, '40.00');
    expect(partial.payment!.status).toBe('SUCCEEDED');
    expect(partial.account).toMatchObject({ status: 'ACTIVE', outstandingBalance: { amount: '60.00' } });

    // The payment that clears it closes it: its own response already shows CLOSED.
    const last = await m.pay(u, accountId, '60.00');
    expect(last.payment!.status).toBe('SUCCEEDED');
    expect(last.account).toMatchObject({ status: 'CLOSED', outstandingBalance: { amount: '0.00' } });
    const after = await m.account(u, accountId);
    expect(after.cards.map((c) => c.status)).toEqual(['CLOSED']);
    expect(await auditOf(accountId, 'account.close')).toEqual([
      { actor_id: null, changes: { status: ['ACTIVE', 'CLOSED'] } },
    ]);
    expect(await notificationKinds(u)).toContain('ACCOUNT_CLOSED');
    expect(ok(await pendingClosures(admin)).pendingClosures.edges.map((e) => e.node.id)).not.toContain(
      accountId,
    );
    await expectReconciled(s, admin, accountId);
  });

  it('closes with a full card refund, a reward redemption or a merchant refund that clears the balance', async () => {
    // A card refund.
    const a = await lineHolder();
    const bought = await m.buy(a.u, a.cardId, '70.00');
    expect((await requestClosure(a.u, a.accountId)).account!.status).toBe('ACTIVE');
    await m.refund(a.u, bought.transaction!.id, '30.00');
    expect((await m.account(a.u, a.accountId)).status).toBe('ACTIVE');
    const refunded = await m.refund(a.u, bought.transaction!.id, '40.00');
    expect(refunded.userErrors).toEqual([]);
    const closedByRefund = await m.account(a.u, a.accountId);
    expect(closedByRefund).toMatchObject({ status: 'CLOSED', outstandingBalance: { amount: '0.00' } });
    expect(closedByRefund.cards.map((c) => c.status)).toEqual(['CLOSED']);
    await expectReconciled(s, admin, a.accountId);

    // A redemption: $100.00 of travel earns 1,000 points, worth the $10.00 left after a payment.
    const b = await lineHolder();
    await m.buy(b.u, b.cardId, '100.00', 'TRAVEL');
    await m.pay(b.u, b.accountId, '90.00');
    await requestClosure(b.u, b.accountId);
    const redeemed = await m.redeem(b.u, b.accountId, 1000, 'STATEMENT_CREDIT');
    expect(redeemed.userErrors).toEqual([]);
    expect(await m.account(b.u, b.accountId)).toMatchObject({
      status: 'CLOSED',
      outstandingBalance: { amount: '0.00' },
    });
    await expectReconciled(s, admin, b.accountId);

    // A merchant's refund of a pay-later purchase: what is left is cancelled, what was paid returned.
    const c = await lineHolder();
    const merchant = await shop.merchant('Refunding Outdoor');
    const checkoutId = await shop.open(merchant.accessToken, '80.00');
    expect((await shop.confirm(c.u, checkoutId, 'PAY_IN_4', { accountId: c.accountId })).userErrors).toEqual(
      [],
    );
    const requested = await requestClosure(c.u, c.accountId);
    expect(requested.account).toMatchObject({ status: 'ACTIVE', outstandingBalance: { amount: '60.00' } });
    const merchantRefund = await shop.refund(merchant.accessToken, checkoutId, '80.00');
    expect(merchantRefund.userErrors).toEqual([]);
    expect(await m.account(c.u, c.accountId)).toMatchObject({
      status: 'CLOSED',
      outstandingBalance: { amount: '0.00' },
    });
    await expectReconciled(s, admin, c.accountId);
  });

  it('closes when a payment left PENDING by the provider settles later', async () => {
    const { u, accountId, cardId } = await lineHolder();
    await m.buy(u, cardId, '31.41');
    await requestClosure(u, accountId);
    const pay = await m.pay(u, accountId, '31.41');
    expect(pay.payment!.status).toBe('PENDING');
    expect(pay.account!.status).toBe('ACTIVE');
    await s.app.services.repayments.recoverPending(s.app.orm.em.fork(), 0);
    expect(await m.account(u, accountId)).toMatchObject({
      status: 'CLOSED',
      outstandingBalance: { amount: '0.00' },
    });
    await expectReconciled(s, admin, accountId);
  });

  it('counts a cash draw still being paid out as owed, and closes when the provider refuses it', async () => {
    const { u, accountId } = await lineHolder();
    const draw = ok(
      await s.gql(
        RequestDisbursementDocument,
        { input: { accountId, amount: '66.66', termMonths: 3, idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).requestDisbursement;
    expect(draw.disbursement!.status).toBe('PENDING');
    const r = await requestClosure(u, accountId);
    expect(r.account).toMatchObject({ status: 'ACTIVE', outstandingBalance: { amount: '66.66' } });
    await s.app.services.payouts.recoverPending(s.app.orm.em.fork(), 0);
    expect(await m.account(u, accountId)).toMatchObject({
      status: 'CLOSED',
      outstandingBalance: { amount: '0.00' },
    });
    await expectReconciled(s, admin, accountId);
  });

  it('is idempotent: the same key replays, concurrent requests record one request', async () => {
    const { u, accountId, cardId } = await lineHolder();
    await m.buy(u, cardId, '25.00');
    const key = randomUUID();
    const first = await requestClosure(u, accountId, key);
    const again = await requestClosure(u, accountId, key);
    expect(again).toEqual(first);
    const other = await lineHolder();
    const reused = await requestClosure(u, other.accountId, key);
    expect(reused.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);

    const { u: v, accountId: id2, cardId: card2 } = await lineHolder();
    await m.buy(v, card2, '25.00');
    const all = await Promise.all(Array.from({ length: 10 }, () => requestClosure(v, id2)));
    for (const r of all) {
      expect(r.userErrors).toEqual([]);
      expect(r.account).toMatchObject({ status: 'ACTIVE', cards: [{ status: 'FROZEN' }] });
    }
    expect(new Set(all.map((r) => r.account!.closureRequestedAt)).size).toBe(1);
    expect(await auditOf(id2, 'account.closure.request')).toHaveLength(1);
    expect(
      await sql(s.databaseUrl, "select 1 from audit_entry where object_id = $1 and action = 'card.frozen'", [
        localOf(card2),
      ]),
    ).toHaveLength(1);
    // A new key on an account already closing (or closed) answers it as it is, no error.
    const later = await requestClosure(v, id2);
    expect(later.userErrors).toEqual([]);
    expect(later.account!.closureRequestedAt).toBe(all[0]!.account!.closureRequestedAt);
    await m.pay(v, id2, '25.00');
    const closed = await requestClosure(v, id2);
    expect(closed).toMatchObject({ userErrors: [], account: { status: 'CLOSED' } });
    expect(await auditOf(id2, 'account.closure.request')).toHaveLength(1);
  });

  it('answers for another user’s account exactly as for one that does not exist, and changes nothing', async () => {
    const owner = await lineHolder();
    const stranger = await signUp(s);
    const theirs = await requestClosure(stranger, owner.accountId);
    const missing = await requestClosure(stranger, toGlobalId('CreditAccount', randomUUID()));
    const garbage = await requestClosure(stranger, 'not-an-id');
    expect(theirs.account).toBeNull();
    expect(theirs.userErrors).toEqual([
      { field: ['input', 'accountId'], message: 'No such account.', code: 'NOT_FOUND' },
    ]);
    expect(missing).toEqual(theirs);
    expect(garbage).toEqual(theirs);
    const untouched = await m.account(owner.u, owner.accountId);
    expect(untouched).toMatchObject({ status: 'ACTIVE', cards: [{ status: 'ACTIVE' }] });
    expect(await auditOf(owner.accountId, 'account.closure.request')).toEqual([]);

    const badKey = await requestClosure(owner.u, owner.accountId, '');
    expect(badKey.userErrors).toEqual([expect.objectContaining({ field: ['input', 'idempotencyKey'] })]);
    expect((await m.account(owner.u, owner.accountId)).status).toBe('ACTIVE');
  });

  it('lists pending closures to admins only, newest request first, page by page', async () => {
    const older = await lineHolder();
    await m.buy(older.u, older.cardId, '10.00');
    await requestClosure(older.u, older.accountId);
    const newer = await lineHolder();
    await m.buy(newer.u, newer.cardId, '10.00');
    await requestClosure(newer.u, newer.accountId);

    const denied = await pendingClosures(newer.u);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const all = ok(await pendingClosures(admin)).pendingClosures;
    const ids = all.edges.map((e) => e.node.id);
    expect(ids.indexOf(newer.accountId)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(newer.accountId)).toBeLessThan(ids.indexOf(older.accountId));
    const times = all.edges.map((e) => Date.parse(e.node.closureRequestedAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(all.edges.every((e) => e.node.status !== 'CLOSED')).toBe(true);
    expect(all.totalCount).toBe(all.edges.length);

    // One at a time, the pages add up to the whole list.
    const paged: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = ok(await pendingClosures(admin, 1, after)).pendingClosures;
      paged.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(paged).toEqual(ids);
  });

  it('closes a paid-off platform loan at once, and a loan that is paid off after the request', async () => {
    const u = await signUp(s);
    const paidOff = await m.loan(u, '1000.00', 6);
    await m.pay(u, paidOff.accountId, await m.payoff(u, paidOff.accountId));
    expect((await m.account(u, paidOff.accountId)).status).toBe('PAID_OFF');
    const r = await requestClosure(u, paidOff.accountId);
    expect(r).toMatchObject({ userErrors: [], account: { status: 'CLOSED', cards: [] } });
    expect(await auditOf(paidOff.accountId, 'account.close')).toEqual([
      { actor_id: localOf(u.id), changes: { status: ['PAID_OFF', 'CLOSED'] } },
    ]);

    const v = await signUp(s);
    const open = await m.loan(v, '1000.00', 6);
    const requested = await requestClosure(v, open.accountId);
    expect(requested.account).toMatchObject({ status: 'ACTIVE', outstandingBalance: { amount: '1000.00' } });
    const payoff = await m.payoff(v, open.accountId);
    const paid = await m.pay(v, open.accountId, payoff);
    expect(paid.account).toMatchObject({ status: 'CLOSED', outstandingBalance: { amount: '0.00' } });
    expect(await auditOf(open.accountId, 'account.close')).toEqual([
      { actor_id: null, changes: { status: ['PAID_OFF', 'CLOSED'] } },
    ]);
    const tb = await m.trialBalance(admin);
    expect(tb.totalDebits).toEqual(tb.totalCredits);
  });

  it('refuses a loan not paid out yet, and the daily job closes a pending closure left with nothing owed', async () => {
    const u = await signUp(s);
    const app = ok(
      await s.gql(
        SubmitApplicationDocument,
        { input: primeLoan({ amount: '1000.00', termMonths: 6 }) as never },
        { token: u.accessToken },
      ),
    ).submitApplication.application!;
    const accountId = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer.account!.id;
    const refused = await requestClosure(u, accountId);
    expect(refused.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STATE', field: ['input', 'accountId'] }),
    ]);
    expect(
      ok(await s.gql(AccountDocument, { id: accountId }, { token: u.accessToken })).account,
    ).toMatchObject({
      status: 'PENDING_DISBURSEMENT',
    });

    // A closure left pending with nothing owed (as a crash between two steps could leave it).
    const line = await lineHolder();
    await sql(s.databaseUrl, 'update credit_account set closure_requested_at = now() where id = $1', [
      localOf(line.accountId),
    ]);
    await m.advance(admin, 1);
    const swept = await m.account(line.u, line.accountId);
    expect(swept.status).toBe('CLOSED');
    expect(swept.cards.map((c) => c.status)).toEqual(['CLOSED']);
    expect(await auditOf(line.accountId, 'account.close')).toEqual([
      { actor_id: null, changes: { status: ['ACTIVE', 'CLOSED'] } },
    ]);
  });
});
