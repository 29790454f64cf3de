import { daysBetween, isValidDate } from '../common/calendar';
import { formatRateBp, type Cents } from '../common/money';

/**
 * An investor's net annualized return on the marketplace: the XIRR of their cash flows.
 * Pure: the caller gathers the flows and the value of the notes at `asOf`.
 */

export interface InvestorCashFlow {
  /** `YYYY-MM-DD`. */
  date: string;
  /**
   * Seen from the investor: money put into notes is negative; money received (net
   * distributions, refunds of cancelled commitments) is positive.
   */
  amount: Cents;
}

/** The bracket the rate is searched in: −99.99% to +1000% a year. */
const LOWEST_RATE = -0.9999;
const HIGHEST_RATE = 10;
/** The rate is found to within this (bracket width). */
const TOLERANCE = 1e-9;
const DAYS_PER_YEAR = 365;

function assertDate(date: string, what: string): void {
  if (!isValidDate(date))
    throw new RangeError(`${what} must be a YYYY-MM-DD date, got ${JSON.stringify(date)}`);
}

/**
 * The annual rate r at which the investor's flows are worth nothing, i.e. the root of
 * Σ amountₖ · (1 + r)^(−tₖ), tₖ = days from the first flow / 365 (Actual/365). `value` (the
 * outstanding principal of the investor's active notes at `asOf`) is added as a last
 * positive flow on `asOf`, as if the notes were sold at par that day.
 *
 * Returned as a fraction (0.0734 is 7.34% a year), or null when:
 * - no flow is negative (nothing was invested),
 * - every non-zero flow falls on one day (no time has elapsed), or
 * - the flows are worth the same sign at −99.99% and at +1000% a year, so no root is
 *   bracketed (for instance everything invested was lost).
 *
 * Solved by bisection on [−0.9999, 10] to a bracket width of 1e-9. A flow dated after
 * `asOf`, a malformed date, a non-integer amount or a negative `value` is a RangeError.
 */
export function netAnnualizedReturn(
  flows: readonly InvestorCashFlow[],
  asOf: string,
  value: Cents,
): number | null {
  assertDate(asOf, 'asOf');
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`value must be a non-negative safe integer number of cents, got ${value}`);
  }
  flows.forEach((f, i) => {
    assertDate(f.date, `flows[${i}].date`);
    if (!Number.isSafeInteger(f.amount)) {
      throw new RangeError(`flows[${i}].amount must be a safe integer number of cents, got ${f.amount}`);
    }
    if (daysBetween(f.date, asOf) < 0) {
      throw new RangeError(`flows[${i}] is dated ${f.date}, after asOf ${asOf}`);
    }
  });
  if (!flows.some((f) => f.amount < 0)) return null;

  // Years before asOf of each non-zero flow. The sum is taken as a value at asOf,
  // Σ amountₖ · (1 + r)^(yearsₖ): the present value times a positive factor, so it has the
  // same roots, and with every exponent ≥ 0 nothing overflows near r = −1.
  const terms = [...flows, { date: asOf, amount: value }]
    .filter((f) => f.amount !== 0)
    .map((f) => ({ amount: f.amount, years: daysBetween(f.date, asOf) / DAYS_PER_YEAR }));
  const first = Math.max(...terms.map((t) => t.years));
  const last = Math.min(...terms.map((t) => t.years));
  if (first === last) return null;

  const valueAt = (rate: number): number => {
    const logGrowth = Math.log1p(rate);
    return terms.reduce((acc, t) => acc + t.amount * Math.exp(t.years * logGrowth), 0);
  };

  let lo = LOWEST_RATE;
  let hi = HIGHEST_RATE;
  let atLo = valueAt(lo);
  const atHi = valueAt(hi);
  if (atLo === 0) return lo;
  if (atHi === 0) return hi;
  if (!Number.isFinite(atLo) || !Number.isFinite(atHi) || atLo > 0 === atHi > 0) return null;
  while (hi - lo > TOLERANCE) {
    const mid = lo + (hi - lo) / 2;
    const atMid = valueAt(mid);
    if (atMid === 0) return mid;
    if (atMid > 0 === atLo > 0) {
      lo = mid;
      atLo = atMid;
    } else {
      hi = mid;
    }
  }
  return lo + (hi - lo) / 2;
}

/**
 * A rate (a fraction, 0.0734) as a percentage with two decimals, half-up (away from zero):
 * "7.34". null stays null. The product is cleaned to 12 significant digits before rounding
 * so that a float product such as 1.005 · 10000 = 10049.999999999998 rounds as the 100.50 it is.
 */
export function formatRatePercent(rate: number | null): string | null {
  if (rate === null) return null;
  if (!Number.isFinite(rate)) throw new RangeError(`rate must be a finite number, got ${rate}`);
  const basisPoints = Number((Math.abs(rate) * 10_000).toPrecision(12));
  const rounded = Math.floor(basisPoints + 0.5);
  return formatRateBp(rate < 0 && rounded !== 0 ? -rounded : rounded);
}
