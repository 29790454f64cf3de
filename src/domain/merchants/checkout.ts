import { percentOfBp, type Cents } from '../common/money';

/** A checkout's amount: $50.00 to $2,000.00 (SPEC section 8). */
export const CHECKOUT_MIN: Cents = 5_000;
export const CHECKOUT_MAX: Cents = 200_000;
/** A checkout stays OPEN for one hour of business time. */
export const CHECKOUT_OPEN_MS = 60 * 60_000;
/** The platform keeps 3% of each day's sales, net of refunds. */
export const MERCHANT_FEE_BP = 300;
/** Autopay tries an installment on its due date and on each of the next two days. */
export const AUTOPAY_ATTEMPTS = 3;

/** The months of a monthly checkout plan; null for pay-in-4. */
export function planMonths(plan: string): number | null {
  return plan === 'MONTHLY_6' ? 6 : plan === 'MONTHLY_12' ? 12 : null;
}

/** One business day of a merchant: fees are 3% of (gross − refunds), half-up; net is what is left. */
export function settlementFigures(gross: Cents, refunds: Cents): { fees: Cents; net: Cents } {
  const fees = percentOfBp(gross - refunds, MERCHANT_FEE_BP);
  return { fees, net: gross - refunds - fees };
}

/** What is left to pay of an installment's principal. */
export interface PrincipalLeft {
  principal: Cents;
  paidPrincipal: Cents;
}

/**
 * A refund shrinks the plan from the last installment backwards (SPEC section 8): each
 * installment's unpaid principal is cancelled, last first, until the refund is used up.
 * Returns the cut of each installment (same order as given) and what is left of the refund
 * after every unpaid principal is gone: money the shopper already paid, to return to them.
 */
export function shrinkFromLast(
  installments: readonly PrincipalLeft[],
  amount: Cents,
): { cuts: Cents[]; excess: Cents } {
  const cuts = installments.map(() => 0);
  let left = amount;
  for (let k = installments.length - 1; k >= 0 && left > 0; k--) {
    const i = installments[k]!;
    const cut = Math.min(left, Math.max(0, i.principal - i.paidPrincipal));
    cuts[k] = cut;
    left -= cut;
  }
  return { cuts, excess: left };
}

/** How long a webhook keeps being retried after it was first owed. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 60 * 60_000;
const WEBHOOK_MAX_DELAY_MS = 60 * 60_000;

/**
 * The wait before attempt `attempt + 1` after `attempt` failed ones: `baseMs` doubled each
 * time, at most an hour, times a jitter in [0.5, 1.5) (`random` in [0, 1)) so that receivers
 * coming back are not hit by every sender at once.
 */
export function webhookRetryDelayMs(attempt: number, baseMs: number, random: number): number {
  const exp = Math.min(WEBHOOK_MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random));
}
