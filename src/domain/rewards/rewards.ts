import { divRoundHalfUp, type Cents } from '../common/money';

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
/**
 * An installment earns on-time points only when it is at least this much (principal and
 * interest): 50 points ($0.50) then stay within 2% of what was paid on time, so splitting a
 * small purchase into many tiny installments earns nothing.
 */
export const ON_TIME_MIN_INSTALLMENT: Cents = 2500;

export const earnsOnTimePoints = (scheduled: Cents): boolean => scheduled >= ON_TIME_MIN_INSTALLMENT;
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

/** A redemption as far as a clawback is concerned. */
export interface RedeemedPoints {
  id: string;
  points: number;
  /** Cents it was applied for. */
  value: Cents;
  /** Points of it already charged back by earlier refunds. */
  clawedBack: number;
}

/**
 * Points a refund must take back beyond the balance are charged at the value they were
 * redeemed for, latest redemptions first (`redemptions` newest first). Each redemption is
 * charged cumulatively (value × clawed / points, half-up), so clawing it back in pieces adds
 * up to exactly its value. Points not found in any redemption are charged at 1 cent.
 */
export function clawbackCharges(
  uncovered: number,
  redemptions: readonly RedeemedPoints[],
): { takes: { id: string; points: number; value: Cents }[]; value: Cents } {
  let left = uncovered;
  let value = 0;
  const takes: { id: string; points: number; value: Cents }[] = [];
  for (const r of redemptions) {
    if (left <= 0) break;
    const points = Math.min(left, r.points - r.clawedBack);
    if (points <= 0) continue;
    const before = divRoundHalfUp(r.value * r.clawedBack, r.points);
    const after = divRoundHalfUp(r.value * (r.clawedBack + points), r.points);
    takes.push({ id: r.id, points, value: after - before });
    value += after - before;
    left -= points;
  }
  return { takes, value: value + Math.max(0, left) };
}

/** A member's points: what they can redeem, and all they ever earned. */
export interface RewardsSummary {
  balance: number;
  lifetimeEarned: number;
}
