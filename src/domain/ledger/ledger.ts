import type { Cents } from '../common/money';

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
  customerPayable: {
    code: 'platform:customer_payable',
    name: 'Owed to customers (money being returned)',
    type: 'LIABILITY',
  },
  listingEscrow: {
    code: 'platform:listing_escrow',
    name: 'Investor commitments to open listings',
    type: 'LIABILITY',
  },
  notesPayable: {
    code: 'platform:notes_payable',
    name: 'Owed to note holders (principal of funded notes)',
    type: 'LIABILITY',
  },
  noteInterestExpense: {
    code: 'platform:note_interest_expense',
    name: 'Interest passed on to note holders',
    type: 'EXPENSE',
  },
  servicingFeeIncome: {
    code: 'platform:servicing_fee_income',
    name: 'Servicing fees on note distributions',
    type: 'INCOME',
  },
  drawsInTransit: {
    code: 'platform:draws_in_transit',
    name: 'Cash draws being paid out',
    type: 'LIABILITY',
  },
  merchantFeeIncome: {
    code: 'platform:merchant_fee_income',
    name: 'Merchant fees (3% of settled sales)',
    type: 'INCOME',
  },
  withdrawalsInTransit: {
    code: 'platform:withdrawals_in_transit',
    name: 'Investor withdrawals being paid out',
    type: 'LIABILITY',
  },
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

/** What a movement takes off an account's receivables, part by part. */
export interface ReceivableParts {
  fee: Cents;
  interest: Cents;
  principal: Cents;
}

const total = (p: ReceivableParts): Cents => p.fee + p.interest + p.principal;

/** The credit lines that lower an account's fees, interest and principal receivable. */
const receivablesDown = (accountId: string, p: ReceivableParts): Line[] => {
  const l = accountLedger(accountId);
  return [
    { code: l.fees, amount: -p.fee },
    { code: l.interest, amount: -p.interest },
    { code: l.principal, amount: -p.principal },
  ];
};

/** A card purchase: the borrower owes it; the platform pays the merchant. */
export const purchasePosting = (accountId: string, amount: Cents) =>
  posting('PURCHASE', 'Card purchase', [
    { code: accountLedger(accountId).principal, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/**
 * A refund of (part of) a purchase: the merchant's money comes back. It first cancels what
 * is still owed of the purchase; what the owner had already paid of it is owed back to them
 * (`returned`) until the gateway pays it out.
 */
export const refundPosting = (accountId: string, parts: { owed: Cents; returned: Cents }) =>
  posting('REFUND', 'Card purchase refund', [
    { code: P.cash.code, amount: parts.owed + parts.returned },
    { code: accountLedger(accountId).principal, amount: -parts.owed },
    { code: P.customerPayable.code, amount: -parts.returned },
  ]);

/** Money received that has nothing left to pay (a payment settling after a refund): owed back. */
export const unappliedPaymentPosting = (amount: Cents) =>
  posting('UNAPPLIED_PAYMENT', 'Payment with nothing left to pay', [
    { code: P.cash.code, amount },
    { code: P.customerPayable.code, amount: -amount },
  ]);

/** The paid part of a refunded purchase, owed back to the customer, applied to what else they owe. */
export const refundCreditPosting = (accountId: string, parts: ReceivableParts) =>
  posting('REFUND_CREDIT', 'Refund applied to the balance', [
    { code: P.customerPayable.code, amount: total(parts) },
    ...receivablesDown(accountId, parts),
  ]);

/** Money owed back to a customer, paid out through the gateway. */
export const returnPayoutPosting = (amount: Cents) =>
  posting('RETURN_PAYOUT', 'Money returned to the customer', [
    { code: P.customerPayable.code, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/**
 * Points a refund had to take back after they were redeemed: the owner owes their redeemed
 * value again (the rewards expense of that redemption is undone). Points never create credit.
 */
export const rewardsClawbackPosting = (accountId: string, value: Cents) =>
  posting('REWARDS_CLAWBACK', 'Redeemed points taken back after a refund', [
    { code: accountLedger(accountId).principal, amount: value },
    { code: P.rewardsExpense.code, amount: -value },
  ]);

/**
 * Points a merchant refund had to take back after they were redeemed: their redeemed value
 * is kept from the money the refund returns to the shopper (the redemption's expense undone).
 */
export const redeemedPointsKeptPosting = (value: Cents) =>
  posting('REWARDS_CLAWBACK', 'Redeemed points kept from a refund', [
    { code: P.customerPayable.code, amount: value },
    { code: P.rewardsExpense.code, amount: -value },
  ]);

/** Points earned (positive) or taken back (negative), valued at 1 cent a point. */
export const rewardsPosting = (points: number) =>
  posting(points >= 0 ? 'REWARDS_EARNED' : 'REWARDS_REVERSED', 'Reward points', [
    { code: P.rewardsExpense.code, amount: points },
    { code: P.rewardsLiability.code, amount: -points },
  ]);

/**
 * A redemption applied to an account like a payment: the liability (1 cent a point) goes
 * down, and what the account owes goes down by the value, part by part as allocated; a
 * travel redemption's extra value is expense.
 */
export const redemptionPosting = (accountId: string, points: number, parts: ReceivableParts) =>
  posting('REWARDS_REDEEMED', 'Reward redemption credit', [
    { code: P.rewardsLiability.code, amount: points },
    { code: P.rewardsExpense.code, amount: total(parts) - points },
    ...receivablesDown(accountId, parts),
  ]);

/** A platform loan paid out to the borrower. */
export const disbursementPosting = (accountId: string, amount: Cents) =>
  posting('DISBURSEMENT', 'Loan disbursement', [
    { code: accountLedger(accountId).principal, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/**
 * A cash draw requested from a credit line: the owner owes it at once (the available credit
 * drops in the same transaction); the money is in transit until the provider pays it out.
 */
export const drawPosting = (accountId: string, amount: Cents) =>
  posting('CASH_DRAW', 'Cash draw from the credit line', [
    { code: accountLedger(accountId).principal, amount },
    { code: P.drawsInTransit.code, amount: -amount },
  ]);

/** A cash draw paid out by the provider. */
export const drawPaidPosting = (amount: Cents) =>
  posting('CASH_DRAW_PAID', 'Cash draw paid out', [
    { code: P.drawsInTransit.code, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/** A cash draw the provider refused: nothing is owed for it. */
export const drawReversedPosting = (accountId: string, amount: Cents) =>
  posting('CASH_DRAW_FAILED', 'Cash draw refused; credit restored', [
    { code: P.drawsInTransit.code, amount },
    { code: accountLedger(accountId).principal, amount: -amount },
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
export const paymentPosting = (accountId: string, parts: ReceivableParts) =>
  posting('PAYMENT', 'Repayment', [
    { code: P.cash.code, amount: total(parts) },
    ...receivablesDown(accountId, parts),
  ]);

/** 1% of the interest in a payment, set aside for charity. */
export const charityPosting = (amount: Cents) =>
  posting('CHARITY', 'Charity set-aside', [
    { code: P.charityExpense.code, amount },
    { code: P.charityReserve.code, amount: -amount },
  ]);

/** Writing off what a charged-off account still owes. */
export const chargeOffPosting = (accountId: string, owed: ReceivableParts) =>
  posting('CHARGE_OFF', 'Charge-off at 120 days past due', [
    { code: P.creditLosses.code, amount: total(owed) },
    ...receivablesDown(accountId, owed),
  ]);

// ---- the marketplace (SPEC section 7). An investor's cash is a liability of the platform:
// a deposit credits it, and it is debited by what they invest or withdraw.

/** The ledger account of one investor's uninvested cash. */
export const investorCashCode = (userId: string) => `investor:${userId}:cash`;

export const investorCashRow = (userId: string): { code: string; name: string; type: LedgerType } => ({
  code: investorCashCode(userId),
  name: `Investor cash, user ${userId}`,
  type: 'LIABILITY',
});

/** Money an investor deposited through the gateway. */
export const investorDepositPosting = (userId: string, amount: Cents) =>
  posting('INVESTOR_DEPOSIT', 'Investor deposit', [
    { code: P.cash.code, amount },
    { code: investorCashCode(userId), amount: -amount },
  ]);

/** A withdrawal requested: the cash leaves the investor's balance at once, in transit until paid. */
export const investorWithdrawalPosting = (userId: string, amount: Cents) =>
  posting('INVESTOR_WITHDRAWAL', 'Investor withdrawal requested', [
    { code: investorCashCode(userId), amount },
    { code: P.withdrawalsInTransit.code, amount: -amount },
  ]);

/** A withdrawal paid out by the gateway. */
export const withdrawalPaidPosting = (amount: Cents) =>
  posting('INVESTOR_WITHDRAWAL_PAID', 'Investor withdrawal paid out', [
    { code: P.withdrawalsInTransit.code, amount },
    { code: P.cash.code, amount: -amount },
  ]);

/** A withdrawal the gateway refused: the money is the investor's cash again. */
export const withdrawalReversedPosting = (userId: string, amount: Cents) =>
  posting('INVESTOR_WITHDRAWAL_FAILED', 'Investor withdrawal refused; cash restored', [
    { code: P.withdrawalsInTransit.code, amount },
    { code: investorCashCode(userId), amount: -amount },
  ]);

/** Cash committed to an open listing (a note). */
export const noteCommitmentPosting = (userId: string, amount: Cents) =>
  posting('NOTE_COMMITMENT', 'Investment in a listing', [
    { code: investorCashCode(userId), amount },
    { code: P.listingEscrow.code, amount: -amount },
  ]);

/** A commitment returned to cash (the listing expired unfunded). */
export const noteCommitmentRefundPosting = (userId: string, amount: Cents) =>
  posting('NOTE_COMMITMENT_REFUND', 'Listing expired; commitment returned', [
    { code: P.listingEscrow.code, amount },
    { code: investorCashCode(userId), amount: -amount },
  ]);

/** A listing fully funded: the commitments become notes the platform owes to their holders. */
export const listingFundedPosting = (amount: Cents) =>
  posting('NOTE_FUNDING', 'Listing funded; notes issued', [
    { code: P.listingEscrow.code, amount },
    { code: P.notesPayable.code, amount: -amount },
  ]);

/** One note holder's part of a borrower payment. */
export interface NoteShare {
  investorId: string;
  principal: Cents;
  interest: Cents;
  fee: Cents;
}

/**
 * A borrower payment passed on to the note holders: the principal lowers what the platform
 * owes them, the interest is passed on (it was the platform's income when due), the
 * servicing fee is kept, and each holder's cash is credited with their net part.
 */
export const distributionPosting = (shares: readonly NoteShare[]) => {
  const byInvestor = new Map<string, number>();
  let principal = 0;
  let interest = 0;
  let fee = 0;
  for (const s of shares) {
    principal += s.principal;
    interest += s.interest;
    fee += s.fee;
    const net = s.principal + s.interest - s.fee;
    byInvestor.set(s.investorId, (byInvestor.get(s.investorId) ?? 0) + net);
  }
  return posting('NOTE_DISTRIBUTION', 'Borrower payment distributed to note holders', [
    { code: P.notesPayable.code, amount: principal },
    { code: P.noteInterestExpense.code, amount: interest },
    { code: P.servicingFeeIncome.code, amount: -fee },
    ...[...byInvestor].map(([investorId, net]) => ({ code: investorCashCode(investorId), amount: -net })),
  ]);
};

/** A charged-off marketplace loan: its note holders bear the unpaid principal, not the platform. */
export const noteChargeOffPosting = (outstanding: Cents) =>
  posting('NOTE_CHARGE_OFF', 'Notes charged off with their loan', [
    { code: P.notesPayable.code, amount: outstanding },
    { code: P.creditLosses.code, amount: -outstanding },
  ]);

// ---- merchants (SPEC section 8). What the platform owes a merchant is a liability of its own:
// credited by each checkout completed, debited by refunds, fees and settlements paid out.

/** The ledger account of what the platform owes one merchant. */
export const merchantPayableCode = (merchantId: string) => `merchant:${merchantId}:payable`;

export const merchantPayableRow = (merchantId: string): { code: string; name: string; type: LedgerType } => ({
  code: merchantPayableCode(merchantId),
  name: `Owed to merchant ${merchantId}`,
  type: 'LIABILITY',
});

/** A checkout confirmed: the shopper owes the amount on their line; the platform owes the merchant. */
export const checkoutPosting = (accountId: string, merchantId: string, amount: Cents) =>
  posting('CHECKOUT', 'Pay-later purchase at a merchant', [
    { code: accountLedger(accountId).principal, amount },
    { code: merchantPayableCode(merchantId), amount: -amount },
  ]);

/**
 * A merchant's refund: the merchant owes it back; it cancels what the shopper still owed of
 * the plan, and the rest (already paid by the shopper) is owed back to them until the gateway
 * returns it.
 */
export const checkoutRefundPosting = (
  accountId: string,
  merchantId: string,
  parts: { cancelled: Cents; returned: Cents },
) =>
  posting('CHECKOUT_REFUND', 'Pay-later purchase refunded by the merchant', [
    { code: merchantPayableCode(merchantId), amount: parts.cancelled + parts.returned },
    { code: accountLedger(accountId).principal, amount: -parts.cancelled },
    { code: P.customerPayable.code, amount: -parts.returned },
  ]);

/** A day's 3% fee, kept from what the merchant is owed (negative: fees given back). */
export const merchantFeePosting = (merchantId: string, fees: Cents) =>
  posting('MERCHANT_FEE', 'Merchant fee (3% of sales net of refunds)', [
    { code: merchantPayableCode(merchantId), amount: fees },
    { code: P.merchantFeeIncome.code, amount: -fees },
  ]);

/** A day's settlement paid out to the merchant (negative: collected from the merchant). */
export const settlementPaidPosting = (merchantId: string, net: Cents) =>
  posting('MERCHANT_SETTLEMENT', 'Merchant settlement paid', [
    { code: merchantPayableCode(merchantId), amount: net },
    { code: P.cash.code, amount: -net },
  ]);
