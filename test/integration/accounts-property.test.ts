import fc from 'fast-check';
import { purchasePoints, redemptionValue } from '../../src/domain/rewards/rewards';
import { fromGlobalId } from '../../src/lib/global-id';
import { makeAdmin, openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { cents, dollars, moneyClient, type Category } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Random sequences of purchases, refunds, redemptions, conversions, payments and clock moves
 * on one credit line, through the real API. After every step: points never create credit
 * (what redemptions took off the balance, less what refunds charged back, is never worth more
 * than the points still legitimately earned), available credit stays between zero and the
 * limit, what the API shows equals the ledger, the payoff quote matches the plans, and the
 * trial balance is zero with nothing left owed back to the owner.
 */
let s: TestServer;
let admin: SignedUp;
let m: ReturnType<typeof moneyClient>;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
  m = moneyClient(s);
});
afterAll(async () => {
  await s?.close();
});

const STATE = `query($id: ID!) {
  account(id: $id) {
    availableCredit { amount } outstandingBalance { amount } status
    installmentPlans { kind status installments { dueDate principal { amount } interest { amount } fee { amount } paid { amount } } }
    transactions(first: 100) { edges { node { id kind status amount { amount } refunded { amount } rewardPoints dueDate planId } } }
    payments(first: 100) { edges { node { status source amount { amount } } } }
  }
  me { rewards { balance entries(first: 100) { edges { node { points reason } } } } }
  sandboxClock { today }
}`;
interface State {
  account: {
    status: string;
    availableCredit: { amount: string };
    outstandingBalance: { amount: string };
    installmentPlans: {
      kind: string;
      status: string;
      installments: {
        dueDate: string;
        principal: { amount: string };
        interest: { amount: string };
        fee: { amount: string };
        paid: { amount: string };
      }[];
    }[];
    transactions: {
      edges: {
        node: {
          id: string;
          kind: string;
          status: string;
          amount: { amount: string };
          refunded: { amount: string };
          rewardPoints: number;
          dueDate: string;
          planId: string | null;
        };
      }[];
    };
    payments: { edges: { node: { status: string; source: string; amount: { amount: string } } }[] };
  };
  me: { rewards: { balance: number; entries: { edges: { node: { points: number; reason: string } }[] } } };
  sandboxClock: { today: string };
}

type Op =
  | { kind: 'buy'; amount: number; category: Category }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'redeem'; points: number; travel: boolean }
  | { kind: 'convert'; pick: number; months: number }
  | { kind: 'pay'; share: number; exact: boolean }
  | { kind: 'advance'; days: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('buy' as const),
      amount: fc.integer({ min: 100, max: 40_000 }),
      // mostly 10-point categories, so that redemptions and the refunds that follow them are common
      category: fc.constantFrom<Category>('TRAVEL', 'DINING', 'TRAVEL', 'DINING', 'GROCERY', 'OTHER'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      pick: fc.nat(),
      share: fc.double({ min: 0.05, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('redeem' as const),
      points: fc.oneof(fc.constant(900), fc.integer({ min: 1000, max: 2500 })),
      travel: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('convert' as const),
      pick: fc.nat(),
      months: fc.constantFrom(3, 6, 12),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      share: fc.double({ min: 0.05, max: 1, noNaN: true }),
      exact: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 50 }) }),
  },
);

it('no sequence of legitimate calls creates money, and every figure agrees with the ledger', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 10 }), async (ops) => {
      const u = await signUp(s);
      const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
      const limit = 100_000;
      const state = async () => ok(await s.gql<State>(STATE, { id: accountId }, { token: u.accessToken }));
      const purchases = (st: State) =>
        st.account.transactions.edges.map((e) => e.node).filter((t) => t.kind === 'PURCHASE');

      for (const o of ops) {
        const before = await state();
        const available = cents(before.account.availableCredit.amount);
        const payoff = cents(await m.payoff(u, accountId));
        if (o.kind === 'buy') {
          const r = await m.buy(u, cardId, dollars(o.amount), o.category);
          expect(r.transaction!.status).toBe(available >= o.amount ? 'APPROVED' : 'DECLINED');
          if (r.transaction!.status === 'APPROVED')
            expect(r.transaction!.rewardPoints).toBe(purchasePoints(o.amount, o.category));
        } else if (o.kind === 'refund') {
          const list = purchases(before).filter((t) => t.status === 'APPROVED');
          if (!list.length) continue;
          const t = list[o.pick % list.length]!;
          const left = cents(t.amount.amount) - cents(t.refunded.amount);
          const r = await m.refund(u, t.id, dollars(Math.max(1, Math.round(left * o.share))));
          if (t.planId) expect(r.userErrors[0]!.code).toBe('INVALID_STATE');
          else expect(r.userErrors).toEqual([]);
        } else if (o.kind === 'redeem') {
          const kind = o.travel ? 'TRAVEL' : 'STATEMENT_CREDIT';
          const value = redemptionValue(o.points, kind);
          const r = await m.redeem(u, accountId, o.points, kind);
          const expected =
            o.points < 1000
              ? 'INVALID_INPUT'
              : o.points > before.me.rewards.balance
                ? 'INSUFFICIENT_POINTS'
                : value > payoff
                  ? 'AMOUNT_EXCEEDS_BALANCE'
                  : null;
          expect(r.userErrors.map((e) => e.code)).toEqual(expected ? [expected] : []);
        } else if (o.kind === 'convert') {
          const list = purchases(before);
          if (!list.length) continue;
          const t = list[o.pick % list.length]!;
          const r = await m.convert(u, t.id, o.months);
          if (r.userErrors.length) expect(r.userErrors[0]!.code).toBe('INVALID_STATE');
          else expect(cents(r.plan!.principal.amount)).toBeGreaterThan(0);
        } else if (o.kind === 'pay') {
          if (payoff === 0) continue;
          const amount = o.exact ? payoff : Math.max(1, Math.round(payoff * o.share));
          if (amount === 1313 || amount === 1414) continue; // the simulated gateway's fault amounts
          const r = await m.pay(u, accountId, dollars(amount));
          expect(r.userErrors).toEqual([]);
          expect(r.payment!.status).toBe('SUCCEEDED');
        } else {
          await m.advance(admin, o.days);
        }

        const after = await state();
        const acc = after.account;
        const availableNow = cents(acc.availableCredit.amount);
        // available credit never below zero nor above the limit
        expect(availableNow).toBeGreaterThanOrEqual(0);
        expect(availableNow).toBeLessThanOrEqual(limit);
        // the API equals the ledger: available = limit − principal receivable; outstanding = receivables
        const id = fromGlobalId(accountId)!.id;
        const ledger = (await s.app.services.ledger.receivables(s.app.orm.em.fork(), [id])).get(id)!;
        if (acc.status === 'ACTIVE') expect(availableNow).toBe(limit - ledger.principal);
        expect(cents(acc.outstandingBalance.amount)).toBe(ledger.principal + ledger.interest + ledger.fees);
        // the plans owe exactly the principal the ledger carries, and the payoff quote is read off them
        const active = acc.installmentPlans.filter((p) => p.status === 'ACTIVE');
        const unpaidOf = (i: State['account']['installmentPlans'][number]['installments'][number]) =>
          cents(i.principal.amount) + cents(i.interest.amount) + cents(i.fee.amount) - cents(i.paid.amount);
        // payments go to fee, then interest, then principal: what is unpaid of the principal
        const unpaidPrincipal = active
          .flatMap((p) => p.installments)
          .reduce((sum, i) => sum + Math.min(unpaidOf(i), cents(i.principal.amount)), 0);
        const today = after.sandboxClock.today;
        const quote = active
          .flatMap((p) => p.installments)
          .reduce(
            (sum, i) =>
              sum + (i.dueDate <= today ? unpaidOf(i) : Math.min(unpaidOf(i), cents(i.principal.amount))),
            0,
          );
        expect(cents(await m.payoff(u, accountId))).toBe(quote);
        if (acc.status === 'ACTIVE') expect(unpaidPrincipal).toBe(ledger.principal);
        // points never create credit: value taken off by redemptions, less what refunds charged
        // back, is covered by points still earned (purchase points net of refunds, on-time points)
        const rewards = after.me.rewards;
        expect(rewards.balance).toBeGreaterThanOrEqual(0);
        const redeemedValue = acc.payments.edges
          .filter((e) => e.node.source === 'REWARDS')
          .reduce((sum, e) => sum + cents(e.node.amount.amount), 0);
        const clawedBack = acc.transactions.edges
          .filter((e) => e.node.kind === 'REWARDS_CLAWBACK')
          .reduce((sum, e) => sum + cents(e.node.amount.amount), 0);
        const netPurchasePoints = purchases(after).reduce((sum, t) => sum + t.rewardPoints, 0);
        const onTimePoints = rewards.entries.edges
          .filter((e) => e.node.reason === 'ON_TIME_INSTALLMENT')
          .reduce((sum, e) => sum + e.node.points, 0);
        const spendable = netPurchasePoints + onTimePoints - rewards.balance;
        expect(redeemedValue - clawedBack).toBeLessThanOrEqual(Math.round((spendable * 125) / 100));
        const tb = await m.trialBalance(admin);
        expect(tb.totalDebits).toEqual(tb.totalCredits);
        const payable = tb.accounts.find((a) => a.code === 'platform:customer_payable');
        expect(payable?.balance.amount ?? '0.00').toBe('0.00');
      }
    }),
    {
      numRuns: 20,
      // Report a failing sequence as it is, rather than shrinking it through dozens of
      // re-runs until the test's time runs out (one CI run ended in a bare timeout that way,
      // with no sequence to look at); a run stuck for a minute fails with its sequence too.
      endOnFailure: true,
      timeout: 60_000,
      examples: [
        // the case: buy, redeem the points, refund (and again)
        [
          [
            { kind: 'buy', amount: 40_000, category: 'TRAVEL' },
            { kind: 'redeem', points: 4000, travel: true },
            { kind: 'refund', pick: 0, share: 1 },
            { kind: 'buy', amount: 20_000, category: 'DINING' },
            { kind: 'pay', share: 0.5, exact: false },
            { kind: 'redeem', points: 2000, travel: false },
            { kind: 'refund', pick: 1, share: 1 },
          ],
        ],
        // a partly paid purchase converted, the clock moving through its due dates, then paid off
        [
          [
            { kind: 'buy', amount: 30_000, category: 'OTHER' },
            { kind: 'pay', share: 0.4, exact: false },
            { kind: 'convert', pick: 0, months: 3 },
            { kind: 'advance', days: 40 },
            { kind: 'pay', share: 0.3, exact: false },
            { kind: 'advance', days: 35 },
            { kind: 'pay', share: 1, exact: true },
          ],
        ],
      ],
    },
  );
}, 240_000);
