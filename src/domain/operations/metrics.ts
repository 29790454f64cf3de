import type { DelinquencyBucketName } from '../accounts/delinquency';
import { GRADE_THRESHOLDS, REFERRAL_MIN_SCORE, type Grade } from '../applications/scorecard';
import { addDays, daysBetween } from '../common/calendar';

/**
 * Portfolio analytics (SPEC section 11): the period asked about, and the shapes of the
 * figures. Pure: the figures themselves are counted by the database.
 */

/** `portfolioMetrics` without `from`: the 30 days up to `to`, both included. */
export const DEFAULT_PERIOD_DAYS = 30;
/** The longest period one question may cover (a year, leap day included). */
export const MAX_PERIOD_DAYS = 366;

/** Business dates, both included. */
export interface Period {
  from: string;
  to: string;
}

/**
 * The period asked about: `to` defaults to `today`, `from` to 30 days up to `to`. A period
 * that runs backwards or is longer than `MAX_PERIOD_DAYS` is a problem, named by argument.
 */
export function resolvePeriod(
  from: string | null | undefined,
  to: string | null | undefined,
  today: string,
): Period | { problem: string } {
  const end = to ?? today;
  const start = from ?? addDays(end, -(DEFAULT_PERIOD_DAYS - 1));
  if (start > end)
    return {
      problem: `\`from\` (${start}) must not be after \`to\` (${end}${to == null ? ', today' : ''}).`,
    };
  const days = daysBetween(start, end) + 1;
  if (days > MAX_PERIOD_DAYS)
    return {
      problem: `The period from ${start} to ${end} covers ${days} days; at most ${MAX_PERIOD_DAYS} may be asked at once.`,
    };
  return { from: start, to: end };
}

/** The instants a period covers: from the start of `from` (UTC, as business dates are) up to, not including, the day after `to`. */
export function periodBounds(p: Period): { start: Date; end: Date } {
  return { start: new Date(`${p.from}T00:00:00Z`), end: new Date(`${addDays(p.to, 1)}T00:00:00Z`) };
}

/**
 * A rate as a percentage in hundredths (basis points: 5714 is 57.14%), rounded half-up; null
 * when there is nothing to divide by.
 */
export function percentBp(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.floor((part * 20_000 + whole) / (2 * whole));
}

/** A duration in milliseconds to the microsecond; null stays null. */
export const roundMs = (ms: number | null): number | null =>
  ms === null ? null : Math.round(ms * 1000) / 1000;

export const GRADES: readonly Grade[] = ['A', 'B', 'C', 'D', 'E'];

/**
 * The grade each score band stands for, best first: the scorecard's approval grades, then E
 * for the referral band (an underwriter's approval is grade E). Below the last band: none.
 */
export const GRADE_BANDS: readonly { min: number; grade: Grade }[] = [
  ...GRADE_THRESHOLDS,
  { min: REFERRAL_MIN_SCORE, grade: 'E' },
];

/** The delinquency buckets, in order (SPEC section 5). */
export const DELINQUENCY_BUCKETS: readonly DelinquencyBucketName[] = [
  'CURRENT',
  'DPD_1_30',
  'DPD_31_60',
  'DPD_61_90',
  'DPD_90_PLUS',
];
