import { randomUUID } from 'node:crypto';
import {
  AcceptOfferDocument,
  ApplicationDocument,
  RequestDisbursementDocument,
  SubmitApplicationDocument,
} from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { makeAdmin, openCreditLine, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { waitFor } from '../support/live';
import { cents, moneyClient, sql } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Regression tests of issue 8's money defects, through the API against real PostgreSQL:
 * each would fail on the code before the fix.
 */
const local = (globalId: string) => fromGlobalId(globalId)!.id;

const TRANSACTIONS = `query($id: ID!) { account(id: $id) {
  transactions(first: 50) { edges { node { id kind status amount { amount } merchantName dueDate } } }
  payments(first: 20) { edges { node { id status source amount { amount }
    allocations { planId installmentNumber transactionId principal { amount } interest { amount } fee { amount } } } } }
} }`;

type Listed = {
  account: {
    transactions: {
      edges: {
        node: { id: string; kind: string; status: string; amount: { amount: string }; dueDate: string };
      }[];
    };
    payments: {
      edges: {
        node: {
          id: string;
          status: string;
          source: string;
          amount: { amount: string };
          allocations: {
            planId: string | null;
            installmentNumber: number | null;
            transactionId: string | null;
            principal: { amount: string };
          }[];
        };
      }[];
    };
  };
};

let s: TestServer;
let admin: SignedUp;
let m: ReturnType<typeof moneyClient>;
beforeAll(async () => {
  s = await startTestServer({ env: { GATEWAY_TIMEOUT_MS: '300', GATEWAY_RECOVERY_MS: '1000' } });
  admin = await makeAdmin(s);
  m = moneyClient(s);
});
afterAll(async () => {
  await s?.close();
});

const listed = async (u: SignedUp, accountId: string) =>
  ok(await s.gql<Listed>(TRANSACTIONS, { id: accountId }, { token: u.accessToken })).account;

async function expectLedgerBalanced() {
  const tb = await m.trialBalance(admin);
  expect(tb.totalDebits).toEqual(tb.totalCredits);
  const payable = tb.accounts.find((a) => a.code === 'platform:customer_payable');
  expect(payable?.balance.amount ?? '0.00').toBe('0.00'); // nothing owed back is left unpaid
}

describe('item 1: points never create credit', () => {
  it('buy $1,000 TRAVEL, redeem the 10,000 points for $125.00 of travel, refund: the $125.00 is charged back, every time', async () => {
    // The redemption had paid $125.00 of the purchase; the refund cancels the $875.00 still owed,
    // charges the redeemed points back ($125.00, a visible transaction), and the $125.00 already
    // paid of the refunded purchase settles that charge: nothing gained, nothing owed, no cash out.
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '10000.00');
    for (let round = 1; round <= 2; round++) {
      const t = (await m.buy(u, cardId, '1000.00', 'TRAVEL')).transaction!;
      expect(t.rewardPoints).toBe(10_000);
      const r = await m.redeem(u, accountId, 10_000, 'TRAVEL');
      expect(r.userErrors).toEqual([]);
      expect(r.redemption!.value.amount).toBe('125.00');
      const refunded = await m.refund(u, t.id, '1000.00');
      expect(refunded.userErrors).toEqual([]);
      const acc = await m.account(u, accountId);
      expect(acc.availableCredit.amount).toBe('10000.00');
      expect(acc.outstandingBalance.amount).toBe('0.00');
      expect(await m.payoff(u, accountId)).toBe('0.00');
      expect(await m.points(u)).toBe(0);
    }
    const charges = (await listed(u, accountId)).transactions.edges
      .map((e) => e.node)
      .filter((n) => n.kind === 'REWARDS_CLAWBACK');
    expect(charges.map((c) => [c.status, c.amount.amount])).toEqual([
      ['APPROVED', '125.00'],
      ['APPROVED', '125.00'],
    ]);
    const payments = (await listed(u, accountId)).payments.edges.map((e) => e.node);
    expect(payments.map((p) => [p.source, p.amount.amount])).toEqual([
      ['REFUND', '125.00'],
      ['REWARDS', '125.00'],
      ['REFUND', '125.00'],
      ['REWARDS', '125.00'],
    ]);
    expect(
      await sql(s.databaseUrl, `select 1 from disbursement where account_id = $1`, [local(accountId)]),
    ).toHaveLength(0); // no cash went out
    await expectLedgerBalanced();
  });

  it("points redeemed into another account are charged back to the refunded purchase's account", async () => {
    const u = await signUp(s);
    const line = await openCreditLine(s, u, '10000.00');
    const { accountId: loanId } = await m.loan(u, '2000.00', 6);
    const t = (await m.buy(u, line.cardId, '1000.00', 'TRAVEL')).transaction!;
    await m.redeem(u, loanId, 10_000, 'STATEMENT_CREDIT'); // $100.00 off the loan
    await m.refund(u, t.id, '1000.00');
    const acc = await m.account(u, line.accountId);
    expect(acc.outstandingBalance.amount).toBe('100.00');
    expect(acc.availableCredit.amount).toBe('9900.00');
    expect(acc.installmentPlans.map((p) => [p.kind, p.status, p.principal.amount])).toEqual([
      ['INTEREST_FREE_45', 'PAID_OFF', '0.00'],
      ['INTEREST_FREE_45', 'ACTIVE', '100.00'],
    ]);
    const loan = await m.account(u, loanId);
    expect(loan.installmentPlans[0]!.installments[0]!.paid.amount).toBe('100.00');
    await expectLedgerBalanced();
  });

  it('on a maxed-out line, a refund of a paid purchase that charges points back pays the charge first and stays within the limit', async () => {
    const u = await signUp(s);
    const line = await openCreditLine(s, u, '1000.00');
    const { accountId: loanId } = await m.loan(u, '2000.00', 6);
    const first = (await m.buy(u, line.cardId, '1000.00', 'TRAVEL')).transaction!; // 10,000 points
    await m.pay(u, line.accountId, '1000.00'); // and 50 on-time points
    await m.buy(u, line.cardId, '1000.00'); // 1,000 points; available credit 0.00
    expect((await m.redeem(u, loanId, 10_000, 'STATEMENT_CREDIT')).userErrors).toEqual([]); // $100.00
    const r = await m.refund(u, first.id, '1000.00');
    expect(r.userErrors).toEqual([]);
    // 10,050 points go back (the purchase's 10,000 and the 50 its paid bill earned): 1,050 taken
    // from the balance, 9,000 charged back at 1 cent ($90.00); the $1,000.00 already paid of the
    // refunded purchase settles that charge, then $910.00 of the other one
    const acc = await m.account(u, line.accountId);
    expect(acc.availableCredit.amount).toBe('910.00');
    expect(acc.outstandingBalance.amount).toBe('90.00');
    expect(await m.points(u)).toBe(0);
    const payments = (await listed(u, line.accountId)).payments.edges.map((e) => e.node);
    expect(payments[0]).toMatchObject({ source: 'REFUND', amount: { amount: '1000.00' } });
    await expectLedgerBalanced();
  });

  it('a redemption is applied like a payment: what is owed, the payoff, available credit and the ledger move together', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const t = (await m.buy(u, cardId, '500.00', 'DINING')).transaction!; // 5,000 points
    const r = await m.redeem(u, accountId, 5000, 'STATEMENT_CREDIT');
    expect(r.userErrors).toEqual([]);
    const acc = await m.account(u, accountId);
    expect(acc.availableCredit.amount).toBe('550.00');
    expect(acc.outstandingBalance.amount).toBe('450.00');
    expect(await m.payoff(u, accountId)).toBe('450.00');
    const payment = (await listed(u, accountId)).payments.edges[0]!.node;
    expect(payment).toMatchObject({ status: 'SUCCEEDED', source: 'REWARDS', amount: { amount: '50.00' } });
    const plan = acc.installmentPlans.find((p) => p.kind === 'INTEREST_FREE_45')!;
    expect(payment.allocations).toEqual([
      expect.objectContaining({ planId: plan.id, installmentNumber: 1, transactionId: t.id }),
    ]);
    expect(plan.installments[0]!.paid.amount).toBe('50.00');
    await expectLedgerBalanced();
  });

  it('a redemption worth more than the payoff quote is refused and changes nothing', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    await m.buy(u, cardId, '100.00', 'TRAVEL'); // 1,000 points
    expect((await m.pay(u, accountId, '95.00')).payment!.status).toBe('SUCCEEDED');
    const r = await m.redeem(u, accountId, 1000, 'STATEMENT_CREDIT'); // $10.00 against $5.00 owed
    expect(r.userErrors).toEqual([
      expect.objectContaining({ code: 'AMOUNT_EXCEEDS_BALANCE', field: ['input', 'points'] }),
    ]);
    expect(await m.points(u)).toBe(1000);
    expect(await m.payoff(u, accountId)).toBe('5.00');
    expect((await m.account(u, accountId)).availableCredit.amount).toBe('995.00');
  });

  it('points redeemed into a loan pay the loan like a payment (the credit is no longer lost)', async () => {
    const u = await signUp(s);
    const line = await openCreditLine(s, u, '1000.00');
    await m.buy(u, line.cardId, '100.00', 'TRAVEL'); // 1,000 points
    const { accountId } = await m.loan(u, '2000.00', 6);
    const r = await m.redeem(u, accountId, 1000, 'STATEMENT_CREDIT');
    expect(r.userErrors).toEqual([]);
    // paying the next bill early: its interest first ($13.32), as any payment would
    const payment = (await listed(u, accountId)).payments.edges[0]!.node;
    expect(payment).toMatchObject({ source: 'REWARDS', amount: { amount: '10.00' } });
    expect(payment.allocations).toEqual([expect.objectContaining({ installmentNumber: 1 })]);
    const acc = await m.account(u, accountId);
    expect(acc.installmentPlans[0]!.installments[0]!.paid.amount).toBe('10.00');
    expect(acc.outstandingBalance.amount).toBe('2003.32'); // 2,000.00 + 13.32 interest taken early − 10.00
    await expectLedgerBalanced();
  });
});

describe('item 2: converting a partly paid purchase', () => {
  it('$100 purchase, $60 paid, converted: the plan is the $40.00 still unpaid', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const t = (await m.buy(u, cardId, '100.00')).transaction!;
    expect((await m.pay(u, accountId, '60.00')).payment!.status).toBe('SUCCEEDED');
    const c = await m.convert(u, t.id, 3);
    expect(c.userErrors).toEqual([]);
    expect(c.plan).toMatchObject({ kind: 'MONTHLY', principal: { amount: '40.00' } });
    const principal = c.plan!.installments.reduce((sum, i) => sum + cents(i.principal.amount), 0);
    expect(principal).toBe(4000);
    expect(await m.payoff(u, accountId)).toBe('40.00');
    const acc = await m.account(u, accountId);
    expect(acc.outstandingBalance.amount).toBe('40.00');
    expect(acc.availableCredit.amount).toBe('960.00');
    expect(acc.installmentPlans.map((p) => p.kind)).toEqual(['MONTHLY']); // the 45-day bill was replaced
  });

  it('a purchase already paid in full cannot be converted', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const t = (await m.buy(u, cardId, '100.00')).transaction!;
    await m.pay(u, accountId, '100.00');
    expect((await m.convert(u, t.id, 3)).userErrors[0]!.code).toBe('INVALID_STATE');
  });
});

describe('refunds of a purchase already partly paid', () => {
  it('cancel what is still owed and return what was paid through the gateway', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const t = (await m.buy(u, cardId, '100.00')).transaction!;
    await m.pay(u, accountId, '60.00');
    const r = await m.refund(u, t.id, '100.00');
    expect(r.userErrors).toEqual([]);
    expect(r.transaction).toMatchObject({ status: 'REFUNDED', refunded: { amount: '100.00' } });
    expect(r.account!.availableCredit.amount).toBe('1000.00');
    const acc = await m.account(u, accountId);
    expect(acc.outstandingBalance.amount).toBe('0.00');
    expect(await m.payoff(u, accountId)).toBe('0.00');
    const payouts = await sql<{ kind: string; amount: string; ok: boolean }>(
      s.databaseUrl,
      `select g.kind, g.amount, g.ok from gateway_operation g join disbursement d on d.id::text = g.reference
        where d.source_id = $1`,
      [local(t.id)],
    );
    expect(payouts).toEqual([{ kind: 'PAYOUT', amount: '6000', ok: true }]);
    await expectLedgerBalanced();
  });

  it('a return the gateway declines stays owed to the owner on the ledger, and they are told', async () => {
    const own = await startTestServer(); // its own ledger: the others expect nothing left owed back
    try {
      const om = moneyClient(own);
      const ownAdmin = await makeAdmin(own);
      const u = await signUp(own);
      const { accountId, cardId } = await openCreditLine(own, u, '1000.00');
      const t = (await om.buy(u, cardId, '100.00')).transaction!;
      await om.pay(u, accountId, '50.00');
      expect((await om.refund(u, t.id, '63.13')).userErrors).toEqual([]); // $13.13 to return: declined
      const [payout] = await sql<{ status: string; amount: string }>(
        own.databaseUrl,
        'select status, amount::text from disbursement where source_id = $1',
        [local(t.id)],
      );
      expect(payout).toEqual({ status: 'FAILED', amount: '1313' });
      expect(await om.payoff(u, accountId)).toBe('0.00');
      const kinds = await sql<{ kind: string }>(
        own.databaseUrl,
        'select kind from notification where user_id = $1',
        [local(u.id)],
      );
      expect(kinds.map((k) => k.kind)).toContain('DISBURSEMENT_FAILED');
      const tb = await om.trialBalance(ownAdmin);
      expect(tb.totalDebits).toEqual(tb.totalCredits);
      const payable = tb.accounts.find((a) => a.code === 'platform:customer_payable')!;
      expect(cents(payable.balance.amount)).toBe(-1313); // a liability: still owed to the customer
    } finally {
      await own.close();
    }
  });

  it('a partial refund within what is unpaid returns nothing and leaves the rest due', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const t = (await m.buy(u, cardId, '100.00')).transaction!;
    await m.pay(u, accountId, '60.00');
    await m.refund(u, t.id, '30.00');
    expect(await m.payoff(u, accountId)).toBe('10.00');
    const plan = (await m.account(u, accountId)).installmentPlans[0]!;
    expect(plan.installments[0]).toMatchObject({ principal: { amount: '70.00' }, paid: { amount: '60.00' } });
    const returned = await sql(s.databaseUrl, 'select 1 from disbursement where source_id = $1', [
      local(t.id),
    ]);
    expect(returned).toHaveLength(0);
  });
});

describe('item 3: the gateway is called after the commit, with a stable reference', () => {
  const charges = (paymentGlobalId: string) =>
    sql<{ n: number }>(
      s.databaseUrl,
      'select count(*)::int as n from gateway_operation where reference = $1',
      [local(paymentGlobalId)],
    ).then((r) => r[0]!.n);

  it('an ordinary payment is asked once under its own id and settles in the same call', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    await m.buy(u, cardId, '100.00');
    const p = await m.pay(u, accountId, '40.00');
    expect(p.payment!.status).toBe('SUCCEEDED');
    expect(await charges(p.payment!.id)).toBe(1);
  });

  it('a gateway that does not answer in time leaves the payment PENDING; the same key asks again and settles it once', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    await m.buy(u, cardId, '100.00');
    const key = randomUUID();
    const first = await m.pay(u, accountId, '14.14', key); // the simulated provider loses its first answer
    expect(first.payment).toMatchObject({ status: 'PENDING', allocations: [] });
    expect(first.account!.outstandingBalance.amount).toBe('100.00');
    // money in flight counts against the payoff: no paying it twice over
    expect((await m.pay(u, accountId, '90.00')).userErrors[0]!.code).toBe('AMOUNT_EXCEEDS_BALANCE');
    const again = await m.pay(u, accountId, '14.14', key);
    expect(again.payment).toMatchObject({ id: first.payment!.id, status: 'SUCCEEDED' });
    expect(again.account!.outstandingBalance.amount).toBe('85.86');
    expect(await charges(first.payment!.id)).toBe(1);
    const third = await m.pay(u, accountId, '14.14', key);
    expect(third.payment!.status).toBe('SUCCEEDED');
    expect(third.account!.outstandingBalance.amount).toBe('85.86');
    expect(await charges(first.payment!.id)).toBe(1);
  });

  it('a payment left PENDING is settled by the server on its own (GATEWAY_RECOVERY_MS), once', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    await m.buy(u, cardId, '100.00');
    const p = await m.pay(u, accountId, '14.14');
    expect(p.payment!.status).toBe('PENDING');
    const until = Date.now() + 10_000;
    let status = 'PENDING';
    while (status === 'PENDING' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await listed(u, accountId)).payments.edges[0]!.node.status;
    }
    expect(status).toBe('SUCCEEDED');
    expect(await m.payoff(u, accountId)).toBe('85.86');
    expect(await charges(p.payment!.id)).toBe(1);
    // asking again (another sweep, another instance) changes nothing
    await s.app.services.repayments.recoverPending(s.app.orm.em.fork(), 0);
    expect(await m.payoff(u, accountId)).toBe('85.86');
    expect(await charges(p.payment!.id)).toBe(1);
  });

  it('concurrent payments and refunds on one account: each payment charged once, every cent accounted for', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const bought = [];
    for (let i = 0; i < 6; i++) bought.push((await m.buy(u, cardId, '100.00')).transaction!);
    const results = await Promise.all([
      ...bought.map((t) => m.refund(u, t.id, '50.00')),
      ...Array.from({ length: 6 }, () => m.pay(u, accountId, '40.00')),
    ]);
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    const rows = await sql<{ n: number; total: string }>(
      s.databaseUrl,
      `select count(*)::int as n, sum(amount)::text as total from gateway_operation
        where kind = 'CHARGE' and reference in (select id::text from payment where account_id = $1)`,
      [local(accountId)],
    );
    expect(rows[0]).toEqual({ n: 6, total: '24000' });
    expect(await m.payoff(u, accountId)).toBe('60.00'); // 600 − 300 refunded − 240 paid
    await expectLedgerBalanced();
  });
});

describe('item 3: loan disbursements take the same PENDING shape', () => {
  it('a lost answer leaves it PENDING, a second request is refused, the replay settles it once; a declined one starts nothing', async () => {
    const own = await startTestServer({
      env: {
        GATEWAY_TIMEOUT_AMOUNTS: '2000.00',
        GATEWAY_FAIL_AMOUNTS: '3000.00',
        GATEWAY_TIMEOUT_MS: '300',
        GATEWAY_RECOVERY_MS: '60000',
      },
    });
    try {
      const u = await signUp(own);
      const open = async (amount: string) => {
        const app = ok(
          await own.gql(
            SubmitApplicationDocument,
            { input: primeLoan({ amount, termMonths: 6 }) as never },
            { token: u.accessToken },
          ),
        ).submitApplication.application!;
        return ok(
          await own.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
        ).acceptOffer.account!.id;
      };
      const disburse = async (accountId: string, key = randomUUID()) =>
        ok(
          await own.gql(
            RequestDisbursementDocument,
            { input: { accountId, idempotencyKey: key } },
            { token: u.accessToken },
          ),
        ).requestDisbursement;

      const lost = await open('2000.00');
      const key = randomUUID();
      const first = await disburse(lost, key);
      expect(first.disbursement).toMatchObject({ status: 'PENDING' });
      expect(first.account).toMatchObject({ status: 'PENDING_DISBURSEMENT', installmentPlans: [] });
      expect((await disburse(lost)).userErrors[0]).toMatchObject({ code: 'INVALID_STATE' });
      const again = await disburse(lost, key);
      expect(again.disbursement).toMatchObject({ id: first.disbursement!.id, status: 'SUCCEEDED' });
      expect(again.account!.status).toBe('ACTIVE');
      expect(again.account!.outstandingBalance.amount).toBe('2000.00');
      const payouts = await sql(own.databaseUrl, 'select 1 from gateway_operation where reference = $1', [
        local(first.disbursement!.id),
      ]);
      expect(payouts).toHaveLength(1);

      const declined = await open('3000.00');
      const d = await disburse(declined);
      expect(d.disbursement).toMatchObject({ status: 'FAILED' });
      expect(d.account).toMatchObject({
        status: 'PENDING_DISBURSEMENT',
        outstandingBalance: { amount: '0.00' },
        installmentPlans: [],
      });
    } finally {
      await own.close();
    }
  });
});

describe('item 6: 45-day purchases are plans', () => {
  it('each approved purchase is an INTEREST_FREE_45 plan of one installment; payments to it name the plan and installment', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    const t = (await m.buy(u, cardId, '120.00')).transaction!;
    let acc = await m.account(u, accountId);
    expect(acc.installmentPlans).toEqual([
      expect.objectContaining({
        kind: 'INTEREST_FREE_45',
        status: 'ACTIVE',
        apr: '0.00',
        principal: { amount: '120.00', currency: 'USD' },
        installments: [
          expect.objectContaining({
            number: 1,
            dueDate: t.dueDate,
            status: 'SCHEDULED',
            principal: { amount: '120.00', currency: 'USD' },
          }),
        ],
      }),
    ]);
    const p = await m.pay(u, accountId, '50.00');
    expect(p.payment!.allocations).toEqual([
      expect.objectContaining({
        planId: acc.installmentPlans[0]!.id,
        installmentNumber: 1,
        transactionId: t.id,
        principal: { amount: '50.00', currency: 'USD' },
      }),
    ]);
    acc = await m.account(u, accountId);
    expect(acc.installmentPlans[0]!.installments[0]).toMatchObject({
      status: 'PARTIALLY_PAID',
      paid: { amount: '50.00' },
    });
    await m.pay(u, accountId, '70.00');
    acc = await m.account(u, accountId);
    expect(acc.installmentPlans[0]).toMatchObject({ status: 'PAID_OFF' });
  });
});

describe('item 8: on-time points cannot be farmed', () => {
  it('three $1 purchases converted to 12 months and a $0.27 payment earn no points', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    for (let i = 0; i < 3; i++) {
      const t = (await m.buy(u, cardId, '1.00')).transaction!;
      expect((await m.convert(u, t.id, 12)).userErrors).toEqual([]);
    }
    const before = await m.points(u); // 3 points from the purchases themselves
    expect(before).toBe(3);
    const p = await m.pay(u, accountId, '0.27');
    expect(p.payment!.status).toBe('SUCCEEDED');
    expect(await m.points(u)).toBe(before);
  });

  it('an installment of at least $25.00 paid in full by its due date earns 50 points', async () => {
    const u = await signUp(s);
    const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
    await m.buy(u, cardId, '24.99'); // 24 points; a $24.99 bill earns nothing on time
    await m.pay(u, accountId, '24.99');
    expect(await m.points(u)).toBe(24);
    await m.buy(u, cardId, '25.00'); // 25 points, and 50 for paying the $25.00 bill on time
    await m.pay(u, accountId, '25.00');
    expect(await m.points(u)).toBe(24 + 25 + 50);
  });
});

describe('the daily job and payments on the clock', () => {
  let c: TestServer;
  let cAdmin: SignedUp;
  let cm: ReturnType<typeof moneyClient>;
  beforeAll(async () => {
    c = await startTestServer();
    cAdmin = await makeAdmin(c);
    cm = moneyClient(c);
  });
  afterAll(async () => {
    await c?.close();
  });

  /** Makes every payment allocation wait, so a payment holds its account's lock while the daily job starts. */
  const slowPayments = async (on: boolean) =>
    sql(
      c.databaseUrl,
      on
        ? `create or replace function test_slow_allocation() returns trigger language plpgsql as
             $$ begin perform pg_sleep(1.5); return new; end $$;
           create trigger test_slow_allocation after insert on payment_allocation
             for each row execute function test_slow_allocation()`
        : 'drop trigger if exists test_slow_allocation on payment_allocation',
    );
  /** Resolves once a payment's transaction sleeps in that trigger: written, not yet committed. */
  const paymentInsideItsTransaction = () =>
    waitFor(
      async () =>
        (
          await sql<{ n: number }>(
            c.databaseUrl,
            `select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event = 'PgSleep'`,
          )
        )[0]!.n > 0,
      10_000,
      'the payment to reach its allocation',
    );

  it('item 4: a payment committing while the job runs is never undone by it (no conversion of a paid purchase)', async () => {
    const u = await signUp(c);
    const { accountId, cardId } = await openCreditLine(c, u, '1000.00');
    await cm.buy(u, cardId, '240.00');
    await cm.advance(cAdmin, 45); // the purchase's due date
    await slowPayments(true);
    try {
      const paying = cm.pay(u, accountId, '240.00');
      await paymentInsideItsTransaction();
      const [p] = await Promise.all([paying, cm.advance(cAdmin, 1)]);
      expect(p.payment!.status).toBe('SUCCEEDED');
    } finally {
      await slowPayments(false);
    }
    const acc = await cm.account(u, accountId);
    expect(acc.installmentPlans.map((p) => [p.kind, p.status])).toEqual([['INTEREST_FREE_45', 'PAID_OFF']]);
    expect(acc.outstandingBalance.amount).toBe('0.00');
    expect(acc.availableCredit.amount).toBe('1000.00');
  });

  it('item 4: an installment paid while the job runs is never marked LATE or charged a fee', async () => {
    const u = await signUp(c);
    const { accountId } = await cm.loan(u, '2000.00', 6);
    const first = (await cm.account(u, accountId)).installmentPlans[0]!.installments[0]!;
    const today = (await cm.advance(cAdmin, 1)).today;
    const days = Math.round((Date.parse(first.dueDate) - Date.parse(today)) / 86_400_000) + 2;
    await cm.advance(cAdmin, days); // two days after the due date: late tomorrow
    await slowPayments(true);
    try {
      const paying = cm.pay(u, accountId, first.total.amount);
      await paymentInsideItsTransaction();
      const [p] = await Promise.all([paying, cm.advance(cAdmin, 1)]);
      expect(p.payment!.status).toBe('SUCCEEDED');
      // applied once, to the cent: the scheduled interest, then the principal, no fee
      expect(p.payment!.allocations).toEqual([
        expect.objectContaining({
          installmentNumber: 1,
          fee: { amount: '0.00', currency: 'USD' },
          interest: first.interest,
          principal: first.principal,
        }),
      ]);
    } finally {
      await slowPayments(false);
    }
    const acc = await cm.account(u, accountId);
    expect(acc).toMatchObject({ delinquencyBucket: 'CURRENT', daysPastDue: 0 });
    const inst = acc.installmentPlans[0]!.installments[0]!;
    expect(inst).toMatchObject({ status: 'PAID', fee: { amount: '0.00' }, paid: first.total });
    const tb = await cm.trialBalance(cAdmin);
    expect(tb.totalDebits).toEqual(tb.totalCredits);
    const fees = await sql(
      c.databaseUrl,
      `select 1 from journal_entry where kind = 'LATE_FEE' and credit_account_id = $1`,
      [local(accountId)],
    );
    expect(fees).toHaveLength(0);
  });

  it('item 5: paying everything past due makes the account CURRENT at once', async () => {
    const u = await signUp(c);
    const { accountId } = await cm.loan(u, '2000.00', 6);
    const first = (await cm.account(u, accountId)).installmentPlans[0]!.installments[0]!;
    const today = (await cm.advance(cAdmin, 1)).today;
    await cm.advance(cAdmin, Math.round((Date.parse(first.dueDate) - Date.parse(today)) / 86_400_000) + 5);
    let acc = await cm.account(u, accountId);
    expect(acc).toMatchObject({ delinquencyBucket: 'DPD_1_30', daysPastDue: 5 });
    const late = acc.installmentPlans[0]!.installments[0]!;
    expect(late.status).toBe('LATE');
    const p = await cm.pay(u, accountId, late.total.amount); // principal, interest and the late fee
    expect(p.payment!.status).toBe('SUCCEEDED');
    acc = await cm.account(u, accountId);
    expect(acc).toMatchObject({ delinquencyBucket: 'CURRENT', daysPastDue: 0 });
  });

  it('item 7: an offer the daily job marked EXPIRED answers OFFER_EXPIRED', async () => {
    const u = await signUp(c);
    const app = ok(
      await c.gql(SubmitApplicationDocument, { input: primeLoan() as never }, { token: u.accessToken }),
    ).submitApplication.application!;
    await cm.advance(cAdmin, 31);
    expect(
      ok(await c.gql(ApplicationDocument, { id: app.id }, { token: u.accessToken })).application!.status,
    ).toBe('EXPIRED');
    const accept = ok(
      await c.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer;
    expect(accept.userErrors).toEqual([
      expect.objectContaining({ code: 'OFFER_EXPIRED', field: ['input', 'applicationId'] }),
    ]);
  });
});

describe('item 4: the daily job claims a day with a lease', () => {
  let j: TestServer;
  let jm: ReturnType<typeof moneyClient>;
  beforeAll(async () => {
    j = await startTestServer();
    jm = moneyClient(j);
  });
  afterAll(async () => {
    await j?.close();
  });
  const run = (day: string) => j.app.services.dailyJob.run(j.app.orm.em.fork(), day);
  const dayAfter = (d: string, n: number) =>
    new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

  it('a day whose run crashed (lease lapsed, not finished) is picked up again; one held or finished is not', async () => {
    const u = await signUp(j);
    const { accountId } = await jm.loan(u, '2000.00', 6);
    const due = (await jm.account(u, accountId)).installmentPlans[0]!.installments[0]!.dueDate;
    const day = dayAfter(due, 3);
    await sql(
      j.databaseUrl,
      `insert into daily_job_run (day, started_at, lease_until) values ($1, now() - interval '1 hour', now() + interval '1 hour')`,
      [day],
    );
    expect((await run(day)).ran).toBe(false); // another instance holds it
    await sql(
      j.databaseUrl,
      `update daily_job_run set lease_until = now() - interval '1 minute' where day = $1`,
      [day],
    );
    const picked = await run(day);
    expect(picked).toMatchObject({ ran: true, lateFees: 1 });
    expect((await run(day)).ran).toBe(false); // finished
    const [row] = await sql<{ finished: boolean; attempts: number }>(
      j.databaseUrl,
      'select finished_at is not null as finished, attempts from daily_job_run where day = $1',
      [day],
    );
    expect(row).toEqual({ finished: true, attempts: 2 });
  });

  it('a run stopped by shutdown hands its day back at once, and another instance finishes it', async () => {
    const u = await signUp(j);
    const { accountId } = await jm.loan(u, '2000.00', 6);
    const due = (await jm.account(u, accountId)).installmentPlans[0]!.installments[0]!.dueDate;
    const day = dayAfter(due, 10);
    const other = await startTestServer({ database: j.databaseUrl });
    try {
      const stopping = await startTestServer({ database: j.databaseUrl });
      stopping.app.services.dailyJob.stop(); // as close() does
      await expect(stopping.app.services.dailyJob.run(stopping.app.orm.em.fork(), day)).rejects.toThrow(
        /handed back/,
      );
      await stopping.close();
      const [row] = await sql<{ finished: boolean; free: boolean }>(
        j.databaseUrl,
        'select finished_at is not null as finished, lease_until <= now() as free from daily_job_run where day = $1',
        [day],
      );
      expect(row).toEqual({ finished: false, free: true });
      expect(await other.app.services.dailyJob.run(other.app.orm.em.fork(), day)).toMatchObject({
        ran: true,
      });
    } finally {
      await other.close();
    }
  });

  it('a run that failed part-way is retried, and each effect still happens once', async () => {
    const u = await signUp(j);
    const { accountId } = await jm.loan(u, '2000.00', 6);
    const due = (await jm.account(u, accountId)).installmentPlans[0]!.installments[0]!.dueDate;
    const day = dayAfter(due, 4);
    // This account's day fails once, at its commit, after its late fee was posted in the same
    // transaction (a sequence counts the attempts: it is not rolled back with the failure).
    await sql(
      j.databaseUrl,
      `create sequence test_fail_once;
       create or replace function test_fail_once() returns trigger language plpgsql as $$
       begin
         if nextval('test_fail_once') = 1 then raise exception 'injected failure'; end if;
         return new;
       end $$;
       create trigger test_fail_once before update on credit_account for each row
         when (new.id = '${local(accountId)}' and new.days_past_due > 0) execute function test_fail_once()`,
    );
    try {
      await expect(run(day)).rejects.toThrow(/injected failure/);
      await sql(
        j.databaseUrl,
        `update daily_job_run set lease_until = now() - interval '1 second' where day = $1`,
        [day],
      );
      expect(await run(day)).toMatchObject({ ran: true, lateFees: 1 });
    } finally {
      await sql(
        j.databaseUrl,
        'drop trigger if exists test_fail_once on credit_account; drop sequence if exists test_fail_once',
      );
    }
    const fees = await sql(
      j.databaseUrl,
      `select 1 from journal_entry where kind = 'LATE_FEE' and credit_account_id = $1`,
      [local(accountId)],
    );
    expect(fees).toHaveLength(1);
    const acc = await jm.account(u, accountId);
    expect(acc.daysPastDue).toBeGreaterThan(0);
  });
});
