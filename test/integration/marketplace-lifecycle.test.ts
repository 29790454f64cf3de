import { distributePayment } from '../../src/domain/marketplace/distribution';
import { MyNotificationsDocument, TrialBalanceDocument } from '../generated/contract';
import { makeAdmin, signUp, type SignedUp } from '../support/fixtures';
import { marketClient } from '../support/marketplace';
import { cents, moneyClient } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
let m: ReturnType<typeof marketClient>;
let money: ReturnType<typeof moneyClient>;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
  m = marketClient(s);
  money = moneyClient(s);
});
afterAll(async () => {
  await s?.close();
});

const userId = (u: SignedUp) => Buffer.from(u.id, 'base64url').toString().split(':')[1]!;

const trialBalance = async () =>
  ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;

async function expectBooksBalanced(investors: SignedUp[]) {
  const tb = await trialBalance();
  expect(tb.totalDebits).toEqual(tb.totalCredits);
  expect(tb.accounts.reduce((sum, a) => sum + cents(a.balance.amount), 0)).toBe(0);
  for (const u of investors) {
    const row = tb.accounts.find((a) => a.code === `investor:${userId(u)}:cash`);
    expect(0 - cents(row?.balance.amount ?? '0.00')).toBe(cents((await m.portfolio(u)).cash.amount));
  }
}

const notifications = async (u: SignedUp) =>
  ok(
    await s.gql(MyNotificationsDocument, { first: 50 }, { token: u.accessToken }),
  ).me!.notifications.edges.map((e) => e.node.kind);

interface Schedule {
  account: {
    status: string;
    installmentPlans: { installments: { dueDate: string; total: { amount: string } }[] }[];
  };
}
const schedule = async (u: SignedUp, id: string) =>
  ok(
    await s.gql<Schedule, { id: string }>(
      'query($id: ID!) { account(id: $id) { status installmentPlans { installments { dueDate total { amount } } } } }',
      { id },
      { token: u.accessToken },
    ),
  ).account;

/** A loan listed and funded by investors in order (notes in that order), paid out and ACTIVE. */
async function fundedLoan(shares: string[], amount: string, termMonths = 12) {
  const borrower = await signUp(s);
  const { accountId, listingId } = await m.listLoan(borrower, amount, termMonths);
  const investors: SignedUp[] = [];
  for (const share of shares) {
    const u = await m.investor('1000.00');
    const r = await m.invest(u, listingId, share);
    if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
    investors.push(u);
  }
  expect((await schedule(borrower, accountId)).status).toBe('ACTIVE');
  return { borrower, accountId, listingId, investors };
}

const noteOf = async (u: SignedUp) => (await m.portfolio(u)).notes.edges[0]!.node;

describe('distributions', () => {
  it("each payment's principal and interest reach the note holders pro rata, less the 1% fee, to the cent; payoff pays off the notes", async () => {
    const shares = ['300.00', '475.00', '225.00'];
    const { borrower, accountId, investors } = await fundedLoan(shares, '1000.00', 12);
    const amounts = shares.map(cents);
    const received = amounts.map(() => ({ principal: 0, interest: 0, fee: 0, net: 0 }));
    const cashBefore = await Promise.all(
      investors.map(async (u) => cents((await m.portfolio(u)).cash.amount)),
    );

    const apply = (principal: number, interest: number) => {
      const d = distributePayment({
        principal,
        interest,
        noteAmounts: amounts,
        principalOutstanding: amounts.map((a, i) => a - received[i]!.principal),
      });
      expect(d.net.reduce((a, b) => a + b, 0)).toBe(principal + interest - d.feeTotal);
      received.forEach((r, i) => {
        r.principal += d.principal[i]!;
        r.interest += d.interest[i]!;
        r.fee += d.fee[i]!;
        r.net += d.net[i]!;
      });
    };
    const expectNotes = async (status: string) => {
      for (const [i, u] of investors.entries()) {
        const n = await noteOf(u);
        expect({
          status: n.status,
          principal: cents(n.principalReceived.amount),
          interest: cents(n.interestReceived.amount),
        }).toEqual({ status, principal: received[i]!.principal, interest: received[i]!.interest });
        const p = await m.portfolio(u);
        expect(cents(p.cash.amount)).toBe(cashBefore[i]! + received[i]!.net);
        expect(cents(p.feesPaid.amount)).toBe(received[i]!.fee);
        expect(cents(p.interestEarned.amount)).toBe(received[i]!.interest);
      }
    };

    // Two scheduled installments on their due dates.
    const plan = (await schedule(borrower, accountId)).installmentPlans[0]!.installments;
    let today = s.app.services.clock.today();
    for (const inst of plan.slice(0, 2)) {
      const days = Math.round((Date.parse(inst.dueDate) - Date.parse(today)) / 86_400_000);
      await money.advance(admin, days);
      today = inst.dueDate;
      const paid = await money.pay(borrower, accountId, inst.total.amount);
      expect(paid.userErrors).toEqual([]);
      expect(paid.payment!.status).toBe('SUCCEEDED');
      const parts = paid.payment!.allocations.reduce(
        (acc, a) => ({ p: acc.p + cents(a.principal.amount), i: acc.i + cents(a.interest.amount) }),
        { p: 0, i: 0 },
      );
      apply(parts.p, parts.i);
      await expectNotes('ACTIVE');
    }
    // A prepayment of an odd amount, then the payoff.
    const extra = await money.pay(borrower, accountId, '123.45');
    expect(extra.userErrors).toEqual([]);
    const extraParts = extra.payment!.allocations.reduce(
      (acc, a) => ({ p: acc.p + cents(a.principal.amount), i: acc.i + cents(a.interest.amount) }),
      { p: cents(extra.payment!.prepayment.amount), i: 0 },
    );
    apply(extraParts.p, extraParts.i);
    await expectNotes('ACTIVE');

    const quote = await money.payoff(borrower, accountId);
    const payoff = await money.pay(borrower, accountId, quote);
    expect(payoff.userErrors).toEqual([]);
    expect(payoff.account!.status).toBe('PAID_OFF');
    const payoffParts = payoff.payment!.allocations.reduce(
      (acc, a) => ({ p: acc.p + cents(a.principal.amount), i: acc.i + cents(a.interest.amount) }),
      { p: cents(payoff.payment!.prepayment.amount), i: 0 },
    );
    apply(payoffParts.p, payoffParts.i);
    expect(received.map((r) => r.principal)).toEqual(amounts);
    await expectNotes('PAID_OFF');

    for (const u of investors) {
      const p = await m.portfolio(u);
      expect(p.outstandingPrincipal.amount).toBe('0.00');
      const nar = Number(p.netAnnualizedReturn);
      expect(nar).toBeGreaterThan(0);
      expect(nar).toBeLessThan(7.99);
      expect(await notifications(u)).toContain('NOTES_PAID_OFF');
    }
    await expectBooksBalanced(investors);
  });
});

describe('expiry', () => {
  it('a listing unfunded after 14 days expires: notes CANCELLED, every commitment back in cash, the account CLOSED, all told', async () => {
    const borrower = await signUp(s);
    const { accountId, listingId } = await m.listLoan(borrower, '1000.00');
    const a = await m.investor('500.00');
    const b = await m.investor('500.00');
    expect((await m.invest(a, listingId, '250.00')).userErrors).toEqual([]);
    expect((await m.invest(b, listingId, '100.00')).userErrors).toEqual([]);
    expect((await m.invest(b, listingId, '75.00')).userErrors).toEqual([]);
    await money.advance(admin, 13);
    expect((await m.listing(a, listingId))!.status).toBe('OPEN');
    await money.advance(admin, 1);
    const listing = (await m.listing(a, listingId))!;
    expect(listing).toMatchObject({ status: 'EXPIRED', funded: { amount: '425.00' } });
    // The listing expired at its instant: no investment goes in, job or not.
    expect((await m.invest(a, listingId, '25.00')).userErrors[0]!.code).toBe('INVALID_STATE');
    for (const [u, cash] of [
      [a, '500.00'],
      [b, '500.00'],
    ] as const) {
      const p = await m.portfolio(u);
      expect(p.cash.amount).toBe(cash);
      expect(p.outstandingPrincipal.amount).toBe('0.00');
      expect(p.invested.amount).toBe('0.00');
      expect(p.notes.edges.map((e) => e.node.status).every((x) => x === 'CANCELLED')).toBe(true);
      expect(await notifications(u)).toContain('LISTING_EXPIRED');
    }
    expect((await schedule(borrower, accountId)).status).toBe('CLOSED');
    expect(await notifications(borrower)).toContain('LISTING_EXPIRED');
    // Running the day again changes nothing.
    const again = await s.app.services.dailyJob.run(s.app.orm.em.fork(), s.app.services.clock.today());
    expect(again.ran).toBe(false);
    expect((await m.portfolio(a)).cash.amount).toBe('500.00');
    await expectBooksBalanced([a, b]);
  });
});

describe('charge-off', () => {
  it('a marketplace loan charged off at 120 days past due charges off its notes: the holders bear the unpaid principal', async () => {
    const { investors, accountId, borrower } = await fundedLoan(['600.00', '400.00'], '1000.00', 6);
    const plan = (await schedule(borrower, accountId)).installmentPlans[0]!.installments;
    // Pay the first installment on time, then nothing.
    const days = Math.round(
      (Date.parse(plan[0]!.dueDate) - Date.parse(s.app.services.clock.today())) / 86_400_000,
    );
    await money.advance(admin, days);
    expect((await money.pay(borrower, accountId, plan[0]!.total.amount)).userErrors).toEqual([]);
    const before = await Promise.all(investors.map(noteOf));
    await money.advance(admin, 31 + 121);
    expect((await schedule(borrower, accountId)).status).toBe('CHARGED_OFF');
    for (const [i, u] of investors.entries()) {
      const n = await noteOf(u);
      expect(n.status).toBe('CHARGED_OFF');
      expect(n.principalReceived).toEqual(before[i]!.principalReceived);
      const p = await m.portfolio(u);
      expect(p.outstandingPrincipal.amount).toBe('0.00');
      expect(cents(p.invested.amount)).toBe(cents(n.amount.amount));
      expect(await notifications(u)).toContain('NOTES_CHARGED_OFF');
    }
    // The platform's own losses exclude the notes' principal: notes payable is back to zero.
    const tb = await trialBalance();
    const payable = tb.accounts.find((a) => a.code === 'platform:notes_payable')!;
    const escrow = tb.accounts.find((a) => a.code === 'platform:listing_escrow')!;
    expect(payable.balance.amount).toBe('0.00');
    expect(escrow.balance.amount).toBe('0.00');
    await expectBooksBalanced(investors);
  });
});
