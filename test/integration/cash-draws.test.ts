import { randomUUID } from 'node:crypto';
import {
  AcceptOfferDocument,
  CloseCardDocument,
  FreezeCardDocument,
  MyNotificationsDocument,
  RequestDisbursementDocument,
  SubmitApplicationDocument,
  UnfreezeCardDocument,
} from '../generated/contract';
import { monthlySchedule } from '../../src/domain/common/amortization';
import { makeAdmin, openCreditLine, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { cents, dollars, expectReconciled as reconciled, moneyClient } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
let money: ReturnType<typeof moneyClient>;
beforeAll(async () => {
  // The simulated provider rejects a payout of exactly $66.60.
  s = await startTestServer({ env: { GATEWAY_FAIL_AMOUNTS: '66.60' } });
  admin = await makeAdmin(s);
  money = moneyClient(s);
});
afterAll(async () => {
  await s?.close();
});

const draw = async (
  u: SignedUp,
  accountId: string,
  amount: string | null,
  termMonths: number | null = null,
  key = randomUUID(),
) =>
  ok(
    await s.gql(
      RequestDisbursementDocument,
      { input: { accountId, idempotencyKey: key, amount, termMonths } },
      { token: u.accessToken },
    ),
  ).requestDisbursement;

const expectReconciled = (accountGlobalId: string) => reconciled(s, admin, accountGlobalId);

describe('cash draws from a credit line', () => {
  it('draws cash to the cent: a MONTHLY plan at the account APR from today, credit down at once, no points', async () => {
    const u = await signUp(s);
    const { accountId } = await openCreditLine(s, u, '1000.00');
    const r = await draw(u, accountId, '250.00', 6);
    expect(r.userErrors).toEqual([]);
    expect(r.disbursement).toMatchObject({ status: 'SUCCEEDED', amount: { amount: '250.00' } });
    const account = await money.account(u, accountId);
    expect(account.availableCredit.amount).toBe('750.00');
    expect(account.outstandingBalance.amount).toBe('250.00');
    const plan = account.installmentPlans.find((p) => p.kind === 'MONTHLY')!;
    const today = s.app.services.clock.today();
    expect(plan).toMatchObject({
      apr: '7.99',
      principal: { amount: '250.00' },
      startDate: today,
      status: 'ACTIVE',
    });
    const expected = monthlySchedule({ principal: 25_000, aprBp: 799, termMonths: 6, startDate: today });
    expect(
      plan.installments.map((i) => [i.dueDate, cents(i.principal.amount), cents(i.interest.amount)]),
    ).toEqual(expected.map((i) => [i.dueDate, i.principal, i.interest]));
    expect(await money.points(u)).toBe(0);
    const kinds = ok(
      await s.gql(MyNotificationsDocument, { first: 5 }, { token: u.accessToken }),
    ).me!.notifications.edges.map((e) => e.node.kind);
    expect(kinds).toContain('LOAN_DISBURSED');
    await expectReconciled(accountId);

    // Payments allocate to it like any monthly plan; repaid principal restores the credit.
    const first = expected[0]!;
    await money.advance(admin, Math.round((Date.parse(first.dueDate) - Date.parse(today)) / 86_400_000));
    const paid = await money.pay(u, accountId, dollars(first.total));
    expect(paid.userErrors).toEqual([]);
    expect(paid.payment!.allocations).toEqual([
      expect.objectContaining({
        planId: plan.id,
        installmentNumber: 1,
        principal: { amount: dollars(first.principal), currency: 'USD' },
        interest: { amount: dollars(first.interest), currency: 'USD' },
      }),
    ]);
    expect(cents(paid.account!.availableCredit.amount)).toBe(75_000 + first.principal);
    await expectReconciled(accountId);
  });

  it('repays over 12 months unless told otherwise', async () => {
    const u = await signUp(s);
    const { accountId } = await openCreditLine(s, u, '1000.00');
    const r = await draw(u, accountId, '50.00');
    expect(r.userErrors).toEqual([]);
    const plan = r.account!.installmentPlans.find((p) => p.kind === 'MONTHLY')!;
    expect(plan.installments).toHaveLength(12);
    // The daily job treats it like any installment: unpaid 3 days after its due date, it is
    // late with the lesser of $15.00 and 5% of it as a fee, and the account is delinquent.
    const first = plan.installments[0]!;
    const today = s.app.services.clock.today();
    await money.advance(admin, Math.round((Date.parse(first.dueDate) - Date.parse(today)) / 86_400_000) + 4);
    const after = await money.account(u, accountId);
    const inst = after.installmentPlans.find((p) => p.id === plan.id)!.installments[0]!;
    expect(inst.status).toBe('LATE');
    expect(cents(inst.fee.amount)).toBe(Math.min(1_500, Math.round(cents(first.total.amount) * 0.05)));
    expect(after.daysPastDue).toBe(4);
    expect(after.delinquencyBucket).toBe('DPD_1_30');
    await expectReconciled(accountId);
  });

  it('refuses below $50, above the available credit, a term other than 3, 6 or 12, a frozen or closed line, and another user', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const refusals: [string | null, number | null, string, string[]][] = [
      ['49.99', null, 'INVALID_INPUT', ['input', 'amount']],
      [null, null, 'INVALID_INPUT', ['input', 'amount']],
      ['1000.01', null, 'AMOUNT_EXCEEDS_BALANCE', ['input', 'amount']],
      ['100.00', 7, 'INVALID_INPUT', ['input', 'termMonths']],
    ];
    for (const [amount, term, code, field] of refusals) {
      const r = await draw(u, accountId, amount, term);
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
    ok(await s.gql(FreezeCardDocument, { input: { cardId } }, { token: u.accessToken }));
    expect((await draw(u, accountId, '100.00')).userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    ok(await s.gql(UnfreezeCardDocument, { input: { cardId } }, { token: u.accessToken }));
    const other = await signUp(s);
    expect((await draw(other, accountId, '100.00')).userErrors[0]).toMatchObject({
      code: 'NOT_FOUND',
      field: ['input', 'accountId'],
    });
    ok(await s.gql(CloseCardDocument, { input: { cardId } }, { token: admin.accessToken }));
    expect((await draw(u, accountId, '100.00')).userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
    // Nothing changed.
    const account = await money.account(u, accountId);
    expect(account.availableCredit.amount).toBe('1000.00');
    expect(account.installmentPlans).toEqual([]);
    await expectReconciled(accountId);
  });

  it('a loan refuses amount and termMonths, naming the field', async () => {
    const u = await signUp(s);
    const app = ok(
      await s.gql(
        SubmitApplicationDocument,
        { input: primeLoan({ amount: '2000.00', termMonths: 6 }) as never },
        { token: u.accessToken },
      ),
    ).submitApplication.application!;
    const accountId = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer.account!.id;
    expect((await draw(u, accountId, '500.00')).userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'amount'] }),
    ]);
    expect((await draw(u, accountId, null, 6)).userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'termMonths'] }),
    ]);
    expect((await draw(u, accountId, null)).disbursement).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: '2000.00' },
    });
  });

  it('is idempotent: the same key is the same draw, paid once; another input with it is refused', async () => {
    const u = await signUp(s);
    const { accountId } = await openCreditLine(s, u, '1000.00');
    const key = randomUUID();
    const a = await draw(u, accountId, '120.00', 3, key);
    const b = await draw(u, accountId, '120.00', 3, key);
    expect(b.disbursement!.id).toBe(a.disbursement!.id);
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('880.00');
    expect((await draw(u, accountId, '130.00', 3, key)).userErrors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await money.account(u, accountId)).installmentPlans).toHaveLength(1);
    await expectReconciled(accountId);
  });

  it('a payout the provider rejects restores the credit and owes nothing', async () => {
    const u = await signUp(s);
    const { accountId } = await openCreditLine(s, u, '1000.00');
    const r = await draw(u, accountId, '66.60');
    expect(r.disbursement).toMatchObject({ status: 'FAILED' });
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('1000.00');
    expect(r.account!.outstandingBalance.amount).toBe('0.00');
    expect(r.account!.installmentPlans).toEqual([]);
    const kinds = ok(
      await s.gql(MyNotificationsDocument, { first: 5 }, { token: u.accessToken }),
    ).me!.notifications.edges.map((e) => e.node.kind);
    expect(kinds).toContain('DISBURSEMENT_FAILED');
    await expectReconciled(accountId);
  });

  it('10 concurrent draws of $150 on $1,000, with purchases racing them: never overspent', async () => {
    const u = await signUp(s);
    const { accountId } = await openCreditLine(s, u, '1000.00');
    const results = await Promise.all(Array.from({ length: 10 }, () => draw(u, accountId, '150.00', 3)));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(6);
    // a draw is refused only once less than $150.00 is left: the $100.00 the six leave
    const refusal = {
      code: 'AMOUNT_EXCEEDS_BALANCE',
      field: ['input', 'amount'],
      message: 'The most you can draw is your available credit, $100.00.',
    };
    expect(results.filter((r) => r.userErrors.length > 0).map((r) => r.userErrors)).toEqual(
      Array.from({ length: 4 }, () => [refusal]),
    );
    expect((await money.account(u, accountId)).availableCredit.amount).toBe('100.00');
    await expectReconciled(accountId);

    const v = await signUp(s);
    const line = await openCreditLine(s, v, '1000.00');
    const [draws, buys] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, () => draw(v, line.accountId, '150.00', 3))),
      Promise.all(Array.from({ length: 5 }, () => money.buy(v, line.cardId, '150.00'))),
    ]);
    const drawn = draws.filter((r) => r.userErrors.length === 0);
    const approved = buys.filter((r) => r.transaction!.status === 'APPROVED');
    expect(drawn.length + approved.length).toBe(6);
    expect(drawn.every((r) => r.disbursement!.status === 'SUCCEEDED')).toBe(true);
    expect(draws.filter((r) => r.userErrors.length > 0).map((r) => r.userErrors)).toEqual(
      Array.from({ length: 5 - drawn.length }, () => [refusal]),
    );
    expect(buys.filter((r) => r.transaction!.status !== 'APPROVED').map((r) => r.transaction)).toEqual(
      Array.from({ length: 5 - approved.length }, () =>
        expect.objectContaining({ status: 'DECLINED', declineReason: 'INSUFFICIENT_CREDIT' }),
      ),
    );
    const after = await money.account(v, line.accountId);
    expect(after.availableCredit.amount).toBe('100.00');
    expect(after.outstandingBalance.amount).toBe('900.00');
    await expectReconciled(line.accountId);
  });
});
