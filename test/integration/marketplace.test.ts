import { randomUUID } from 'node:crypto';
import {
  ListingFundingChangedDocument,
  ListingsDocument,
  MyNotificationsDocument,
  NodeDocument,
  TrialBalanceDocument,
} from '../generated/contract';
import { listen } from '../support/live';
import { makeAdmin, signUp, type SignedUp } from '../support/fixtures';
import { marketClient } from '../support/marketplace';
import { cents, sql } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
let m: ReturnType<typeof marketClient>;
beforeAll(async () => {
  // 13.37 is a deposit the simulated provider declines, 7.77 a payout it rejects.
  // 31.41 a deposit whose answer is lost (the provider never answers the first request), given
  // up after 2 s: a slower limit than 300 ms, which a loaded machine's answers sometimes missed.
  s = await startTestServer({
    env: { GATEWAY_FAIL_AMOUNTS: '13.37,7.77', GATEWAY_TIMEOUT_AMOUNTS: '31.41', GATEWAY_TIMEOUT_MS: '2000' },
  });
  admin = await makeAdmin(s);
  m = marketClient(s);
});
afterAll(async () => {
  await s?.close();
});

const trialBalance = async () =>
  ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;

/** The ledger's balance of an account (debit positive), in cents; 0 when it has no lines. */
const ledgerBalance = async (code: string) => {
  const tb = await trialBalance();
  const row = tb.accounts.find((a) => a.code === code);
  return row ? cents(row.balance.amount) : 0;
};

const userId = (u: SignedUp) => Buffer.from(u.id, 'base64url').toString().split(':')[1]!;

/** The books stay balanced, and each investor's cash is the ledger's (a liability: credit negative). */
async function expectBooksBalanced(investors: SignedUp[]) {
  const tb = await trialBalance();
  expect(tb.totalDebits).toEqual(tb.totalCredits);
  expect(tb.accounts.reduce((sum, a) => sum + cents(a.balance.amount), 0)).toBe(0);
  for (const u of investors) {
    const cash = cents((await m.portfolio(u)).cash.amount);
    expect(0 - (await ledgerBalance(`investor:${userId(u)}:cash`))).toBe(cash);
  }
}

describe('investor cash', () => {
  it('deposits and withdrawals move cash through the gateway, idempotently, posted to the ledger', async () => {
    const u = await m.investor('0.00');
    const key = randomUUID();
    const d = await m.deposit(u, '1000.00', key);
    expect(d.userErrors).toEqual([]);
    expect(d.portfolio!.cash).toEqual({ amount: '1000.00', currency: 'USD' });
    // The same key again: the first result, nothing charged twice.
    expect((await m.deposit(u, '1000.00', key)).portfolio!.cash.amount).toBe('1000.00');
    const charged = await sql(
      s.databaseUrl,
      `select count(*)::int as n from gateway_operation where kind = 'CHARGE' and amount = 100000`,
    );
    expect(charged[0]!.n).toBeGreaterThanOrEqual(1);
    const reused = await m.deposit(u, '5.00', key);
    expect(reused.userErrors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const w = await m.withdraw(u, '300.00');
    expect(w.userErrors).toEqual([]);
    expect(w.portfolio!.cash.amount).toBe('700.00');
    const tooMuch = await m.withdraw(u, '700.01');
    expect(tooMuch.userErrors).toEqual([
      expect.objectContaining({ code: 'INSUFFICIENT_FUNDS', field: ['input', 'amount'] }),
    ]);
    expect((await m.portfolio(u)).cash.amount).toBe('700.00');
    for (const bad of ['0.00', '-5.00', '1000000.01']) {
      const r = await m.deposit(u, bad);
      expect(r.userErrors).toEqual([
        expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'amount'] }),
      ]);
    }
    await expectBooksBalanced([u]);
  });

  it('a declined deposit adds nothing; a rejected withdrawal gives the cash back', async () => {
    const u = await m.investor('100.00');
    const declined = ok(
      await s.gql(
        'mutation($input: CashMovementInput!) { depositCash(input: $input) { movement { status failureReason } portfolio { cash { amount } } userErrors { code } } }',
        { input: { amount: '13.37', idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ) as {
      depositCash: {
        movement: { status: string; failureReason: string };
        portfolio: { cash: { amount: string } };
      };
    };
    expect(declined.depositCash.movement.status).toBe('FAILED');
    expect(declined.depositCash.portfolio.cash.amount).toBe('100.00');
    const rejected = ok(
      await s.gql(
        'mutation($input: CashMovementInput!) { withdrawCash(input: $input) { movement { status } portfolio { cash { amount } } userErrors { code } } }',
        { input: { amount: '7.77', idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ) as { withdrawCash: { movement: { status: string }; portfolio: { cash: { amount: string } } } };
    expect(rejected.withdrawCash.movement.status).toBe('FAILED');
    expect(rejected.withdrawCash.portfolio.cash.amount).toBe('100.00');
    await expectBooksBalanced([u]);
  });

  it('a deposit the provider does not answer stays PENDING and is settled once later, with the same reference', async () => {
    const u = await m.investor('0.00');
    const q =
      'mutation($input: CashMovementInput!) { depositCash(input: $input) { movement { id status } portfolio { cash { amount } } userErrors { code } } }';
    const key = randomUUID();
    const first = ok(
      await s.gql(q, { input: { amount: '31.41', idempotencyKey: key } }, { token: u.accessToken }),
    ) as {
      depositCash: { movement: { id: string; status: string }; portfolio: { cash: { amount: string } } };
    };
    expect(first.depositCash.movement.status).toBe('PENDING');
    expect(first.depositCash.portfolio.cash.amount).toBe('0.00');
    const recovered = await s.app.services.cashMovements.recoverPending(s.app.orm.em.fork(), 0);
    expect(recovered).toBeGreaterThanOrEqual(1);
    await s.app.services.cashMovements.recoverPending(s.app.orm.em.fork(), 0);
    expect((await m.portfolio(u)).cash.amount).toBe('31.41');
    const again = ok(
      await s.gql(q, { input: { amount: '31.41', idempotencyKey: key } }, { token: u.accessToken }),
    ) as typeof first;
    expect(again.depositCash.movement).toEqual({ id: first.depositCash.movement.id, status: 'SUCCEEDED' });
    expect(again.depositCash.portfolio.cash.amount).toBe('31.41');
    const ops = await sql<{ n: number }>(
      s.databaseUrl,
      "select count(*)::int as n from gateway_operation where kind = 'CHARGE' and amount = 3141",
    );
    expect(ops[0]!.n).toBe(1);
    await expectBooksBalanced([u]);
  });

  it('withdrawals are idempotent: the same key pays out once', async () => {
    const u = await m.investor('100.00');
    const key = randomUUID();
    expect((await m.withdraw(u, '40.00', key)).portfolio!.cash.amount).toBe('60.00');
    expect((await m.withdraw(u, '40.00', key)).portfolio!.cash.amount).toBe('60.00');
    expect((await m.withdraw(u, '41.00', key)).userErrors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await expectBooksBalanced([u]);
  });

  it('10 concurrent withdrawals of $30 from $100: exactly 3 succeed, never below zero', async () => {
    const u = await m.investor('100.00');
    const results = await Promise.all(Array.from({ length: 10 }, () => m.withdraw(u, '30.00')));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(3);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INSUFFICIENT_FUNDS')).toHaveLength(7);
    expect((await m.portfolio(u)).cash.amount).toBe('10.00');
    await expectBooksBalanced([u]);
  });

  it('only investors move cash, invest or see a portfolio', async () => {
    const borrower = await signUp(s);
    const r = await s.gql(
      DepositCashDocumentText,
      { input: { amount: '10.00', idempotencyKey: randomUUID() } },
      { token: borrower.accessToken },
    );
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const p = await s.gql('{ portfolio { cash { amount } } }', {}, { token: borrower.accessToken });
    expect(p.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const l = await s.gql(ListingsDocument, {}, { token: borrower.accessToken });
    expect(l.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anon = await s.gql('{ portfolio { cash { amount } } }', {});
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

const DepositCashDocumentText =
  'mutation($input: CashMovementInput!) { depositCash(input: $input) { portfolio { cash { amount } } userErrors { code } } }';

describe('listings', () => {
  it('a MARKETPLACE loan lists the approved amount rounded down to $25 for 14 days; who sees it', async () => {
    const borrower = await signUp(s);
    const { accountId, listingId } = await m.listLoan(borrower, '1010.00', 12);
    const own = await m.accountListing(borrower, accountId);
    expect(own).toMatchObject({ id: listingId, status: 'OPEN', amount: { amount: '1000.00' } });
    const acc = ok(
      await s.gql<{ account: { status: string; creditLimit: { amount: string } } }>(
        'query($id: ID!) { account(id: $id) { status creditLimit { amount } } }',
        { id: accountId },
        { token: borrower.accessToken },
      ),
    ).account;
    expect(acc).toEqual({ status: 'PENDING_FUNDING', creditLimit: { amount: '1000.00' } });

    const inv = await m.investor('0.00');
    const seen = (await m.listing(inv, listingId))!;
    expect(seen).toMatchObject({
      status: 'OPEN',
      grade: 'A',
      termMonths: 12,
      amount: { amount: '1000.00' },
      funded: { amount: '0.00' },
      remaining: { amount: '1000.00' },
      investorCount: 0,
    });
    const opened = new Date(s.app.services.clock.now()).getTime();
    expect(new Date(seen.expiresAt).getTime() - opened).toBeGreaterThan(13.9 * 86_400_000);
    expect(new Date(seen.expiresAt).getTime() - opened).toBeLessThanOrEqual(14 * 86_400_000);

    const page = ok(
      await s.gql(ListingsDocument, { status: 'OPEN', grades: ['A'], first: 50 }, { token: inv.accessToken }),
    ).listings;
    expect(page.edges.map((e) => e.node.id)).toContain(listingId);
    // Newest first: a listing opened later comes before it.
    const later = (await m.listLoan(await signUp(s), '1000.00')).listingId;
    const ids = ok(
      await s.gql(ListingsDocument, { status: 'OPEN', first: 100 }, { token: inv.accessToken }),
    ).listings.edges.map((e) => e.node.id);
    expect(ids.indexOf(later)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(later)).toBeLessThan(ids.indexOf(listingId));
    const none = ok(await s.gql(ListingsDocument, { grades: ['E'] }, { token: inv.accessToken })).listings;
    expect(none.edges.map((e) => e.node.id)).not.toContain(listingId);
    // Another borrower sees nothing, exactly as for an id that does not exist.
    const other = await signUp(s);
    expect(await m.listing(other, listingId)).toBeNull();
    expect(ok(await s.gql(NodeDocument, { id: listingId }, { token: other.accessToken })).node).toBeNull();
    // A listing names no one: neither borrower nor investors are fields of it.
    const fields = ok(
      await s.gql<{ __type: { fields: { name: string }[] } }>(
        '{ __type(name: "Listing") { fields { name } } }',
        {},
        { token: inv.accessToken },
      ),
    ).__type.fields.map((f) => f.name);
    expect(fields.filter((f) => /borrower|investor(?!Count)|owner|user|email|name/i.test(f))).toEqual([]);
  });
});

describe('investing', () => {
  it('refuses amounts that are not whole $25 notes, more than remains, more than the cash, and your own loan', async () => {
    const borrower = await signUp(s, { roles: ['BORROWER', 'INVESTOR'] });
    const { listingId } = await m.listLoan(borrower, '1000.00');
    const inv = await m.investor('100.00');
    for (const bad of ['30.00', '0.00', '10.00', '-25.00']) {
      const r = await m.invest(inv, listingId, bad);
      expect(r.userErrors).toEqual([
        expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'amount'] }),
      ]);
    }
    expect((await m.invest(inv, listingId, '125.00')).userErrors[0]).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      field: ['input', 'amount'],
    });
    expect((await m.invest(inv, listingId, '1025.00')).userErrors[0]).toMatchObject({
      code: 'AMOUNT_EXCEEDS_BALANCE',
      field: ['input', 'amount'],
    });
    await m.deposit(borrower, '100.00');
    expect((await m.invest(borrower, listingId, '25.00')).userErrors[0]).toMatchObject({
      code: 'INVALID_STATE',
      field: ['input', 'listingId'],
    });
    const missing = Buffer.from('Listing:00000000-0000-7000-8000-000000000000').toString('base64url');
    expect((await m.invest(inv, missing, '25.00')).userErrors[0]!.code).toBe('NOT_FOUND');
    // Nothing changed.
    expect((await m.listing(inv, listingId))!.funded.amount).toBe('0.00');
    expect((await m.portfolio(inv)).cash.amount).toBe('100.00');
  });

  it('invest is idempotent: the same key is the same note, cash taken once', async () => {
    const { listingId } = await m.listLoan(await signUp(s), '1000.00');
    const inv = await m.investor('100.00');
    const key = randomUUID();
    const a = await m.invest(inv, listingId, '50.00', key);
    const b = await m.invest(inv, listingId, '50.00', key);
    expect(a.userErrors).toEqual([]);
    expect(b.note!.id).toBe(a.note!.id);
    expect(b.listing!.funded.amount).toBe('50.00');
    expect((await m.portfolio(inv)).cash.amount).toBe('50.00');
    expect((await m.invest(inv, listingId, '75.00', key)).userErrors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('20 investors racing $50 each on a listing with $100 left: exactly 2 notes, FUNDED, no cash lost or created', async () => {
    const borrower = await signUp(s);
    const { listingId, accountId } = await m.listLoan(borrower, '1000.00', 12);
    const first = await m.investor('1000.00');
    expect((await m.invest(first, listingId, '900.00')).userErrors).toEqual([]);
    const racers = await Promise.all(Array.from({ length: 20 }, () => m.investor('100.00')));
    const results = await Promise.all(racers.map((u) => m.invest(u, listingId, '50.00')));
    const winners = results.filter((r) => r.userErrors.length === 0);
    expect(winners).toHaveLength(2);
    for (const r of results.filter((x) => x.userErrors.length))
      expect(['AMOUNT_EXCEEDS_BALANCE', 'INVALID_STATE']).toContain(r.userErrors[0]!.code);
    const listing = (await m.listing(first, listingId))!;
    expect(listing).toMatchObject({
      status: 'FUNDED',
      funded: { amount: '1000.00' },
      remaining: { amount: '0.00' },
      investorCount: 3,
    });
    const notes = await sql<{ n: number; total: string }>(
      s.databaseUrl,
      'select count(*)::int as n, sum(n.amount)::bigint as total from note n join listing l on l.id = n.listing_id where l.account_id = ?'.replace(
        '?',
        '$1',
      ),
      [Buffer.from(accountId, 'base64url').toString().split(':')[1]],
    );
    expect(notes[0]).toEqual({ n: 3, total: '100000' });
    const cash = await Promise.all(racers.map(async (u) => cents((await m.portfolio(u)).cash.amount)));
    expect(cash.reduce((a, b) => a + b, 0)).toBe(20 * 10_000 - 2 * 5_000);
    expect(cash.filter((c) => c === 5_000)).toHaveLength(2);
    await expectBooksBalanced([first, ...racers]);
  });

  it('one investor with $100 sending 10 concurrent $25 investments: exactly 4 notes, cash never below zero', async () => {
    const { listingId } = await m.listLoan(await signUp(s), '1000.00');
    const inv = await m.investor('100.00');
    const results = await Promise.all(Array.from({ length: 10 }, () => m.invest(inv, listingId, '25.00')));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(4);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INSUFFICIENT_FUNDS')).toHaveLength(6);
    const p = await m.portfolio(inv);
    expect(p.cash.amount).toBe('0.00');
    expect(p.notes.totalCount).toBe(4);
    expect((await m.listing(inv, listingId))!).toMatchObject({
      funded: { amount: '100.00' },
      investorCount: 1,
    });
    await expectBooksBalanced([inv]);
  });

  it('the last dollar funds the listing: notes issued, the loan paid out and scheduled from that day, everyone told, live', async () => {
    const borrower = await signUp(s);
    const { listingId, accountId } = await m.listLoan(borrower, '1000.00', 12);
    const a = await m.investor('1000.00');
    const b = await m.investor('1000.00');
    const watcher = await m.investor('0.00');
    const live = await listen(s, watcher.accessToken, ListingFundingChangedDocument, { listingId });
    const mine = await listen(s, borrower.accessToken, ListingFundingChangedDocument, { listingId });

    expect((await m.invest(a, listingId, '600.00')).listing).toMatchObject({
      status: 'OPEN',
      investorCount: 1,
    });
    const first = await live.next();
    expect(first.data!.listingFundingChanged.listing).toMatchObject({
      id: listingId,
      status: 'OPEN',
      funded: { amount: '600.00' },
      remaining: { amount: '400.00' },
      investorCount: 1,
    });
    const last = await m.invest(b, listingId, '400.00');
    expect(last.listing).toMatchObject({ status: 'FUNDED', investorCount: 2 });
    expect(last.note).toMatchObject({ amount: { amount: '400.00' }, listing: { id: listingId } });
    const events = [await live.next(), await live.next()].map((e) => e.data!.listingFundingChanged.listing);
    expect(events.at(-1)).toMatchObject({ status: 'FUNDED', remaining: { amount: '0.00' } });
    expect((await mine.next()).data!.listingFundingChanged.listing.id).toBe(listingId);

    const account = ok(
      await s.gql<{
        account: {
          status: string;
          outstandingBalance: { amount: string };
          installmentPlans: { startDate: string; principal: { amount: string }; installments: unknown[] }[];
        };
      }>(
        'query($id: ID!) { account(id: $id) { status outstandingBalance { amount } installmentPlans { startDate principal { amount } installments { dueDate } } } }',
        { id: accountId },
        { token: borrower.accessToken },
      ),
    ).account;
    expect(account.status).toBe('ACTIVE');
    expect(account.outstandingBalance.amount).toBe('1000.00');
    expect(account.installmentPlans).toHaveLength(1);
    expect(account.installmentPlans[0]).toMatchObject({
      startDate: s.app.services.clock.today(),
      principal: { amount: '1000.00' },
    });
    expect(account.installmentPlans[0]!.installments).toHaveLength(12);

    const kinds = async (u: SignedUp) =>
      ok(
        await s.gql(MyNotificationsDocument, { first: 20 }, { token: u.accessToken }),
      ).me!.notifications.edges.map((e) => e.node.kind);
    expect(await kinds(borrower)).toEqual(expect.arrayContaining(['LOAN_FUNDED', 'LOAN_DISBURSED']));
    expect(await kinds(a)).toContain('LOAN_FUNDED');
    expect(await kinds(b)).toContain('LOAN_FUNDED');
    expect(await kinds(watcher)).not.toContain('LOAN_FUNDED');

    const p = await m.portfolio(a);
    expect(p).toMatchObject({
      cash: { amount: '400.00' },
      invested: { amount: '600.00' },
      outstandingPrincipal: { amount: '600.00' },
      interestEarned: { amount: '0.00' },
      feesPaid: { amount: '0.00' },
    });
    expect(p.byGrade.find((g) => g.grade === 'A')).toMatchObject({
      noteCount: 1,
      outstandingPrincipal: { amount: '600.00' },
    });
    expect(p.notes.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({
        status: 'ACTIVE',
        amount: { amount: '600.00', currency: 'USD' },
        listing: expect.objectContaining({ id: listingId, grade: 'A' }),
      }),
    ]);
    // After funding, no one invests more.
    expect((await m.invest(watcher, listingId, '25.00')).userErrors[0]!.code).toMatch(
      /INVALID_STATE|INSUFFICIENT_FUNDS/,
    );
    await expectBooksBalanced([a, b]);
  });

  it("an investor never sees another's notes or cash", async () => {
    const { listingId } = await m.listLoan(await signUp(s), '1000.00');
    const a = await m.investor('100.00');
    const b = await m.investor('300.00');
    const noteId = (await m.invest(a, listingId, '75.00')).note!.id;
    expect(ok(await s.gql(NodeDocument, { id: noteId }, { token: a.accessToken })).node).toMatchObject({
      __typename: 'Note',
    });
    expect(ok(await s.gql(NodeDocument, { id: noteId }, { token: b.accessToken })).node).toBeNull();
    const pb = await m.portfolio(b);
    expect(pb.cash.amount).toBe('300.00');
    expect(pb.notes.totalCount).toBe(0);
  });

  it('autoInvest spreads an amount over matching listings, oldest first, once each, as one idempotent unit', async () => {
    const borrower = await signUp(s);
    for (let i = 0; i < 3; i++) await m.listLoan(borrower, '1000.00');
    const inv = await m.investor('1000.00');
    // Oldest first among OPEN grade-A listings with $50 left (older tests left some open).
    const open = ok(
      await s.gql(
        ListingsDocument,
        { status: 'OPEN', grades: ['A'], first: 100 },
        { token: inv.accessToken },
      ),
    ).listings.edges.map((e) => e.node);
    const expected = open
      .reverse()
      .filter((l) => cents(l.remaining.amount) >= 5_000)
      .slice(0, 3)
      .map((l) => l.id);
    const key = randomUUID();
    const r = await m.autoInvest(inv, { amount: '150.00', grades: ['A'], amountPerLoan: '50.00' }, key);
    expect(r.userErrors).toEqual([]);
    expect(r.notes!.map((n) => n.listing.id)).toEqual(expected);
    expect(r.notes!.every((n) => n.amount.amount === '50.00' && n.listing.grade === 'A')).toBe(true);
    const again = await m.autoInvest(inv, { amount: '150.00', grades: ['A'], amountPerLoan: '50.00' }, key);
    expect(again.notes!.map((n) => n.id)).toEqual(r.notes!.map((n) => n.id));
    expect((await m.portfolio(inv)).cash.amount).toBe('850.00');
    const bad = await m.autoInvest(inv, { amount: '100.00', grades: ['A'], amountPerLoan: '30.00' });
    expect(bad.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'amountPerLoan'] });
    const none = await m.autoInvest(inv, { amount: '100.00', grades: ['E'] });
    expect(none).toEqual({ notes: [], userErrors: [] });
    // Cash runs out: it stops, keeping what it bought.
    const poor = await m.investor('60.00');
    const some = await m.autoInvest(poor, { amount: '500.00', grades: ['A'], amountPerLoan: '25.00' });
    expect(some.notes).toHaveLength(2);
    expect((await m.portfolio(poor)).cash.amount).toBe('10.00');
    await expectBooksBalanced([inv, poor]);
  });
});
