import { formatMoney, type Cents } from '../common/money';

/*
 * Erasing a person (SPEC section 2, `deleteMyAccount`): what their personal data becomes, and
 * why an account cannot be deleted yet. Financial records stay and keep pointing at the user
 * id, which from then on is an opaque subject id with no personal data behind it.
 */

/**
 * The email of an erased user: unique per user (the column stays unique, so the person's
 * address is free to sign up again) and undeliverable (`.invalid`, RFC 2606).
 */
export const erasedEmail = (userId: string): string => `deleted-${userId}@deleted.invalid`;

/** The name of an erased user, and of an erased user's merchant profile. */
export const ERASED_NAME = 'Deleted user';
export const ERASED_BUSINESS_NAME = 'Deleted merchant';
/** What replaces an erased merchant's name in its shoppers' notifications ("A merchant $50.00 …"). */
export const ERASED_MERCHANT_MENTION = 'A merchant';
/** Stands in wherever an erased person's name or email was quoted in someone else's free text. */
export const ERASED_MENTION = '[erased]';
/** The stored password hash of an erased user: not a hash at all, so no password ever matches it. */
export const UNUSABLE_PASSWORD_HASH = '!erased';
/** `credit_application.date_of_birth` is NOT NULL: erased, it holds this neutral date. */
export const NEUTRAL_DATE_OF_BIRTH = '1900-01-01';

/**
 * Which fields an erasure clears, for the `user.delete` audit entry (names only, never values).
 * `notification` and `idempotency_key` rows are removed whole; outbox events addressed only to
 * the user too.
 */
export const ERASED_FIELDS = [
  'app_user.email',
  'app_user.name',
  'app_user.password_hash',
  'credit_application.purpose',
  'credit_application.review_note',
  'credit_application.date_of_birth',
  'credit_application.on_time_rent_months',
  'credit_application.on_time_utility_months',
  'credit_application.bank_account_age_months',
  'credit_application.overdrafts_last90days',
  'notification (removed)',
  'idempotency_key (removed)',
  'outbox_event addressed only to the user (removed)',
] as const;

export const ERASED_MERCHANT_FIELDS = [
  'merchant.business_name',
  'merchant.website',
  'merchant.settlement_account_ref',
  'merchant.suspended_reason',
  'api_key.name',
  'webhook_endpoint (removed, with its deliveries and attempts)',
  "the business name in its shoppers' notifications",
] as const;

/** Something owed or held that keeps an account from being deleted. */
export type DeletionBlocker =
  /** A credit account's receivables (principal, interest, fees) are not zero: owed (> 0) or a credit (< 0). */
  | { kind: 'BALANCE'; accountKind: string; last4: string | null; amount: Cents }
  /** A loan accepted but not yet funded or paid out. */
  | { kind: 'LOAN_IN_PROGRESS'; status: string }
  /** A charged-off account: the debt is written off the books but still owed. */
  | { kind: 'CHARGED_OFF' }
  /** A payment the gateway has not answered yet. */
  | { kind: 'PAYMENT_PENDING'; amount: Cents }
  /** A disbursement, cash draw or return of money not paid out yet. */
  | { kind: 'PAYOUT_PENDING'; amount: Cents }
  /** An investor's uninvested cash. */
  | { kind: 'INVESTOR_CASH'; amount: Cents }
  /** Notes still being repaid (or committed to an open listing). */
  | { kind: 'ACTIVE_NOTES'; count: number }
  /** An investor deposit or withdrawal the gateway has not answered yet. */
  | { kind: 'CASH_MOVEMENT_PENDING'; amount: Cents }
  /** Sales, refunds or fees not settled yet (what the platform owes the merchant, or the reverse). */
  | { kind: 'MERCHANT_UNSETTLED'; amount: Cents }
  /** A settlement created but not paid out yet. */
  | { kind: 'SETTLEMENT_PENDING'; amount: Cents };

const accountName = (b: { accountKind: string; last4: string | null }): string =>
  b.accountKind === 'CREDIT_LINE'
    ? `Your credit line${b.last4 ? ` (card ending ${b.last4})` : ''}`
    : 'Your loan';

/** What the person is told, in plain words, with what to do about it. */
export function blockerMessage(b: DeletionBlocker): string {
  switch (b.kind) {
    case 'BALANCE':
      return b.amount > 0
        ? `${accountName(b)} has ${formatMoney(b.amount)} outstanding. Pay it off before deleting your account.`
        : `${accountName(b)} holds a credit of ${formatMoney(-b.amount)} for you. Contact support to have it returned before deleting your account.`;
    case 'LOAN_IN_PROGRESS':
      return 'A loan of yours is still being funded or paid out. Wait until it is settled, or contact support.';
    case 'CHARGED_OFF':
      return 'An account of yours was charged off and its debt is still owed. Contact support.';
    case 'PAYMENT_PENDING':
      return `A payment of ${formatMoney(b.amount)} is still being processed. Try again once it has settled.`;
    case 'PAYOUT_PENDING':
      return `A payout of ${formatMoney(b.amount)} to you is still being processed. Try again once it has settled.`;
    case 'INVESTOR_CASH':
      return `You hold ${formatMoney(b.amount)} of investor cash. Withdraw it before deleting your account.`;
    case 'ACTIVE_NOTES':
      return `You hold ${b.count} active note${b.count === 1 ? '' : 's'} still being repaid. They must be paid off first.`;
    case 'CASH_MOVEMENT_PENDING':
      return `An investor deposit or withdrawal of ${formatMoney(b.amount)} is still being processed. Try again once it has settled.`;
    case 'MERCHANT_UNSETTLED':
      return `Your merchant sales are not settled yet (${formatMoney(Math.abs(b.amount))} ${b.amount > 0 ? 'owed to you' : 'owed by you'}). Try again after the next daily settlement.`;
    case 'SETTLEMENT_PENDING':
      return `A settlement of ${formatMoney(b.amount)} is still being paid out. Try again once it is paid.`;
  }
}
