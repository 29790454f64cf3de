import { randomUUID } from 'node:crypto';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLogDocument } from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import {
  makeAdmin,
  openCreditLine,
  primeLoan,
  referredLoan,
  signUp,
  uniqueEmail,
  type SignedUp,
} from '../support/fixtures';
import { marketClient } from '../support/marketplace';
import { shopClient } from '../support/merchants';
import { moneyClient, sql } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * SPEC section 11: every state-changing action writes an append-only audit entry (actor,
 * action, object, time, request id, what changed). The coverage test walks the schema's
 * mutations: each one is called once, successfully, with its own request id, and must have
 * written at least one entry with that id. A mutation added to the schema without an entry
 * in `calls` fails the test.
 */
const mutationNames = (): string[] => {
  const schema = buildSchema(readFileSync(join(__dirname, '../../src/schema/schema.graphql'), 'utf8'));
  return Object.keys((schema.getMutationType() as GraphQLObjectType).getFields()).sort();
};

/** The payload of a hand-written operation (the contract's typed documents do not cover them all). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Payload = Record<string, any>;

interface Entry {
  action: string;
  actor_id: string | null;
  object_id: string;
  request_id: string | null;
  changes: Record<string, unknown> | null;
}

describe('audit log', () => {
  let s: TestServer;
  let admin: SignedUp;
  beforeAll(async () => {
    s = await startTestServer();
    admin = await makeAdmin(s);
  });
  afterAll(() => s.close());

  const entriesOf = (requestId: string) =>
    sql<Entry>(
      s.databaseUrl,
      'select action, actor_id, object_id, request_id, changes from audit_entry where request_id = $1',
      [requestId],
    );

  it('every mutation in the schema writes an entry with its request id, actor and action', async () => {
    const covered = new Map<string, Entry[]>();
    /** One successful call of `field`, under its own request id; returns the payload. */
    const call = async <T = Payload>(
      field: string,
      query: string,
      variables: Record<string, unknown>,
      token: string | null,
    ): Promise<T> => {
      const requestId = `audit-${field}-${randomUUID()}`;
      const res = await s.gql<Payload>(query, variables, {
        token,
        headers: { 'x-request-id': requestId },
      });
      expect({ field, errors: res.errors }).toEqual({ field, errors: undefined });
      const payload = res.data![field];
      if (payload && typeof payload === 'object' && 'userErrors' in payload)
        expect({ field, userErrors: payload.userErrors }).toEqual({ field, userErrors: [] });
      covered.set(field, [...(covered.get(field) ?? []), ...(await entriesOf(requestId))]);
      return payload as T;
    };
    const m = moneyClient(s);
    const market = marketClient(s);
    const shop = shopClient(s);

    // identity
    const email = uniqueEmail();
    const up = await call(
      'signUp',
      'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken user { id } userErrors { code } } }',
      { i: { email, password: 'correct horse', name: 'Audit Person' } },
      null,
    );
    const signedIn = await call(
      'signIn',
      'mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken userErrors { code } } }',
      { i: { email, password: 'correct horse' } },
      null,
    );
    const refreshed = await call(
      'refreshToken',
      'mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken refreshToken userErrors { code } } }',
      { i: { refreshToken: signedIn.refreshToken } },
      null,
    );
    const b: SignedUp = {
      id: up.user.id,
      email,
      accessToken: refreshed.accessToken,
      refreshToken: refreshed.refreshToken,
    };

    // applications
    const submitted = await call(
      'submitApplication',
      'mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { application { id status } userErrors { code } } }',
      { i: primeLoan({ product: 'CREDIT_LINE', termMonths: null, amount: '1000.00' }) },
      b.accessToken,
    );
    const accepted = await call(
      'acceptOffer',
      'mutation($i: AcceptOfferInput!) { acceptOffer(input: $i) { account { id cards { id } } userErrors { code } } }',
      { i: { applicationId: submitted.application.id } },
      b.accessToken,
    );
    const accountId: string = accepted.account.id;
    const cardId: string = accepted.account.cards[0].id;
    const referred = ok(
      await s.gql<Payload>(
        'mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { application { id status } } }',
        { i: referredLoan() },
        { token: b.accessToken },
      ),
    ).submitApplication.application;
    expect(referred.status).toBe('REFERRED');
    await call(
      'updateApplication',
      'mutation($i: UpdateApplicationInput!) { updateApplication(input: $i) { application { id } userErrors { code } } }',
      { i: { applicationId: referred.id, purpose: 'a new roof' } },
      b.accessToken,
    );
    await call(
      'reviewApplication',
      'mutation($i: ReviewApplicationInput!) { reviewApplication(input: $i) { application { id } userErrors { code } } }',
      { i: { applicationId: referred.id, outcome: 'APPROVED', note: 'income verified' } },
      admin.accessToken,
    );
    await call(
      'cancelApplication',
      'mutation($i: CancelApplicationInput!) { cancelApplication(input: $i) { application { id } userErrors { code } } }',
      { i: { applicationId: referred.id } },
      b.accessToken,
    );

    // cards and purchases
    const card = 'mutation($i: CardInput!) { FIELD(input: $i) { userErrors { code } } }';
    await call('revealCard', card.replace('FIELD', 'revealCard'), { i: { cardId } }, b.accessToken);
    await call('freezeCard', card.replace('FIELD', 'freezeCard'), { i: { cardId } }, b.accessToken);
    await call('unfreezeCard', card.replace('FIELD', 'unfreezeCard'), { i: { cardId } }, b.accessToken);
    const authorize =
      'mutation($i: AuthorizeCardTransactionInput!) { authorizeCardTransaction(input: $i) { transaction { id status } userErrors { code } } }';
    const travel = await call(
      'authorizeCardTransaction',
      authorize,
      {
        i: {
          cardId,
          amount: '150.00',
          merchantName: 'Air',
          category: 'TRAVEL',
          idempotencyKey: randomUUID(),
        },
      },
      b.accessToken,
    );
    expect(travel.transaction.status).toBe('APPROVED');
    const second = (await m.buy(b, cardId, '120.00')).transaction!;
    await call(
      'refundCardTransaction',
      'mutation($i: RefundCardTransactionInput!) { refundCardTransaction(input: $i) { transaction { id } userErrors { code } } }',
      { i: { transactionId: travel.transaction.id, amount: '10.00', idempotencyKey: randomUUID() } },
      b.accessToken,
    );
    await call(
      'convertToInstallments',
      'mutation($i: ConvertToInstallmentsInput!) { convertToInstallments(input: $i) { plan { id } userErrors { code } } }',
      { i: { transactionId: second.id, months: 3 } },
      b.accessToken,
    );
    await call(
      'makePayment',
      'mutation($i: MakePaymentInput!) { makePayment(input: $i) { payment { id } userErrors { code } } }',
      { i: { accountId, amount: '50.00', idempotencyKey: randomUUID() } },
      b.accessToken,
    );
    await call(
      'redeemRewards',
      'mutation($i: RedeemRewardsInput!) { redeemRewards(input: $i) { userErrors { code } } }',
      { i: { accountId, points: 1000, kind: 'STATEMENT_CREDIT', idempotencyKey: randomUUID() } },
      b.accessToken,
    );
    await call(
      'requestDisbursement',
      'mutation($i: RequestDisbursementInput!) { requestDisbursement(input: $i) { userErrors { code } } }',
      { i: { accountId, amount: '50.00', idempotencyKey: randomUUID() } },
      b.accessToken,
    );
    const notes = ok(
      await s.gql<Payload>(
        '{ me { notifications(first: 5) { edges { node { id } } } } }',
        {},
        { token: b.accessToken },
      ),
    ).me.notifications.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(notes.length).toBeGreaterThan(0);
    await call(
      'markNotificationsRead',
      'mutation($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) { userErrors { code } } }',
      { i: { ids: notes } },
      b.accessToken,
    );

    // merchants and checkouts
    const merchant = await shop.merchant('Audit Outdoor');
    const key = await call(
      'createApiKey',
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } userErrors { code } } }',
      { i: { name: 'server' } },
      merchant.accessToken,
    );
    await call(
      'revokeApiKey',
      'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }',
      { i: { apiKeyId: key.apiKey.id } },
      merchant.accessToken,
    );
    const profile = await call(
      'updateMerchantProfile',
      'mutation($i: UpdateMerchantProfileInput!) { updateMerchantProfile(input: $i) { merchant { id } userErrors { code } } }',
      { i: { website: 'https://audit.example.com' } },
      merchant.accessToken,
    );
    const hook = await call(
      'registerWebhook',
      'mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { webhook { id } userErrors { code } } }',
      { i: { url: 'http://127.0.0.1:9/hook', events: ['checkout.completed'] } },
      merchant.accessToken,
    );
    await call(
      'removeWebhook',
      'mutation($i: RemoveWebhookInput!) { removeWebhook(input: $i) { userErrors { code } } }',
      { i: { webhookId: hook.webhook.id } },
      merchant.accessToken,
    );
    const checkout = await call(
      'createCheckout',
      'mutation($i: CreateCheckoutInput!) { createCheckout(input: $i) { checkout { id } userErrors { code } } }',
      { i: { amount: '60.00', orderReference: 'audit-1', idempotencyKey: randomUUID() } },
      merchant.accessToken,
    );
    await call(
      'confirmCheckout',
      'mutation($i: ConfirmCheckoutInput!) { confirmCheckout(input: $i) { checkout { id } userErrors { code } } }',
      { i: { checkoutId: checkout.checkout.id, plan: 'PAY_IN_4', accountId, idempotencyKey: randomUUID() } },
      b.accessToken,
    );
    await call(
      'refundCheckout',
      'mutation($i: RefundCheckoutInput!) { refundCheckout(input: $i) { checkout { id } userErrors { code } } }',
      { i: { checkoutId: checkout.checkout.id, amount: '5.00', idempotencyKey: randomUUID() } },
      merchant.accessToken,
    );
    const status = 'mutation($i: MerchantStatusInput!) { FIELD(input: $i) { userErrors { code } } }';
    await call(
      'suspendMerchant',
      status.replace('FIELD', 'suspendMerchant'),
      { i: { merchantId: profile.merchant.id, reason: 'review' } },
      admin.accessToken,
    );
    await call(
      'reinstateMerchant',
      status.replace('FIELD', 'reinstateMerchant'),
      { i: { merchantId: profile.merchant.id } },
      admin.accessToken,
    );

    // marketplace
    const investor = await signUp(s, { roles: ['INVESTOR'] });
    const cash = 'mutation($i: CashMovementInput!) { FIELD(input: $i) { userErrors { code } } }';
    await call(
      'depositCash',
      cash.replace('FIELD', 'depositCash'),
      { i: { amount: '500.00', idempotencyKey: randomUUID() } },
      investor.accessToken,
    );
    await call(
      'withdrawCash',
      cash.replace('FIELD', 'withdrawCash'),
      { i: { amount: '20.00', idempotencyKey: randomUUID() } },
      investor.accessToken,
    );
    const listed = await market.listLoan(await signUp(s), '1000.00', 12);
    await call(
      'invest',
      'mutation($i: InvestInput!) { invest(input: $i) { userErrors { code } } }',
      { i: { listingId: listed.listingId, amount: '25.00', idempotencyKey: randomUUID() } },
      investor.accessToken,
    );
    await call(
      'autoInvest',
      'mutation($i: AutoInvestInput!) { autoInvest(input: $i) { userErrors { code } } }',
      { i: { amount: '25.00', grades: ['A'], amountPerLoan: '25.00', idempotencyKey: randomUUID() } },
      investor.accessToken,
    );

    // operations
    await call(
      'advanceSandboxClock',
      'mutation($i: AdvanceSandboxClockInput!) { advanceSandboxClock(input: $i) { userErrors { code } } }',
      { i: { days: 1 } },
      admin.accessToken,
    );
    await call('closeCard', card.replace('FIELD', 'closeCard'), { i: { cardId } }, admin.accessToken);
    const owner = await signUp(s);
    const closing = await openCreditLine(s, owner);
    await call(
      'requestAccountClosure',
      'mutation($i: RequestAccountClosureInput!) { requestAccountClosure(input: $i) { account { id status } userErrors { code } } }',
      { i: { accountId: closing.accountId, idempotencyKey: randomUUID() } },
      owner.accessToken,
    );
    const leaving = await signUp(s);
    await call(
      'deleteMyAccount',
      'mutation($i: DeleteMyAccountInput!) { deleteMyAccount(input: $i) { deleted userErrors { code } } }',
      { i: { password: 'correct horse' } },
      leaving.accessToken,
    );
    await call('signOut', 'mutation { signOut { userErrors { code } } }', {}, b.accessToken);

    // Every mutation of the schema was called, and each wrote at least one entry.
    expect([...covered.keys()].sort()).toEqual(mutationNames());
    const silent = [...covered].filter(([, entries]) => entries.length === 0).map(([field]) => field);
    expect(silent).toEqual([]);
    // Each entry names what was done to what; a signed-in caller is its actor.
    for (const [field, entries] of covered)
      for (const e of entries) {
        expect({ field, action: e.action }).toEqual({
          field,
          action: expect.stringMatching(/^[a-z_]+\.[a-z_.]+$/),
        });
        expect(e.object_id.length).toBeGreaterThan(0);
      }
    const payer = covered.get('makePayment')![0]!;
    expect(payer).toMatchObject({ action: 'account.payment', actor_id: expect.any(String) });
    // No entry holds the person's email or name, nor a password.
    const text = JSON.stringify([...covered.values()]);
    expect(text).not.toContain(email);
    expect(text).not.toContain('Audit Person');
    expect(text).not.toContain('correct horse');
  });

  it('every effect of the daily job writes an entry under the run’s request id, one per effect', async () => {
    // A portfolio in which each kind of daily effect happens within 50 days.
    const m = moneyClient(s);
    const shop = shopClient(s);
    const market = marketClient(s);
    const u = await signUp(s);
    const line = await openCreditLine(s, u);
    await m.buy(u, line.cardId, '200.00'); // unpaid after 45 days: converted
    await m.loan(u, '2000.00', 6); // never paid: interest, reminder, late fee, delinquency
    ok(
      await s.gql(
        'mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { application { id } } }',
        { i: primeLoan({ amount: '3000.00' }) },
        { token: u.accessToken },
      ),
    ); // never accepted: the offer expires
    await market.listLoan(await signUp(s), '1000.00', 12); // never funded: the listing expires
    const merchant = await shop.merchant('Daily Outdoor');
    const checkoutId = await shop.open(merchant.accessToken, '80.00');
    const confirmed = await shop.confirm(u, checkoutId, 'PAY_IN_4', { accountId: line.accountId });
    expect(confirmed.userErrors).toEqual([]); // autopay charges the parts; the merchant is settled
    await shop.open(merchant.accessToken, '90.00'); // left OPEN: expires

    await m.advance(admin, 50);

    const counters: Record<string, string> = {
      interestRecognized: 'account.interest',
      lateFees: 'account.late_fee',
      lateInstallments: 'account.late',
      delinquencyChanges: 'account.delinquency',
      conversions: 'card_transaction.auto_convert',
      reminders: 'account.reminder',
      chargeOffs: 'account.charge_off',
      expiredOffers: 'application.expire',
      expiredListings: 'listing.expire',
      expiredCheckouts: 'checkout.expire',
      autopayAttempts: 'account.autopay',
      settlements: 'merchant_settlement.create',
    };
    const runs = await sql<{ day: string; summary: Record<string, number | boolean> }>(
      s.databaseUrl,
      "select to_char(day, 'YYYY-MM-DD') as day, summary from daily_job_run where finished_at is not null",
    );
    expect(runs.length).toBeGreaterThanOrEqual(50);
    const entries = await sql<{ request_id: string; action: string; n: string }>(
      s.databaseUrl,
      "select request_id, action, count(*) as n from audit_entry where request_id like 'daily-job:%' group by 1, 2",
    );
    const count = (day: string, action: string) =>
      Number(entries.find((e) => e.request_id === `daily-job:${day}` && e.action === action)?.n ?? 0);
    const happened = new Set<string>();
    for (const run of runs) {
      const effects = Object.keys(run.summary).filter((k) => k !== 'ran');
      // A counter the job adds later without its audit action here fails the test.
      expect(effects.filter((k) => !(k in counters))).toEqual([]);
      for (const k of effects) {
        if (Number(run.summary[k]) > 0) happened.add(k);
        expect({ day: run.day, effect: k, entries: count(run.day, counters[k]!) }).toEqual({
          day: run.day,
          effect: k,
          entries: run.summary[k],
        });
      }
    }
    // The portfolio above made each of these happen at least once.
    for (const k of [
      'interestRecognized',
      'lateFees',
      'delinquencyChanges',
      'conversions',
      'reminders',
      'expiredOffers',
      'expiredListings',
      'autopayAttempts',
      'settlements',
    ])
      expect({ effect: k, happened: happened.has(k) }).toEqual({ effect: k, happened: true });
    // The job's entries have no actor: the system did it.
    const actors = await sql<{ n: string }>(
      s.databaseUrl,
      "select count(*) as n from audit_entry where request_id like 'daily-job:%' and actor_id is not null",
    );
    expect(Number(actors[0]!.n)).toBe(0);
  });

  it('entries cannot be changed or removed, even by the database owner', async () => {
    const u = await signUp(s);
    const userId = fromGlobalId(u.id)!.id;
    const [row] = await sql<{ id: string }>(
      s.databaseUrl,
      "select id from audit_entry where action = 'user.sign_up' and object_id = $1",
      [userId],
    );
    expect(row).toBeDefined();
    await expect(
      sql(s.databaseUrl, "update audit_entry set action = 'x' where id = $1", [row!.id]),
    ).rejects.toThrow(/append-only/);
    await expect(sql(s.databaseUrl, 'delete from audit_entry where id = $1', [row!.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(sql(s.databaseUrl, 'truncate audit_entry')).rejects.toThrow(/append-only/);
    // Still there, unchanged.
    expect(await sql(s.databaseUrl, 'select action from audit_entry where id = $1', [row!.id])).toEqual([
      { action: 'user.sign_up' },
    ]);
  });

  it('auditLog: admins only, newest first, by object, with actor and changes, paged', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u);
    const m = moneyClient(s);
    await m.buy(u, cardId, '40.00');
    await m.pay(u, accountId, '15.00');

    const forbidden = await s.gql(AuditLogDocument, { objectId: accountId }, { token: u.accessToken });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const signedOut = await s.gql(AuditLogDocument, { objectId: accountId }, { token: null });
    expect(signedOut.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const log = ok(
      await s.gql(AuditLogDocument, { objectId: accountId }, { token: admin.accessToken }),
    ).auditLog;
    const actions = log.edges.map((e) => e.node.action);
    // The payment as asked (by its payer), then as the gateway's answer settled it (by the system).
    expect(actions.slice(0, 2)).toEqual(['account.payment.settle', 'account.payment']);
    expect(log.totalCount).toBe(log.edges.length);
    for (const e of log.edges) expect(e.node.objectId).toBe(accountId);
    const [settled, payment] = [log.edges[0]!.node, log.edges[1]!.node];
    expect(payment.actor).toEqual({ id: u.id, email: u.email });
    expect(payment.requestId).toEqual(expect.any(String));
    expect(payment.changes).toMatchObject({ amount: 1500, status: 'PENDING' });
    expect(settled.actor).toBeNull();
    expect(settled.changes).toMatchObject({ status: ['PENDING', 'SUCCEEDED'], applied: 1500 });
    const times = log.edges.map((e) => Date.parse(e.node.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // The card's own entries are found by the card's id; the first page of everything is newest first.
    const cardLog = ok(
      await s.gql(AuditLogDocument, { objectId: cardId }, { token: admin.accessToken }),
    ).auditLog;
    expect(cardLog.edges.map((e) => e.node.action)).toContain('card.issue');

    const pageQuery =
      'query($first: Int, $after: String) { auditLog(first: $first, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    type Page = {
      auditLog: {
        totalCount: number;
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const four = ok(await s.gql<Page>(pageQuery, { first: 4 }, { token: admin.accessToken })).auditLog;
    const page1 = ok(await s.gql<Page>(pageQuery, { first: 2 }, { token: admin.accessToken })).auditLog;
    const page2 = ok(
      await s.gql<Page>(
        pageQuery,
        { first: 2, after: page1.pageInfo.endCursor },
        { token: admin.accessToken },
      ),
    ).auditLog;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect([...page1.edges, ...page2.edges].map((e) => e.node.id)).toEqual(four.edges.map((e) => e.node.id));
    expect(four.totalCount).toBeGreaterThan(4);

    // An object nobody touched: an empty log, not an error.
    const none = ok(
      await s.gql(AuditLogDocument, { objectId: randomUUID() }, { token: admin.accessToken }),
    ).auditLog;
    expect(none).toEqual({ totalCount: 0, edges: [] });
  });
});
