import type { Cents } from './money';

/**
 * The chart of accounts and the postings of every money movement (SPEC section 9).
 * Amounts are cents, debit positive and credit negative; an entry's lines sum to zero.
 */
export type LedgerType = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'INCOME' | 'EXPENSE';

export const PLATFORM_ACCOUNTS = {
  cash: { code: 'platform:cash', name: 'Platform cash', type: 'ASSET' },
  funding: { code: 'platform:funding', name: 'Platform funding (capital)', type: 'EQUITY' },
  interestIncome: { code: 'platform:interest_income', name: 'Interest income', type: 'INCOME' },
  feeIncome: { code: 'platform:fee_income', name: 'Fee income', type: 'INCOME' },
  rewardsLiability: {
    code: 'platform:rewards_liability',
    name: 'Rewards liability (points at 1 cent)',
    type: 'LIABILITY',
  },
  rewardsExpense: { code: 'platform:rewards_expense', name: 'Rewards expense', type: 'EXPENSE' },
  charityReserve: { code: 'platform:charity_reserve', name: 'Charity reserve', type: 'LIABILITY' },
  charityExpense: { code: 'platform:charity_expense', name: 'Charity set-aside expense', type: 'EXPENSE' },
  creditLosses: { code: 'platform:credit_losses', name: 'Credit losses (charge-offs)', type: 'EXPENSE' },
} as const satisfies Record<string, { code: string; name: string; type: LedgerType }>;

/** The ledger accounts of one credit account. */
export const accountLedger = (accountId: string) => ({
  principal: `account:${accountId}:principal`,
  interest: `account:${accountId}:interest`,
  fees: `account:${accountId}:fees`,
});

export function accountLedgerRows(accountId: string): { code: string; name: string; type: LedgerType }[] {
  const l = accountLedger(accountId);
  return [
    { code: l.principal, name: `Principal receivable, account ${accountId}`, type: 'ASSET' },
    { code: l.interest, name: `Interest receivable, account ${accountId}`, type: 'ASSET' },
    { code: l.fees, name: `Fees receivable, account ${accountId}`, type: 'ASSET' },
  ];
}

export interface Line {
  code: string;
  amount: Cents;
}

export interface Posting {
  kind: string;
  memo: string;
  lines: Line[];
}

/** A posting, checked here as the database checks it again at commit. */
export function posting(kind: string, memo: string, lines: Line[]): Posting {
  const kept = lines.filter((l) => l.amount !== 0);
  if (kept.some((l) => !Number.isSafeInteger(l.amount)))
    throw new RangeError(`${kind}: amounts must be integer cents`);
  const sum = kept.reduce((s, l) => s + l.amount, 0);
  if (sum !== 0) throw new RangeError(`${kind}: unbalanced by ${sum} cents`);
  return { kind, memo, lines: kept };
}

const P = PLATFORM_ACCOUNTS;

/** A card purchase: the borrower owes it; the platform pays the merchant. */
export const purchasePosting = (accountId: string, amount: Cents) =>
  posting('PURCHASE', 'Card purchase', [
    { code: accountLedger(accountId).principal, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/** A refund of (part of) a purchase: the reverse of the purchase. */
export const refundPosting = (accountId: string, amount: Cents) =>
  posting('REFUND', 'Card purchase refund', [
    { code: P.cash.code, amount },
    { code: accountLedger(accountId).principal, amount: -amount },
  ]);

/** Points earned (positive) or taken back (negative), valued at 1 cent a point. */
export const rewardsPosting = (points: number) =>
  posting(points >= 0 ? 'REWARDS_EARNED' : 'REWARDS_REVERSED', 'Reward points', [
    { code: P.rewardsExpense.code, amount: points },
    { code: P.rewardsLiability.code, amount: -points },
  ]);

/**
 * A redemption credited to an account: the liability (1 cent a point) goes down, the
 * account's balance goes down by the value; a travel redemption's extra value is expense.
 */
export const redemptionPosting = (accountId: string, points: number, value: Cents) =>
  posting('REWARDS_REDEEMED', 'Reward redemption credit', [
    { code: P.rewardsLiability.code, amount: points },
    { code: P.rewardsExpense.code, amount: value - points },
    { code: accountLedger(accountId).principal, amount: -value },
  ]);

/** A platform loan paid out to the borrower. */
export const disbursementPosting = (accountId: string, amount: Cents) =>
  posting('DISBURSEMENT', 'Loan disbursement', [
    { code: accountLedger(accountId).principal, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/** Scheduled interest becomes income when its installment is due (or is paid early). */
export const interestPosting = (accountId: string, amount: Cents) =>
  posting('INTEREST', 'Scheduled interest', [
    { code: accountLedger(accountId).interest, amount },
    { code: P.interestIncome.code, amount: -amount },
  ]);

export const lateFeePosting = (accountId: string, amount: Cents) =>
  posting('LATE_FEE', 'Late fee', [
    { code: accountLedger(accountId).fees, amount },
    { code: P.feeIncome.code, amount: -amount },
  ]);

/** A repayment: cash in, receivables down, part by part. */
export const paymentPosting = (
  accountId: string,
  parts: { fee: Cents; interest: Cents; principal: Cents },
) => {
  const l = accountLedger(accountId);
  return posting('PAYMENT', 'Repayment', [
    { code: P.cash.code, amount: parts.fee + parts.interest + parts.principal },
    { code: l.fees, amount: -parts.fee },
    { code: l.interest, amount: -parts.interest },
    { code: l.principal, amount: -parts.principal },
  ]);
};

/** 1% of the interest in a payment, set aside for charity. */
export const charityPosting = (amount: Cents) =>
  posting('CHARITY', 'Charity set-aside', [
    { code: P.charityExpense.code, amount },
    { code: P.charityReserve.code, amount: -amount },
  ]);

/** Writing off what a charged-off account still owes. */
export const chargeOffPosting = (
  accountId: string,
  owed: { fee: Cents; interest: Cents; principal: Cents },
) => {
  const l = accountLedger(accountId);
  return posting('CHARGE_OFF', 'Charge-off at 120 days past due', [
    { code: P.creditLosses.code, amount: owed.fee + owed.interest + owed.principal },
    { code: l.fees, amount: -owed.fee },
    { code: l.interest, amount: -owed.interest },
    { code: l.principal, amount: -owed.principal },
  ]);
};
