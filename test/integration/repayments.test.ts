import { randomUUID } from 'node:crypto';
import {
  AcceptOfferDocument,
  AccountDocument,
  AdvanceSandboxClockDocument,
  ApplicationDocument,
  AuthorizeCardTransactionDocument,
  MakePaymentDocument,
  MyRewardsDocument,
  PayoffQuoteDocument,
  PaymentPostedDocument,
  RequestDisbursementDocument,
  SandboxClockDocument,
  SubmitApplicationDocument,
  TrialBalanceDocument,
} from '../generated/contract';
import { daysBetween, monthlySchedule, reamortize } from '../../src/domain/common/amortization';
import { listen } from '../support/live';
import { moneyClient } from '../support/money';
import { makeAdmin, openCreditLine, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { ok, startTestServer, type TestServer } from '../support/server';

const cents = (d: string) => Math.round(Number(d) * 100);
const dollars = (c: number) => (c / 100).toFixed(2);

async function setup() {
  const s = await startTestServer();
  const admin = await makeAdmin(s);
  return { s, admin };
}

/** A disbursed platform loan: 7.99% (prime), schedule from today. */
const disbursedLoan = (s: TestServer, u: SignedUp, amount = '2000.00', termMonths = 6) =>
  moneyClient(s).loan(u, amount, termMonths);

const pay = (s: TestServer, u: SignedUp, accountId: string, amount: string, key: string = randomUUID()) =>
  s
    .gql(MakePaymentDocument, { input: { accountId, amount, idempotencyKey: key } }, { token: u.accessToken })
    .then((r) => ok(r).makePayment);

const account = (s: TestServer, u: SignedUp, id: string) =>
  s.gql(AccountDocument, { id }, { token: u.accessToken }).then((r) => ok(r).account!);

async function expectBalancedLedger(s: TestServer, admin: SignedUp) {
  const tb = ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;
  expect(tb.totalDebits).toEqual(tb.totalCredits);
}

describe('a platform loan, paid installment by installment', () => {
  let s: TestServer;
  let admin: SignedUp;
  beforeAll(async () => ({ s, admin } = await setup()));
  afterAll(async () => s?.close());

  it('disburses $2,000 over 6 months and every payment on its due date lands on its installment to the cent, to PAID_OFF', async () => {
    const t = await setup(); // its own server: this test moves the sandbox clock
    const s = t.s;
    const admin = t.admin;
    const u = await signUp(s);
    const { accountId, disbursement } = await disbursedLoan(s, u);
    const today = s.app.services.clock.today();
    expect(disbursement.disbursement).toMatchObject({ status: 'SUCCEEDED', amount: { amount: '2000.00' } });
    expect(disbursement.account).toMatchObject({
      status: 'ACTIVE',
      outstandingBalance: { amount: '2000.00' },
    });
    const schedule = monthlySchedule({ principal: 200_000, aprBp: 799, termMonths: 6, startDate: today });
    const plan = disbursement.account!.installmentPlans[0]!;
    expect(plan).toMatchObject({
      kind: 'MONTHLY',
      apr: '7.99',
      principal: { amount: '2000.00' },
      startDate: today,
    });
    expect(
      plan.installments.map((i) => [i.dueDate, cents(i.principal.amount), cents(i.interest.amount)]),
    ).toEqual(schedule.map((i) => [i.dueDate, i.principal, i.interest]));

    let principalLeft = 200_000;
    let day = today;
    for (const inst of schedule) {
      const gap = daysBetween(day, inst.dueDate);
      const moved = ok(
        await s.gql(AdvanceSandboxClockDocument, { input: { days: gap } }, { token: admin.accessToken }),
      ).advanceSandboxClock;
      expect(moved.clock!.today).toBe(inst.dueDate);
      day = inst.dueDate;
      const r = await pay(s, u, accountId, dollars(inst.total));
      expect(r.userErrors).toEqual([]);
      expect(r.payment).toMatchObject({ status: 'SUCCEEDED', prepayment: { amount: '0.00' } });
      expect(r.payment!.allocations).toEqual([
        {
          planId: plan.id,
          installmentNumber: inst.number,
          transactionId: null,
          fee: { amount: '0.00', currency: 'USD' },
          interest: { amount: dollars(inst.interest), currency: 'USD' },
          principal: { amount: dollars(inst.principal), currency: 'USD' },
        },
      ]);
      principalLeft -= inst.principal;
      expect(cents(r.account!.outstandingBalance.amount)).toBe(principalLeft);
    }
    const done = await account(s, u, accountId);
    expect(done.status).toBe('PAID_OFF');
    expect(done.installmentPlans[0]!.status).toBe('PAID_OFF');
    expect(done.installmentPlans[0]!.installments.every((i) => i.status === 'PAID' && i.paidAt)).toBe(true);
    // 50 points per installment paid in full by its due date
    expect(ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards.balance).toBe(300);
    // 1% of the interest went to charity
    const interest = schedule.reduce((sum, i) => sum + i.interest, 0);
    const tb = ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;
    const charity = tb.accounts.find((a) => a.code === 'platform:charity_reserve')!;
    const expectedCharity = schedule.reduce((sum, i) => sum + Math.floor((i.interest + 50) / 100), 0); // 1%, half-up per payment
    expect(cents(charity.balance.amount)).toBe(-expectedCharity);
    expect(interest).toBeGreaterThan(0);
    await expectBalancedLedger(s, admin);
    await s.close();
  });

  it('a prepayment re-amortises the remaining installments over the same count', async () => {
    const u = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    const today = s.app.services.clock.today();
    const schedule = monthlySchedule({ principal: 200_000, aprBp: 799, termMonths: 6, startDate: today });
    const r = await pay(s, u, accountId, dollars(schedule[0]!.total + 50_000));
    expect(r.payment!.prepayment.amount).toBe('500.00');
    const left = 200_000 - schedule[0]!.principal - 50_000;
    const expected = reamortize({
      outstanding: left,
      aprBp: 799,
      dueDates: schedule.slice(1).map((i) => i.dueDate),
      firstNumber: 2,
    });
    const plan = (await account(s, u, accountId)).installmentPlans[0]!;
    expect(
      plan.installments.slice(1).map((i) => [i.number, cents(i.principal.amount), cents(i.interest.amount)]),
    ).toEqual(expected.map((i) => [i.number, i.principal, i.interest]));
    expect(plan.installments.slice(1).reduce((sum, i) => sum + cents(i.principal.amount), 0)).toBe(left);
    await expectBalancedLedger(s, admin);
  });

  it('paying exactly the payoff quote closes the account with no future interest; more is refused', async () => {
    const u = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    const quote = ok(await s.gql(PayoffQuoteDocument, { accountId }, { token: u.accessToken })).payoffQuote!;
    expect(quote).toEqual({ amount: '2000.00', currency: 'USD' });
    const over = await pay(s, u, accountId, '2000.01');
    expect(over.userErrors[0]).toMatchObject({ code: 'AMOUNT_EXCEEDS_BALANCE', field: ['input', 'amount'] });
    const r = await pay(s, u, accountId, quote.amount);
    expect(r.payment!.status).toBe('SUCCEEDED');
    expect(r.payment!.allocations.reduce((sum, a) => sum + cents(a.interest.amount), 0)).toBe(0);
    expect(r.account).toMatchObject({ status: 'PAID_OFF', outstandingBalance: { amount: '0.00' } });
    const plan = (await account(s, u, accountId)).installmentPlans[0]!;
    expect(plan.status).toBe('PAID_OFF');
    expect(plan.installments.every((i) => i.interest.amount === '0.00')).toBe(true);
    await expectBalancedLedger(s, admin);
  });

  it('a failed payment is recorded FAILED and allocates nothing', async () => {
    const u = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    const r = await pay(s, u, accountId, '13.13'); // the simulated gateway declines this amount
    expect(r.payment).toMatchObject({ status: 'FAILED', failureReason: 'CARD_DECLINED', allocations: [] });
    const acc = await account(s, u, accountId);
    expect(acc.outstandingBalance.amount).toBe('2000.00');
    expect(acc.installmentPlans[0]!.installments.every((i) => i.paid.amount === '0.00')).toBe(true);
    await expectBalancedLedger(s, admin);
  });

  it('replays with the same key move nothing; another amount with it is refused', async () => {
    const u = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    const a = await pay(s, u, accountId, '100.00', 'pay-1');
    const b = await pay(s, u, accountId, '100.00', 'pay-1');
    expect(b.payment!.id).toBe(a.payment!.id);
    expect(b.account!.outstandingBalance).toEqual(a.account!.outstandingBalance);
    expect((await pay(s, u, accountId, '100.01', 'pay-1')).userErrors[0]!.code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    const again = ok(
      await s.gql(
        RequestDisbursementDocument,
        { input: { accountId, idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).requestDisbursement;
    expect(again.userErrors[0]!.code).toBe('INVALID_STATE');
  });

  it('another user can neither pay into nor read the account', async () => {
    const u = await signUp(s);
    const other = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    expect((await pay(s, other, accountId, '10.00')).userErrors[0]).toMatchObject({
      code: 'NOT_FOUND',
      field: ['input', 'accountId'],
    });
    expect(
      ok(await s.gql(PayoffQuoteDocument, { accountId }, { token: other.accessToken })).payoffQuote,
    ).toBeNull();
    expect(
      ok(await s.gql(AccountDocument, { id: accountId }, { token: other.accessToken })).account,
    ).toBeNull();
  });

  it('pushes payments live', async () => {
    const u = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    const sub = await listen(s, u.accessToken, PaymentPostedDocument, { accountId });
    await pay(s, u, accountId, '25.00');
    expect((await sub.next()).data!.paymentPosted.payment).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: '25.00' },
    });
    sub.dispose();
  });

  it('a credit line payment goes to the 45-day purchases and restores credit', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u);
    const t = ok(
      await s.gql(
        AuthorizeCardTransactionDocument,
        {
          input: {
            cardId,
            amount: '300.00',
            merchantName: 'M',
            category: 'OTHER',
            idempotencyKey: randomUUID(),
          },
        },
        { token: u.accessToken },
      ),
    ).authorizeCardTransaction.transaction!;
    const r = await pay(s, u, accountId, '120.00');
    expect(r.payment!.allocations).toEqual([
      expect.objectContaining({ transactionId: t.id, principal: { amount: '120.00', currency: 'USD' } }),
    ]);
    expect(r.account).toMatchObject({
      availableCredit: { amount: '820.00' },
      outstandingBalance: { amount: '180.00' },
    });
    expect((await pay(s, u, accountId, '180.01')).userErrors[0]!.code).toBe('AMOUNT_EXCEEDS_BALANCE');
    await expectBalancedLedger(s, admin);
  });
});

describe('the daily job and the sandbox clock', () => {
  let s: TestServer;
  let admin: SignedUp;
  beforeAll(async () => ({ s, admin } = await setup()));
  afterAll(async () => s?.close());

  const advance = async (days: number) => {
    const r = ok(
      await s.gql(AdvanceSandboxClockDocument, { input: { days } }, { token: admin.accessToken }),
    ).advanceSandboxClock;
    expect(r.userErrors).toEqual([]);
    return r.clock!;
  };

  it('a missed installment: late after 3 days with one fee, DPD_31_60 after 40 days, charged off at 120', async () => {
    const u = await signUp(s);
    const { accountId } = await disbursedLoan(s, u);
    const first = (await account(s, u, accountId)).installmentPlans[0]!.installments[0]!;
    const today = ok(await s.gql(SandboxClockDocument, {}, { token: u.accessToken })).sandboxClock.today;
    const toDue = daysBetween(today, first.dueDate);
    const fee = Math.min(1500, Math.round(cents(first.total.amount) * 0.05));

    await advance(toDue + 4);
    let acc = await account(s, u, accountId);
    let inst = acc.installmentPlans[0]!.installments[0]!;
    expect(inst).toMatchObject({ status: 'LATE', fee: { amount: dollars(fee) } });
    expect(acc).toMatchObject({ daysPastDue: 4, delinquencyBucket: 'DPD_1_30' });

    await advance(36); // 40 days past due
    acc = await account(s, u, accountId);
    inst = acc.installmentPlans[0]!.installments[0]!;
    expect(inst.fee.amount).toBe(dollars(fee)); // still one fee
    // the next one is late too by now, with its own fee by the same rule
    const second = acc.installmentPlans[0]!.installments[1]!;
    expect(second).toMatchObject({
      status: 'LATE',
      fee: { amount: dollars(Math.min(1500, Math.round(cents(second.total.amount) * 0.05))) },
    });
    expect(acc).toMatchObject({ daysPastDue: 40, delinquencyBucket: 'DPD_31_60', status: 'ACTIVE' });

    await advance(80); // 120 days
    acc = await account(s, u, accountId);
    expect(acc).toMatchObject({
      status: 'CHARGED_OFF',
      daysPastDue: 120,
      delinquencyBucket: 'DPD_90_PLUS',
      outstandingBalance: { amount: '0.00' },
    });
    await expectBalancedLedger(s, admin);
  });

  it('a 45-day purchase still unpaid is converted on day 46 to a 6-month plan from its due date', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u);
    const t = ok(
      await s.gql(
        AuthorizeCardTransactionDocument,
        {
          input: {
            cardId,
            amount: '240.00',
            merchantName: 'M',
            category: 'OTHER',
            idempotencyKey: randomUUID(),
          },
        },
        { token: u.accessToken },
      ),
    ).authorizeCardTransaction.transaction!;
    await advance(45);
    // until then the purchase is its own interest-free plan of one installment
    expect((await account(s, u, accountId)).installmentPlans).toMatchObject([
      {
        kind: 'INTEREST_FREE_45',
        status: 'ACTIVE',
        principal: { amount: '240.00' },
        installments: [{ number: 1, dueDate: t.dueDate, principal: { amount: '240.00' } }],
      },
    ]);
    await advance(1);
    const plans = (await account(s, u, accountId)).installmentPlans;
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      kind: 'MONTHLY',
      principal: { amount: '240.00' },
      startDate: t.dueDate,
    });
    expect(plans[0]!.installments).toHaveLength(6);
    const expected = monthlySchedule({ principal: 24_000, aprBp: 799, termMonths: 6, startDate: t.dueDate! });
    expect(plans[0]!.installments.map((i) => [i.dueDate, cents(i.interest.amount)])).toEqual(
      expected.map((i) => [i.dueDate, i.interest]),
    );
  });

  it('offers expire after 30 days', async () => {
    const u = await signUp(s);
    const app = ok(
      await s.gql(SubmitApplicationDocument, { input: primeLoan() as never }, { token: u.accessToken }),
    ).submitApplication.application!;
    await advance(29);
    expect(
      ok(await s.gql(ApplicationDocument, { id: app.id }, { token: u.accessToken })).application!.status,
    ).toBe('APPROVED');
    await advance(1);
    expect(
      ok(await s.gql(ApplicationDocument, { id: app.id }, { token: u.accessToken })).application!.status,
    ).toBe('EXPIRED');
    const accept = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer;
    expect(accept.userErrors).toEqual([
      { code: 'OFFER_EXPIRED', field: ['input', 'applicationId'], message: 'This offer has expired.' },
    ]);
  });

  it('is for admins, and refuses bad day counts', async () => {
    const u = await signUp(s);
    expect(
      (await s.gql(AdvanceSandboxClockDocument, { input: { days: 1 } }, { token: u.accessToken })).errors?.[0]
        ?.extensions?.code,
    ).toBe('FORBIDDEN');
    for (const days of [0, 3651]) {
      const r = ok(
        await s.gql(AdvanceSandboxClockDocument, { input: { days } }, { token: admin.accessToken }),
      ).advanceSandboxClock;
      expect(r.userErrors[0]!.field).toEqual(['input', 'days']);
    }
  });
});

describe('the daily job runs once per day', () => {
  it('twice for the same day, and concurrently on two instances, each effect happens once', async () => {
    const a = await startTestServer();
    const b = await startTestServer({ database: a.databaseUrl });
    try {
      const u = await signUp(a);
      const { accountId } = await disbursedLoan(a, u);
      const first = (await account(a, u, accountId)).installmentPlans[0]!.installments[0]!;
      const day = new Date(Date.parse(`${first.dueDate}T00:00:00Z`) + 5 * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const results = await Promise.all([
        a.app.services.dailyJob.run(a.app.orm.em.fork(), day),
        b.app.services.dailyJob.run(b.app.orm.em.fork(), day),
        a.app.services.dailyJob.run(a.app.orm.em.fork(), day),
      ]);
      expect(results.filter((r) => r.ran)).toHaveLength(1);
      expect(results.find((r) => r.ran)!.lateFees).toBe(1);
      const again = await b.app.services.dailyJob.run(b.app.orm.em.fork(), day);
      expect(again.ran).toBe(false);
      const fees = (await a.app.orm.em
        .fork()
        .getConnection()
        .execute("select count(*)::int as n from journal_entry where kind = 'LATE_FEE'")) as { n: number }[];
      expect(fees[0]!.n).toBe(1);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('in production', () => {
  it('the sandbox clock does not move', async () => {
    const p = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const admin = await makeAdmin(p);
      const r = ok(
        await p.gql(AdvanceSandboxClockDocument, { input: { days: 1 } }, { token: admin.accessToken }),
      ).advanceSandboxClock;
      expect(r.userErrors[0]!.code).toBe('SANDBOX_ONLY');
      expect(r.clock).toBeNull();
    } finally {
      await p.close();
    }
  });
});
