import { randomBytes, createHash } from 'node:crypto';
import type { Client } from 'graphql-ws';
import {
  DeleteMyAccountDocument,
  ExportMyDataDocument,
  MeDocument,
  NotificationReceivedDocument,
  RefreshTokenDocument,
  RegisterWebhookDocument,
  RevealCardDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  SubmitApplicationDocument,
} from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import {
  makeAdmin,
  openCreditLine,
  referredLoan,
  signUp,
  uniqueEmail,
  type SignedUp,
} from '../support/fixtures';
import { subscribe, waitFor } from '../support/live';
import { marketClient } from '../support/marketplace';
import { shopClient } from '../support/merchants';
import { moneyClient, sql } from '../support/money';
import { watchStatements } from '../support/observe';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * SPEC section 2, data rights: `exportMyData` returns everything held on the caller (and only
 * on them, never a secret) with a bounded number of statements; `deleteMyAccount` is refused
 * while money is owed or held, and otherwise erases the person's data everywhere while the
 * financial records stay, pseudonymised.
 */

interface Money {
  principal: string;
  interest: string;
  fees: string;
}
interface Exported {
  format: number;
  exportedAt: string;
  profile: { id: string; email: string; name: string; roles: string[]; createdAt: string };
  applications: {
    id: string;
    product: string;
    status: string;
    amount: string;
    purpose: string;
    dateOfBirth: string;
    monthlyIncome: string;
    alternativeData: Record<string, number>;
    decisions: { outcome: string; apr: string | null; approvedAmount: string | null; decidedAt: string }[];
  }[];
  accounts: {
    id: string;
    kind: string;
    status: string;
    creditLimit: string;
    availableCredit: string;
    owed: Money;
    cards: { id: string; last4: string; status: string; expiryMonth: number }[];
  }[];
  cardTransactions: { amount: string; category: string; merchantName: string; status: string }[];
  installmentPlans: { kind: string; principal: string; checkoutId: string | null; installments: unknown[] }[];
  payments: { amount: string; source: string; status: string }[];
  disbursements: unknown[];
  checkoutPurchases: { merchant: string; amount: string; status: string; plan: string }[];
  rewards: {
    balance: number;
    lifetimeEarned: number;
    entries: { points: number }[];
    redemptions: { points: number; value: string }[];
  };
  notifications: { kind: string; title: string; body: string }[];
  sessions: { id: string; startedAt: string; expiresAt: string; endedAt: string | null }[];
  auditEntries: { action: string; actor: string; objectId: string; changes: unknown }[];
  investor: {
    cash: string;
    notes: { amount: string; status: string; grade: string }[];
    cashMovements: { kind: string; amount: string; status: string }[];
  } | null;
  merchant: {
    profile: { businessName: string; status: string };
    apiKeys: { name: string; prefix: string; revokedAt: string | null }[];
    checkouts: { amount: string; status: string; orderReference: string }[];
    settlements: unknown[];
    webhooks: { url: string; events: string[] }[];
  } | null;
}

let s: TestServer;
let admin: SignedUp;
let money: ReturnType<typeof moneyClient>;
let market: ReturnType<typeof marketClient>;
let shop: ReturnType<typeof shopClient>;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
  money = moneyClient(s);
  market = marketClient(s);
  shop = shopClient(s);
});
afterAll(async () => {
  await s?.close();
});

const PASSWORD = 'correct horse';
const localOf = (globalId: string) => fromGlobalId(globalId)!.id;
/** A name no fixture uses, so finding it anywhere means it was not erased. */
const distinctiveName = (first: string) => `${first} ${randomBytes(4).toString('hex')}`;

const exportOf = async (token: string): Promise<Exported> =>
  ok(await s.gql(ExportMyDataDocument, {}, { token })).exportMyData as Exported;
const deleteMe = async (token: string, password = PASSWORD) =>
  ok(await s.gql(DeleteMyAccountDocument, { input: { password } }, { token })).deleteMyAccount;
const signIn = async (email: string, password = PASSWORD) =>
  ok(await s.gql(SignInDocument, { input: { email, password } })).signIn;

/**
 * Every text, varchar, json, jsonb and array column of every table, searched for each needle
 * (case-insensitive): `table.column` of each hit.
 */
async function whereFound(needles: string[]): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string }>(
    s.databaseUrl,
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')`,
  );
  expect(columns.length).toBeGreaterThan(40);
  const query = columns
    .map(
      (c) =>
        `select '${c.table_name}.${c.column_name}' as at from "${c.table_name}" where "${c.column_name}"::text ilike any($1::text[])`,
    )
    .join('\nunion all\n');
  const rows = await sql<{ at: string }>(s.databaseUrl, query, [needles.map((n) => `%${n}%`)]);
  return [...new Set(rows.map((r) => r.at))].sort();
}

/** Every journal line, in order: the ledger as a whole. */
const ledgerLines = () =>
  sql(s.databaseUrl, 'select entry_id, ledger_code, amount::text from journal_line order by id');

/** The close code of the client's next socket close. */
const nextClose = (client: Client): Promise<number> =>
  new Promise((resolve) => {
    const off = client.on('closed', (event) => {
      off();
      resolve((event as { code: number }).code);
    });
  });

/** A socket held open by a subscription, once connected. */
async function openSocket(token: string): Promise<Client> {
  const client = s.ws(token);
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  subscribe(client, NotificationReceivedDocument, {});
  await connected;
  return client;
}

describe('exportMyData', () => {
  let b: SignedUp & { name: string };
  let m: SignedUp;
  let inv: SignedUp;
  let lender: SignedUp;
  let apiKey: { id: string; secret: string };
  let signingSecret: string;
  let pan: string;
  let secondSession: { accessToken: string; refreshToken: string };
  let line: { accountId: string; cardId: string; applicationId: string };

  beforeAll(async () => {
    // A borrower with a full history: an application, a credit line and its card, purchases,
    // points redeemed, a payment, a pay-in-4 purchase at a merchant, notifications, and a
    // second session that signed out.
    const name = distinctiveName('Zephyrine Quillfeather');
    b = { ...(await signUp(s, { name })), name };
    line = await openCreditLine(s, b, '1000.00');
    expect((await money.buy(b, line.cardId, '150.00', 'TRAVEL')).userErrors).toEqual([]);
    expect((await money.buy(b, line.cardId, '60.00', 'GROCERY')).userErrors).toEqual([]);
    expect((await money.redeem(b, line.accountId, 1000, 'STATEMENT_CREDIT')).userErrors).toEqual([]);
    expect((await money.pay(b, line.accountId, '50.00')).userErrors).toEqual([]);
    pan = ok(await s.gql(RevealCardDocument, { input: { cardId: line.cardId } }, { token: b.accessToken }))
      .revealCard!.pan!;
    const again = await signIn(b.email);
    secondSession = { accessToken: again.accessToken!, refreshToken: again.refreshToken! };
    ok(await s.gql(SignOutDocument, {}, { token: secondSession.accessToken }));

    // A merchant with a key, a webhook and a checkout the borrower paid with pay-in-4.
    m = await shop.merchant('Zed Bikes');
    apiKey = await shop.apiKey(m, 'till');
    const hook = ok(
      await s.gql(
        RegisterWebhookDocument,
        { input: { url: 'http://127.0.0.1:9/hook', events: ['checkout.completed'] } },
        { token: m.accessToken },
      ),
    ).registerWebhook;
    expect(hook.userErrors).toEqual([]);
    signingSecret = hook.signingSecret!;
    const checkoutId = await shop.open(apiKey.secret, '80.00');
    expect((await shop.confirm(b, checkoutId, 'PAY_IN_4')).userErrors).toEqual([]);

    // An investor holding a note on someone else's marketplace loan.
    inv = await market.investor('500.00');
    lender = await signUp(s);
    const listed = await market.listLoan(lender, '1000.00', 12);
    expect((await market.invest(inv, listed.listingId, '50.00')).userErrors).toEqual([]);
  });

  it("holds the borrower's whole history, in the API's formats", async () => {
    const doc = await exportOf(b.accessToken);
    expect(doc.format).toBe(1);
    expect(doc.exportedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(doc.profile).toEqual({
      id: b.id,
      email: b.email,
      name: b.name,
      roles: ['BORROWER'],
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });

    expect(doc.applications).toHaveLength(1);
    const app = doc.applications[0]!;
    expect(app).toMatchObject({
      id: line.applicationId,
      product: 'CREDIT_LINE',
      status: 'ACCEPTED',
      amount: '1000.00',
      purpose: 'debt consolidation',
      dateOfBirth: '1985-04-12',
      monthlyIncome: '8000.00',
      alternativeData: {
        onTimeRentMonths: 12,
        onTimeUtilityMonths: 12,
        bankAccountAgeMonths: 60,
        overdraftsLast90Days: 0,
      },
    });
    expect(app.decisions).toEqual([
      expect.objectContaining({ outcome: 'APPROVED', apr: '7.99', approvedAmount: '1000.00' }),
    ]);

    // $150 + $60 bought and $80 at the merchant; $10 of points, $50 and the first $20 part paid.
    expect(doc.accounts).toHaveLength(1);
    const account = doc.accounts[0]!;
    expect(account).toMatchObject({
      id: line.accountId,
      kind: 'CREDIT_LINE',
      status: 'ACTIVE',
      creditLimit: '1000.00',
      availableCredit: '790.00',
      owed: { principal: '210.00', interest: '0.00', fees: '0.00' },
    });
    expect(account.cards).toEqual([
      expect.objectContaining({ id: line.cardId, last4: pan.slice(-4), status: 'ACTIVE' }),
    ]);
    expect(doc.cardTransactions.map((t) => [t.amount, t.category, t.status])).toEqual([
      ['150.00', 'TRAVEL', 'APPROVED'],
      ['60.00', 'GROCERY', 'APPROVED'],
    ]);
    expect(doc.payments.map((p) => [p.source, p.amount, p.status]).sort()).toEqual([
      ['AUTOPAY', '20.00', 'SUCCEEDED'],
      ['GATEWAY', '50.00', 'SUCCEEDED'],
      ['REWARDS', '10.00', 'SUCCEEDED'],
    ]);
    const payIn4 = doc.installmentPlans.find((p) => p.kind === 'PAY_IN_4')!;
    expect(payIn4).toMatchObject({ principal: '80.00', checkoutId: expect.any(String) });
    expect(payIn4.installments).toHaveLength(4);
    expect(doc.checkoutPurchases).toEqual([
      expect.objectContaining({
        merchant: 'Zed Bikes',
        amount: '80.00',
        status: 'COMPLETED',
        plan: 'PAY_IN_4',
      }),
    ]);
    expect(doc.rewards.lifetimeEarned).toBeGreaterThanOrEqual(1560); // 10 a dollar of travel, 1 of groceries
    expect(doc.rewards.balance).toBe(doc.rewards.lifetimeEarned - 1000);
    expect(doc.rewards.entries.length).toBeGreaterThanOrEqual(2);
    expect(doc.rewards.redemptions).toEqual([expect.objectContaining({ points: 1000, value: '10.00' })]);
    expect(doc.notifications.map((n) => n.kind)).toEqual(expect.arrayContaining(['WELCOME']));
    expect(doc.notifications.find((n) => n.kind === 'WELCOME')!.body).toContain(b.name);

    // Two sessions: the sign-up's, still live, and the second one, signed out.
    expect(doc.sessions).toHaveLength(2);
    expect(doc.sessions.map((x) => x.endedAt === null)).toEqual([true, false]);
    // Audit entries by them and about their objects; others named only by their role.
    const actions = doc.auditEntries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'user.sign_up',
        'application.submit',
        'card.reveal',
        'account.payment',
        'user.sign_out',
      ]),
    );
    const byMerchant = doc.auditEntries.find((e) => e.action === 'checkout.create')!;
    expect(byMerchant).toMatchObject({ actor: 'COUNTERPARTY', changes: null });

    expect(doc.investor).toBeNull();
    expect(doc.merchant).toBeNull();
  });

  it('never holds a secret: password, its hash, the card number, tokens or their hashes', async () => {
    const doc = await exportOf(b.accessToken);
    const text = JSON.stringify(doc);
    const [user] = await sql<{ password_hash: string }>(
      s.databaseUrl,
      'select password_hash from app_user where id = $1',
      [localOf(b.id)],
    );
    const [card] = await sql<{ pan_encrypted: string; pan_hash: string }>(
      s.databaseUrl,
      'select pan_encrypted, pan_hash from card where id = $1',
      [localOf(line.cardId)],
    );
    const tokenHashes = await sql<{ token_hash: string }>(
      s.databaseUrl,
      'select token_hash from refresh_token where user_id = $1',
      [localOf(b.id)],
    );
    expect(tokenHashes.length).toBeGreaterThanOrEqual(2);
    const secrets = [
      PASSWORD,
      user!.password_hash,
      pan,
      card!.pan_encrypted,
      card!.pan_hash,
      b.accessToken,
      b.refreshToken,
      secondSession.accessToken,
      secondSession.refreshToken,
      ...tokenHashes.map((t) => t.token_hash),
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"(pan|cvv|password\w*|\w*[hH]ash|\w*[sS]ecret\w*|panEncrypted)"\s*:/);
  });

  it("another user's data is never in an export; the merchant and the investor get their own parts", async () => {
    const mine = JSON.stringify(await exportOf(b.accessToken));
    for (const other of [m, inv, lender])
      for (const mark of [other.email, other.id, localOf(other.id)]) expect(mine).not.toContain(mark);
    for (const mark of [admin.email, admin.id]) expect(mine).not.toContain(mark);

    // The merchant: its profile, keys (no hash), checkouts, webhooks (no secret); never its shopper.
    const shopDoc = await exportOf(m.accessToken);
    expect(shopDoc.profile.roles).toEqual(['MERCHANT']);
    expect(shopDoc.merchant).toMatchObject({
      profile: { businessName: 'Zed Bikes', status: 'ACTIVE' },
      apiKeys: [{ name: 'till', prefix: apiKey.secret.slice(0, 7), revokedAt: null }],
      checkouts: [expect.objectContaining({ amount: '80.00', status: 'COMPLETED' })],
      webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['checkout.completed'] }],
    });
    const shopText = JSON.stringify(shopDoc);
    const keyHash = createHash('sha256').update(apiKey.secret).digest('hex');
    for (const secret of [apiKey.secret, keyHash, signingSecret]) expect(shopText).not.toContain(secret);
    for (const mark of [b.email, b.name, b.id, localOf(b.id), localOf(line.accountId)])
      expect(shopText).not.toContain(mark);

    // The investor: cash, the note (not the borrower), the deposit.
    const invDoc = await exportOf(inv.accessToken);
    expect(invDoc.investor).toEqual({
      cash: '450.00',
      notes: [expect.objectContaining({ amount: '50.00', status: 'ACTIVE', grade: 'A' })],
      cashMovements: [expect.objectContaining({ kind: 'DEPOSIT', amount: '500.00', status: 'SUCCEEDED' })],
    });
    const invText = JSON.stringify(invDoc);
    for (const mark of [lender.email, lender.id, localOf(lender.id), b.email])
      expect(invText).not.toContain(mark);
  });

  it('is read with the same number of statements for a new user and a long history', async () => {
    /**
     * Statements of the server's background work, which may run meanwhile: the outbox relay
     * (advisory lock, outbox), webhook deliveries, gateway recovery sweeps, the clock and the
     * daily-job tick, and their transactions' BEGIN/COMMIT (the export runs in none).
     */
    const background =
      /outbox_event|webhook_delivery|webhook_attempt|from "webhook_endpoint" as|daily_job_run|sandbox_clock|gateway_operation|attempted_at|skip locked|pg_(try_)?advisory|^\s*(begin|commit|rollback|savepoint|release)\b/i;
    const cost = async (token: string) => {
      await exportOf(token); // warm: the token's signature is verified once
      const seen: string[] = [];
      await watchStatements(
        (_client, text) => {
          if (!background.test(text)) seen.push(text);
        },
        () => exportOf(token),
      );
      return seen;
    };
    const fresh = await signUp(s);
    const small = await cost(fresh.accessToken);
    const big = await cost(b.accessToken);
    expect((await exportOf(b.accessToken)).cardTransactions.length).toBeGreaterThan(
      (await exportOf(fresh.accessToken)).cardTransactions.length,
    );
    expect(big.length).toBe(small.length);
    // The session check, and the export itself: one statement.
    expect(big).toEqual([expect.stringMatching(/refresh_token/), expect.stringMatching(/my_objects/)]);
  });

  it('needs a signed-in person: not signed in is UNAUTHENTICATED, a merchant API key FORBIDDEN', async () => {
    const anonymous = await s.gql(ExportMyDataDocument, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const byKey = await s.gql(ExportMyDataDocument, {}, { token: apiKey.secret });
    expect(byKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(byKey.data?.exportMyData ?? null).toBeNull();
  });
});

describe('deleteMyAccount is refused, and changes nothing', () => {
  it('while a balance is owed, naming it', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u);
    expect((await money.buy(u, cardId, '100.00')).userErrors).toEqual([]);
    const before = await exportOf(u.accessToken);
    const res = await deleteMe(u.accessToken);
    expect(res.deleted).toBe(false);
    expect(res.userErrors).toEqual([
      { field: null, code: 'INVALID_STATE', message: expect.stringContaining('$100.00 outstanding') },
    ]);
    const after = await exportOf(u.accessToken);
    expect({ ...after, exportedAt: null, auditEntries: null }).toEqual({
      ...before,
      exportedAt: null,
      auditEntries: null,
    });
    expect((await money.account(u, accountId)).status).toBe('ACTIVE');
  });

  it('while investor cash is held', async () => {
    const investor = await market.investor('100.00');
    const res = await deleteMe(investor.accessToken);
    expect(res.deleted).toBe(false);
    expect(res.userErrors).toEqual([
      { field: null, code: 'INVALID_STATE', message: expect.stringContaining('$100.00 of investor cash') },
    ]);
    expect(ok(await s.gql(MeDocument, {}, { token: investor.accessToken })).me!.email).toBe(investor.email);
  });

  it('with a wrong password: a userError on the password, audited without the attempt; too many attempts are limited', async () => {
    const u = await signUp(s);
    const res = await deleteMe(u.accessToken, 'not my password');
    expect(res).toEqual({
      deleted: false,
      userErrors: [
        { field: ['input', 'password'], code: 'INVALID_CREDENTIALS', message: expect.any(String) },
      ],
    });
    expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me!.email).toBe(u.email);
    const refused = await sql<{ actor_id: string; changes: unknown }>(
      s.databaseUrl,
      "select actor_id, changes from audit_entry where action = 'user.delete_refused' and object_id = $1",
      [localOf(u.id)],
    );
    expect(refused).toEqual([{ actor_id: localOf(u.id), changes: { reason: 'INVALID_CREDENTIALS' } }]);
    for (let i = 0; i < 4; i++)
      expect((await deleteMe(u.accessToken, 'guess')).userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    // The sixth attempt in 15 minutes is refused even with the right password.
    expect((await deleteMe(u.accessToken)).userErrors).toEqual([
      { field: null, code: 'RATE_LIMITED', message: expect.any(String) },
    ]);
    expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me).not.toBeNull();
  });

  it('for someone not signed in', async () => {
    const res = await s.gql(DeleteMyAccountDocument, { input: { password: PASSWORD } });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('deleteMyAccount, once nothing is owed', () => {
  it('erases the person everywhere, keeps the books, ends every session, and frees the email', async () => {
    const name = distinctiveName('Quintessa Marrowbright');
    const email = uniqueEmail();
    const u = await signUp(s, { name, email });
    const line = await openCreditLine(s, u);
    expect((await money.buy(u, line.cardId, '120.00', 'DINING')).userErrors).toEqual([]);
    const referred = ok(
      await s.gql(
        SubmitApplicationDocument,
        { input: referredLoan({ purpose: `car for ${name}` }) as never },
        { token: u.accessToken },
      ),
    ).submitApplication.application!;
    expect(referred.status).toBe('REFERRED');
    // Owing $120: refused.
    expect((await deleteMe(u.accessToken)).userErrors[0]!.message).toContain('$120.00 outstanding');
    expect((await money.pay(u, line.accountId, '120.00')).userErrors).toEqual([]);

    // The search finds the person before (so it can fail), in the user row and elsewhere.
    expect(await whereFound([email, name])).toEqual(
      expect.arrayContaining([
        'app_user.email',
        'app_user.name',
        'notification.body',
        'credit_application.purpose',
      ]),
    );
    const socket = await openSocket(u.accessToken);
    const closed = nextClose(socket);
    const books = await money.trialBalance(admin);
    const lines = await ledgerLines();

    const res = await deleteMe(u.accessToken);
    expect(res).toEqual({ deleted: true, userErrors: [] });

    // Nowhere in the database: not in any text, JSON or array column of any table.
    expect(await whereFound([email, name])).toEqual([]);
    // The books are exactly as they were.
    expect(await money.trialBalance(admin)).toEqual(books);
    expect(await ledgerLines()).toEqual(lines);

    // The financial records stay, pointing at the same (now anonymous) id.
    const userId = localOf(u.id);
    expect(
      await sql(
        s.databaseUrl,
        'select email, name, deleted_at is not null as deleted from app_user where id = $1',
        [userId],
      ),
    ).toEqual([{ email: `deleted-${userId}@deleted.invalid`, name: 'Deleted user', deleted: true }]);
    expect(
      await sql(s.databaseUrl, 'select status from credit_account where id = $1', [localOf(line.accountId)]),
    ).toEqual([{ status: 'CLOSED' }]);
    expect(await sql(s.databaseUrl, 'select status from card where id = $1', [localOf(line.cardId)])).toEqual(
      [{ status: 'CLOSED' }],
    );
    expect(
      await sql(
        s.databaseUrl,
        'select status, purpose, date_of_birth::text as dob from credit_application where id = $1',
        [localOf(referred.id)],
      ),
    ).toEqual([{ status: 'CANCELLED', purpose: '', dob: '1900-01-01' }]);
    expect(
      await sql(s.databaseUrl, 'select count(*)::int as n from card_transaction where owner_id = $1', [
        userId,
      ]),
    ).toEqual([{ n: 1 }]);
    expect(
      await sql(s.databaseUrl, 'select count(*)::int as n from payment where owner_id = $1', [userId]),
    ).toEqual([{ n: 1 }]);
    const [entry] = await sql<{ actor_id: string; changes: { erased: string[]; sessionsRevoked: number } }>(
      s.databaseUrl,
      "select actor_id, changes from audit_entry where action = 'user.delete' and object_id = $1",
      [userId],
    );
    expect(entry!.actor_id).toBe(userId);
    expect(entry!.changes.erased).toEqual(expect.arrayContaining(['app_user.email', 'app_user.name']));
    expect(entry!.changes.sessionsRevoked).toBe(1);

    // Every session is over: the access token, the socket, the refresh token, the password.
    expect((await s.gql(MeDocument, {}, { token: u.accessToken })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await closed).toBe(4401);
    const refreshed = ok(
      await s.gql(RefreshTokenDocument, { input: { refreshToken: u.refreshToken } }),
    ).refreshToken;
    expect(refreshed.userErrors[0]!.code).toBe('INVALID_TOKEN');
    expect((await signIn(email)).userErrors[0]!.code).toBe('INVALID_CREDENTIALS');

    // The email signs up again as a new person, with no history.
    const again = ok(
      await s.gql(SignUpDocument, { input: { email, password: 'another secret', name: 'Someone New' } }),
    ).signUp;
    expect(again.userErrors).toEqual([]);
    expect(again.user!.id).not.toBe(u.id);
    const fresh = await exportOf(again.accessToken!);
    expect(fresh.profile).toMatchObject({ email, name: 'Someone New' });
    expect(fresh.applications).toEqual([]);
    expect(fresh.accounts).toEqual([]);
    expect(fresh.cardTransactions).toEqual([]);
    expect(fresh.payments).toEqual([]);
    expect(fresh.notifications.map((n) => n.kind)).toEqual(['WELCOME']);
  });

  it('a merchant: refused until its sales are settled, then its profile, keys and webhooks go, and its shoppers no longer read its name', async () => {
    const name = distinctiveName('Ottoline Fairweather');
    const merchant = await shop.merchant(name); // the business name defaults to the person's name
    const key = await shop.apiKey(merchant, `key of ${name}`);
    ok(
      await s.gql(
        RegisterWebhookDocument,
        { input: { url: 'http://127.0.0.1:9/hook', events: ['checkout.completed', 'settlement.paid'] } },
        { token: merchant.accessToken },
      ),
    );
    const shopper = await signUp(s);
    await openCreditLine(s, shopper);
    const checkoutId = await shop.open(key.secret, '60.00');
    expect((await shop.confirm(shopper, checkoutId, 'PAY_IN_4')).userErrors).toEqual([]);
    const open = await shop.open(key.secret, '70.00');

    // Today's sale is not settled yet.
    const refused = await deleteMe(merchant.accessToken);
    expect(refused.deleted).toBe(false);
    expect(refused.userErrors).toEqual([
      { field: null, code: 'INVALID_STATE', message: expect.stringContaining('$60.00 owed to you') },
    ]);
    expect(await whereFound([merchant.email, name])).toEqual(
      expect.arrayContaining([
        'app_user.name',
        'merchant.business_name',
        'notification.body',
        'webhook_delivery.body',
      ]),
    );

    // The next day's job settles and pays it.
    await money.advance(admin, 1);
    const [{ id: merchantId }] = (await sql<{ id: string }>(
      s.databaseUrl,
      'select id from merchant where user_id = $1',
      [localOf(merchant.id)],
    )) as [{ id: string }];
    await waitFor(
      async () =>
        (
          await sql(
            s.databaseUrl,
            "select 1 from merchant_settlement where status = 'PAID' and merchant_id = $1",
            [merchantId],
          )
        ).length === 1,
      10_000,
      'the settlement paid',
    );
    const books = await money.trialBalance(admin);
    expect((await deleteMe(merchant.accessToken)).userErrors).toEqual([]);

    expect(await whereFound([merchant.email, name])).toEqual([]);
    expect(await money.trialBalance(admin)).toEqual(books);
    // The key no longer authenticates; the open checkout expired; the shopper's notice names "A merchant".
    const byKey = await s.gql('{ merchantSettlements(first: 1) { totalCount } }', {}, { token: key.secret });
    expect(byKey.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await sql(s.databaseUrl, 'select status from checkout where id = $1', [localOf(open)])).toEqual([
      { status: 'EXPIRED' },
    ]);
    const notices = (await exportOf(shopper.accessToken)).notifications.filter(
      (n) => n.kind === 'PLAN_CREATED',
    );
    expect(notices.map((n) => n.body)).toEqual([
      expect.stringMatching(/^A merchant \$60\.00 on your credit line/),
    ]);
    expect(
      await sql(s.databaseUrl, 'select business_name, status from merchant where id = $1', [merchantId]),
    ).toEqual([{ business_name: 'Deleted merchant', status: 'SUSPENDED' }]);
    expect(
      await sql(s.databaseUrl, 'select count(*)::int as n from webhook_endpoint where merchant_id = $1', [
        merchantId,
      ]),
    ).toEqual([{ n: 0 }]);
  });
  it('sign-ins and refreshes racing the deletion leave no session alive', async () => {
    const u = await signUp(s);
    const earlier = await Promise.all([1, 2, 3].map(() => signIn(u.email)));
    const refresh = (token: string) =>
      s.gql(
        'mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken userErrors { code } } }',
        {
          i: { refreshToken: token },
        },
      );
    const [deleted, ...raced] = await Promise.all([
      deleteMe(u.accessToken),
      ...[1, 2, 3, 4, 5, 6].map(() => signIn(u.email)),
      ...earlier.map((e) => refresh(e.refreshToken!)),
    ]);
    expect(deleted).toMatchObject({ deleted: true, userErrors: [] });
    expect(
      await sql(
        s.databaseUrl,
        'select count(*)::int as n from refresh_token where user_id = $1 and revoked_at is null',
        [localOf(u.id)],
      ),
    ).toEqual([{ n: 0 }]);
    // Whatever token a raced call got, it is refused now.
    const tokens = [
      ...earlier.map((e) => e.accessToken!),
      ...raced.map((r) => {
        const payload =
          'data' in r ? (r.data as { refreshToken: { accessToken: string | null } })?.refreshToken : r;
        return (payload as { accessToken?: string | null }).accessToken ?? null;
      }),
    ].filter((t): t is string => !!t);
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    for (const token of tokens) {
      const me = await s.gql('{ me { id } }', {}, { token });
      expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
