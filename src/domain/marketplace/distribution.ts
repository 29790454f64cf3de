import { allocateLargestRemainder, percentOfBp, type Cents } from '../common/money';

/**
 * How a borrower's payment on a marketplace loan is passed on to the notes that funded it.
 * Pure: the caller loads the notes (in creation order), applies the result and posts it.
 */

/** The servicing fee the platform keeps from each payment: 1% = 100 basis points. */
export const DEFAULT_SERVICING_FEE_BP = 100;

function assertNonNegativeCents(c: number, what: string): void {
  if (!Number.isSafeInteger(c) || c < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer number of cents, got ${c}`);
  }
}

/**
 * Splits `total` cents across `weights` pro rata by the largest-remainder method. Each part
 * is first floor(total·wᵢ/W), computed exactly on bigints (no floating point); the cents
 * still missing then go one each to the parts with the largest fractional remainders.
 *
 * Tie-break: equal remainders go to the lower index first. Callers pass notes in creation
 * order (oldest note first), so on a tie the earlier note gets the cent, and the same inputs
 * always give the same split.
 *
 * The parts add up exactly to `total`, and each is the floor or the ceiling of its exact
 * share. `total` must be a non-negative integer; `weights` must be non-empty and every weight
 * a positive integer (RangeError otherwise).
 */
export function splitLargestRemainder(total: Cents, weights: readonly number[]): Cents[] {
  assertNonNegativeCents(total, 'total');
  if (weights.length === 0) throw new RangeError('weights must not be empty');
  weights.forEach((w, i) => {
    if (!Number.isSafeInteger(w) || w <= 0) {
      throw new RangeError(`weights[${i}] must be a positive safe integer, got ${w}`);
    }
  });
  // The shared helper implements exactly this rule (bigint floors, largest remainders, lower
  // index on ties); the checks above only narrow its inputs to what a note split allows.
  return allocateLargestRemainder(total, weights);
}

export interface PaymentToDistribute {
  /** The principal part of the borrower's payment. */
  principal: Cents;
  /** The interest part of the borrower's payment. */
  interest: Cents;
  /** Each note's amount (the weights), in note creation order. */
  noteAmounts: readonly Cents[];
  /** Servicing fee in basis points of principal + interest; default 100 (1%). */
  feeBp?: number;
  /** Each note's principal not yet repaid before this payment, same order as `noteAmounts`. */
  principalOutstanding?: readonly Cents[];
}

export interface PaymentDistribution {
  /** Per note, in the order of `noteAmounts`. */
  principal: Cents[];
  interest: Cents[];
  fee: Cents[];
  /** What each note's holder is credited: principalᵢ + interestᵢ − feeᵢ. */
  net: Cents[];
  /** The fee on the whole payment; the `fee` parts add up to it. */
  feeTotal: Cents;
}

/**
 * Splits one borrower payment across the notes of the loan.
 *
 * - The principal part and the interest part are each split pro rata to the note amounts by
 *   `splitLargestRemainder` (ties to the earlier note).
 * - The servicing fee is `feeBp` (default 100 = 1%) of principal + interest of this payment,
 *   rounded half-up to the cent, split across the notes the same way (weights = note amounts)
 *   and deducted: netᵢ = principalᵢ + interestᵢ − feeᵢ.
 *
 * Two exceptions, both only when `principalOutstanding` (each note's principal not yet
 * repaid) is given: the payment of the last principal repays each note exactly its
 * outstanding amount, so every note ends repaid to the cent; and a split by amounts that
 * would repay some note more than it has outstanding (rounding drift over many payments, e.g.
 * notes [2500, 2500] paid 205, 2875, then 1919) is split pro rata to the outstanding amounts
 * instead. Interest and fee are always split pro rata to the note amounts. A principal above
 * the notes' total outstanding is a RangeError.
 *
 * Throws RangeError when an amount is not a non-negative safe integer, a note amount is not
 * positive, there are no notes, `principalOutstanding` has a different length from
 * `noteAmounts`, or `feeBp` is not an integer from 0 to 10,000.
 */
export function distributePayment(input: PaymentToDistribute): PaymentDistribution {
  const { principal, interest, noteAmounts, feeBp = DEFAULT_SERVICING_FEE_BP, principalOutstanding } = input;
  assertNonNegativeCents(principal, 'principal');
  assertNonNegativeCents(interest, 'interest');
  if (noteAmounts.length === 0) throw new RangeError('noteAmounts must not be empty');
  noteAmounts.forEach((a, i) => {
    if (!Number.isSafeInteger(a) || a <= 0) {
      throw new RangeError(`noteAmounts[${i}] must be a positive safe integer number of cents, got ${a}`);
    }
  });
  if (!Number.isSafeInteger(feeBp) || feeBp < 0 || feeBp > 10_000) {
    throw new RangeError(`feeBp must be an integer from 0 to 10000, got ${feeBp}`);
  }
  if (principalOutstanding !== undefined) {
    if (principalOutstanding.length !== noteAmounts.length) {
      throw new RangeError(
        `principalOutstanding has ${principalOutstanding.length} entries for ${noteAmounts.length} notes`,
      );
    }
    principalOutstanding.forEach((o, i) => assertNonNegativeCents(o, `principalOutstanding[${i}]`));
  }
  const gross = principal + interest;
  assertNonNegativeCents(gross, 'principal + interest');

  const principalParts = splitPrincipal(principal, noteAmounts, principalOutstanding);
  const interestParts = splitLargestRemainder(interest, noteAmounts);
  const feeTotal = percentOfBp(gross, feeBp);
  const feeParts = splitLargestRemainder(feeTotal, noteAmounts);
  const net = noteAmounts.map(
    (_, i) => (principalParts[i] as Cents) + (interestParts[i] as Cents) - (feeParts[i] as Cents),
  );
  return { principal: principalParts, interest: interestParts, fee: feeParts, net, feeTotal };
}

/**
 * The principal part: pro rata to the note amounts, except (1) the payment of the last
 * principal, which repays each note exactly what it still has outstanding, and (2) the rare
 * split that would repay a note more than it has outstanding (rounding drift, cent by cent,
 * over many payments), which is split pro rata to what each note has outstanding instead:
 * never more than a note's outstanding, so no note is ever repaid beyond its amount.
 */
function splitPrincipal(
  principal: Cents,
  amounts: readonly Cents[],
  outstanding?: readonly Cents[],
): Cents[] {
  if (!outstanding) return splitLargestRemainder(principal, amounts);
  const left = outstanding.reduce((acc, o) => acc + o, 0);
  if (principal > left) throw new RangeError(`principal ${principal} exceeds the notes' outstanding ${left}`);
  if (principal === left) return [...outstanding];
  const byAmount = splitLargestRemainder(principal, amounts);
  if (byAmount.every((p, i) => p <= outstanding[i]!)) return byAmount;
  const open = outstanding.map((o, i) => ({ o, i })).filter((x) => x.o > 0);
  const parts = splitLargestRemainder(
    principal,
    open.map((x) => x.o),
  );
  const out = outstanding.map(() => 0);
  open.forEach((x, k) => (out[x.i] = parts[k]!));
  return out;
}
