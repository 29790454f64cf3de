import { divRoundHalfUp, type Cents } from './money';

/** Points per whole dollar, by merchant category (SPEC section 6). */
export const POINTS_PER_DOLLAR: Readonly<Record<string, number>> = {
  TRAVEL: 10,
  DINING: 10,
  GROCERY: 1,
  SHOPPING: 1,
  OTHER: 1,
};
export const MIN_REDEMPTION_POINTS = 1000;
export const ON_TIME_INSTALLMENT_POINTS = 50;
/** Value of a point in hundredths of a cent: statement credit 1 cent, travel 1.25 cents. */
const VALUE_PER_POINT_HUNDREDTHS = { STATEMENT_CREDIT: 100, TRAVEL: 125 } as const;

/** Points for an approved purchase: whole dollars (rounded down) times the category rate. */
export const purchasePoints = (amount: Cents, category: string): number =>
  Math.floor(amount / 100) * (POINTS_PER_DOLLAR[category] ?? 1);

/**
 * Points to take back after refunds: in proportion to what has been refunded so far,
 * rounded half-up, minus what earlier refunds already took back.
 */
export function pointsToReverse(
  earned: number,
  amount: Cents,
  refundedTotal: Cents,
  alreadyReversed: number,
): number {
  const target = refundedTotal >= amount ? earned : divRoundHalfUp(earned * refundedTotal, amount);
  return Math.max(0, target - alreadyReversed);
}

/** Cents a redemption credits, half-up. */
export const redemptionValue = (points: number, kind: keyof typeof VALUE_PER_POINT_HUNDREDTHS): Cents =>
  divRoundHalfUp(points * VALUE_PER_POINT_HUNDREDTHS[kind], 100);
