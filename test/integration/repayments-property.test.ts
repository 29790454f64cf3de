import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  AcceptOfferDocument,
  AccountDocument,
  AdvanceSandboxClockDocument,
  MakePaymentDocument,
  PayoffQuoteDocument,
  RequestDisbursementDocument,
  SubmitApplicationDocument,
  TrialBalanceDocument,
} from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { makeAdmin, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Random sequences of payments (partial, exact payoff, over the payoff, failed) and clock
 * advances on a loan. After every step: allocations add up to the successful payments,
 * nothing owed is negative, the API shows the ledger's figures, and the ledger balances.
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
  | { kind: 'partial'; share: number }
  | { kind: 'payoff' }
  | { kind: 'over' }
  | { kind: 'failed' }
  | { kind: 'advance'; days: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('partial' as const),
      share: fc.double({ min: 0.001, max: 0.6, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'payoff' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'over' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'failed' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 45 }) }),
  },
);

it('keeps every cent accounted for through any sequence of payments and days', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
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
      ok(
        await s.gql(
          RequestDisbursementDocument,
          { input: { accountId, idempotencyKey: randomUUID() } },
          { token: u.accessToken },
        ),
      );
      let paid = 0;
      let allocated = 0;
      let closed = false;
      const pay = async (amount: number) =>
        ok(
          await s.gql(
            MakePaymentDocument,
            { input: { accountId, amount: dollars(amount), idempotencyKey: randomUUID() } },
            { token: u.accessToken },
          ),
        ).makePayment;

      for (const o of ops) {
        const quote = cents(
          ok(await s.gql(PayoffQuoteDocument, { accountId }, { token: u.accessToken })).payoffQuote!.amount,
        );
        if (o.kind === 'advance') {
          ok(
            await s.gql(
              AdvanceSandboxClockDocument,
              { input: { days: o.days } },
              { token: admin.accessToken },
            ),
          );
        } else if (closed) {
          continue;
        } else if (o.kind === 'over') {
          expect((await pay(quote + 1)).userErrors[0]!.code).toBe('AMOUNT_EXCEEDS_BALANCE');
        } else if (o.kind === 'failed') {
          const r = await pay(1313);
          if (quote >= 1313) expect(r.payment).toMatchObject({ status: 'FAILED', allocations: [] });
        } else {
          const amount = o.kind === 'payoff' ? quote : Math.max(1, Math.floor(quote * o.share));
          if (amount === 1313) continue; // the simulated gateway's failing amount
          const r = await pay(amount);
          expect(r.userErrors).toEqual([]);
          expect(r.payment!.status).toBe('SUCCEEDED');
          paid += amount;
          allocated += cents(r.payment!.prepayment.amount);
          for (const a of r.payment!.allocations)
            allocated += cents(a.fee.amount) + cents(a.interest.amount) + cents(a.principal.amount);
          if (amount === quote) {
            expect(r.account!.status).toBe('PAID_OFF');
            closed = true;
          }
        }
        expect(allocated).toBe(paid);
        const acc = ok(await s.gql(AccountDocument, { id: accountId }, { token: u.accessToken })).account!;
        if (acc.status !== 'ACTIVE') closed = true; // paid off, or charged off after 120 days unpaid
        const owed = (
          await s.app.services.ledger.receivables(s.app.orm.em.fork(), [fromGlobalId(accountId)!.id])
        ).get(fromGlobalId(accountId)!.id)!;
        expect(owed.principal).toBeGreaterThanOrEqual(0);
        expect(cents(acc.outstandingBalance.amount)).toBe(owed.principal + owed.interest + owed.fees);
        for (const i of acc.installmentPlans[0]!.installments)
          expect(cents(i.principal.amount)).toBeGreaterThanOrEqual(0);
        const tb = ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;
        expect(tb.totalDebits).toEqual(tb.totalCredits);
      }
    }),
    { numRuns: 10 },
  );
}, 240_000);
