import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  AccountDocument,
  AuthorizeCardTransactionDocument,
  MyRewardsDocument,
  RedeemRewardsDocument,
  RefundCardTransactionDocument,
  TrialBalanceDocument,
} from '../generated/contract';
import { pointsToReverse, purchasePoints, redemptionValue } from '../../src/domain/rewards';
import { makeAdmin, openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Random sequences of purchases, refunds and redemptions against the real API, checked
 * after every step against a model: available credit = limit − what is owed, never
 * negative; points = earned − reversed − redeemed, never negative; the ledger balances.
 */
let s: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
});
afterAll(async () => {
  await s?.close();
});

const cents = (d: string) => Math.round(Number(d) * 100);
const dollars = (c: number) => (c / 100).toFixed(2);

type Op =
  | { kind: 'buy'; amount: number; category: 'TRAVEL' | 'DINING' | 'GROCERY' | 'OTHER' }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'redeem'; points: number; travel: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('buy' as const),
    amount: fc.integer({ min: 1, max: 40_000 }),
    category: fc.constantFrom('TRAVEL', 'DINING', 'GROCERY', 'OTHER') as fc.Arbitrary<'TRAVEL'>,
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    pick: fc.nat(),
    share: fc.double({ min: 0.01, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('redeem' as const),
    points: fc.integer({ min: 900, max: 3000 }),
    travel: fc.boolean(),
  }),
);

it('keeps credit, points and the ledger consistent through any sequence', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
      const u = await signUp(s);
      const { accountId, cardId } = await openCreditLine(s, u, '1000.00');
      const limit = 100_000;
      const model = {
        owed: 0,
        points: 0,
        purchases: [] as { id: string; amount: number; refunded: number; earned: number; reversed: number }[],
      };

      for (const o of ops) {
        if (o.kind === 'buy') {
          const r = ok(
            await s.gql(
              AuthorizeCardTransactionDocument,
              {
                input: {
                  cardId,
                  amount: dollars(o.amount),
                  merchantName: 'M',
                  category: o.category,
                  idempotencyKey: randomUUID(),
                },
              },
              { token: u.accessToken },
            ),
          ).authorizeCardTransaction;
          const fits = limit - model.owed >= o.amount;
          expect(r.transaction!.status).toBe(fits ? 'APPROVED' : 'DECLINED');
          if (fits) {
            const earned = purchasePoints(o.amount, o.category);
            model.owed += o.amount;
            model.points += earned;
            model.purchases.push({
              id: r.transaction!.id,
              amount: o.amount,
              refunded: 0,
              earned,
              reversed: 0,
            });
          }
        } else if (o.kind === 'refund' && model.purchases.length) {
          const p = model.purchases[o.pick % model.purchases.length]!;
          const left = p.amount - p.refunded;
          const amount = Math.max(1, Math.min(left, Math.round(left * o.share)));
          const r = ok(
            await s.gql(
              RefundCardTransactionDocument,
              { input: { transactionId: p.id, amount: dollars(amount), idempotencyKey: randomUUID() } },
              { token: u.accessToken },
            ),
          ).refundCardTransaction;
          if (left === 0) {
            expect(r.userErrors[0]!.code).toBe('INVALID_STATE');
          } else {
            expect(r.userErrors).toEqual([]);
            p.refunded += amount;
            model.owed -= amount;
            const take = Math.min(pointsToReverse(p.earned, p.amount, p.refunded, p.reversed), model.points);
            p.reversed += take;
            model.points -= take;
          }
        } else if (o.kind === 'redeem') {
          const kind = o.travel ? 'TRAVEL' : 'STATEMENT_CREDIT';
          const r = ok(
            await s.gql(
              RedeemRewardsDocument,
              { input: { accountId, points: o.points, kind, idempotencyKey: randomUUID() } },
              { token: u.accessToken },
            ),
          ).redeemRewards;
          if (o.points < 1000) expect(r.userErrors[0]!.code).toBe('INVALID_INPUT');
          else if (o.points > model.points) expect(r.userErrors[0]!.code).toBe('INSUFFICIENT_POINTS');
          else {
            expect(r.userErrors).toEqual([]);
            model.points -= o.points;
            model.owed -= redemptionValue(o.points, kind);
          }
        }

        const acc = ok(await s.gql(AccountDocument, { id: accountId }, { token: u.accessToken })).account!;
        expect(cents(acc.availableCredit.amount)).toBe(limit - model.owed);
        expect(cents(acc.availableCredit.amount)).toBeGreaterThanOrEqual(0);
        expect(cents(acc.outstandingBalance.amount)).toBe(model.owed);
        const rewards = ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards;
        expect(rewards.balance).toBe(model.points);
        expect(rewards.balance).toBeGreaterThanOrEqual(0);
        const tb = ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;
        expect(tb.totalDebits).toEqual(tb.totalCredits);
      }
    }),
    { numRuns: 12 },
  );
}, 120_000);
