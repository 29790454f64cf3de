import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  AccountDocument,
  AdvanceSandboxClockDocument,
  AuthorizeCardTransactionDocument,
  ConvertToInstallmentsDocument,
  MakePaymentDocument,
  MyRewardsDocument,
  PayoffQuoteDocument,
  RedeemRewardsDocument,
  RefundCardTransactionDocument,
  RequestDisbursementDocument,
  SubmitApplicationDocument,
  AcceptOfferDocument,
  TrialBalanceDocument,
} from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { CreditAccount } from '../../src/entities';
import { primeLoan, type SignedUp } from './fixtures';
import { ok, type TestServer } from './server';

/** Builders and readers for money tests: every call goes through the API as a client's would. */
export const cents = (d: string): number => Math.round(Number(d) * 100);
export const dollars = (c: number): string => (c / 100).toFixed(2);

export type Category = 'TRAVEL' | 'DINING' | 'GROCERY' | 'SHOPPING' | 'OTHER';

export function moneyClient(s: TestServer) {
  const buy = async (u: SignedUp, cardId: string, amount: string, category: Category = 'OTHER') =>
    ok(
      await s.gql(
        AuthorizeCardTransactionDocument,
        { input: { cardId, amount, merchantName: 'Shop', category, idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).authorizeCardTransaction;
  const refund = async (u: SignedUp, transactionId: string, amount: string, key = randomUUID()) =>
    ok(
      await s.gql(
        RefundCardTransactionDocument,
        { input: { transactionId, amount, idempotencyKey: key } },
        { token: u.accessToken },
      ),
    ).refundCardTransaction;
  const redeem = async (
    u: SignedUp,
    accountId: string,
    points: number,
    kind: 'TRAVEL' | 'STATEMENT_CREDIT',
    key = randomUUID(),
  ) =>
    ok(
      await s.gql(
        RedeemRewardsDocument,
        { input: { accountId, points, kind, idempotencyKey: key } },
        { token: u.accessToken },
      ),
    ).redeemRewards;
  const pay = async (u: SignedUp, accountId: string, amount: string, key = randomUUID()) =>
    ok(
      await s.gql(
        MakePaymentDocument,
        { input: { accountId, amount, idempotencyKey: key } },
        { token: u.accessToken },
      ),
    ).makePayment;
  const convert = async (u: SignedUp, transactionId: string, months: number) =>
    ok(
      await s.gql(
        ConvertToInstallmentsDocument,
        { input: { transactionId, months } },
        { token: u.accessToken },
      ),
    ).convertToInstallments;
  const account = async (u: SignedUp, id: string) =>
    ok(await s.gql(AccountDocument, { id }, { token: u.accessToken })).account!;
  const payoff = async (u: SignedUp, accountId: string) =>
    ok(await s.gql(PayoffQuoteDocument, { accountId }, { token: u.accessToken })).payoffQuote!.amount;
  const points = async (u: SignedUp) =>
    ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards.balance;
  const advance = async (admin: SignedUp, days: number) => {
    const r = ok(
      await s.gql(AdvanceSandboxClockDocument, { input: { days } }, { token: admin.accessToken }),
    ).advanceSandboxClock;
    if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
    return r.clock!;
  };
  const trialBalance = async (admin: SignedUp) =>
    ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;
  /** A disbursed platform loan (prime applicant: 7.99%, unless `overrides` change the application). */
  const loan = async (
    u: SignedUp,
    amount = '2000.00',
    termMonths = 6,
    overrides: Record<string, unknown> = {},
  ) => {
    const app = ok(
      await s.gql(
        SubmitApplicationDocument,
        { input: primeLoan({ amount, termMonths, ...overrides }) as never },
        { token: u.accessToken },
      ),
    ).submitApplication.application!;
    const accepted = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer;
    if (accepted.userErrors.length) throw new Error(`${app.status}: ${JSON.stringify(accepted.userErrors)}`);
    const accountId = accepted.account!.id;
    const d = ok(
      await s.gql(
        RequestDisbursementDocument,
        { input: { accountId, idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).requestDisbursement;
    if (d.userErrors.length) throw new Error(JSON.stringify(d.userErrors));
    return { accountId, applicationId: app.id, applicationStatus: app.status, disbursement: d };
  };
  return { buy, refund, redeem, pay, convert, account, payoff, points, advance, trialBalance, loan };
}

/** Runs SQL on a test server's database (to read the simulated provider's records, or inject a fault). */
export async function sql<T = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * A credit account agrees with the ledger (available credit is the limit less the principal
 * receivable) and the books balance (the trial balance nets to zero).
 */
export async function expectReconciled(
  s: TestServer,
  admin: SignedUp,
  accountGlobalId: string,
): Promise<void> {
  const id = fromGlobalId(accountGlobalId)!.id;
  const em = s.app.orm.em.fork();
  const a = await em.findOneOrFail(CreditAccount, { id });
  const receivable = await s.app.services.ledger.balance(em, `account:${id}:principal`);
  expect(Number(a.availableCredit)).toBe(Number(a.creditLimit) - receivable);
  const tb = await moneyClient(s).trialBalance(admin);
  expect(tb.totalDebits).toEqual(tb.totalCredits);
  expect(tb.accounts.reduce((sum, acc) => sum + cents(acc.balance.amount), 0)).toBe(0);
}
