/**
 * Annual percentage rate by the actuarial method of Regulation Z (12 CFR 1026), Appendix J,
 * for closed-end credit: the rate that makes the advances and the payments equal under the
 * general equation of paragraph (b)(8), with unit-periods and fractional unit-periods counted
 * as paragraphs (b)(3)–(b)(6) say. Truth in Lending requires the disclosed APR to be within
 * 1/8 of a percentage point of it; we disclose it rounded to two decimals, as the appendix's
 * own examples do.
 *
 * Paragraph references below are to Appendix J.
 */
import {
  daysBetween,
  isLastDayOfMonth,
  parseDate,
  shiftMonths,
  toDayNumber,
  type CivilDate,
} from '../common/calendar';
import type { Cents } from '../common/money';

/**
 * A standard interval of time (b)(3)(iii): a day, a week or several, a semimonth, a month or
 * several (up to 11), or a year. Appendix J's unit-period is one of these, or (b)(4)(ii) the
 * whole term of a single advance, single payment transaction.
 */
export type UnitPeriod =
  | { kind: 'day' }
  | { kind: 'week'; weeks: number }
  | { kind: 'semimonth' }
  | { kind: 'month'; months: number }
  | { kind: 'year' };

/** The unit-periods Appendix J's examples use, by their everyday names. */
export const UNIT_PERIODS = {
  DAILY: { kind: 'day' },
  WEEKLY: { kind: 'week', weeks: 1 },
  BIWEEKLY: { kind: 'week', weeks: 2 },
  EVERY_FOUR_WEEKS: { kind: 'week', weeks: 4 },
  SEMIMONTHLY: { kind: 'semimonth' },
  MONTHLY: { kind: 'month', months: 1 },
  BIMONTHLY: { kind: 'month', months: 2 },
  QUARTERLY: { kind: 'month', months: 3 },
  SEMIANNUAL: { kind: 'month', months: 6 },
  ANNUAL: { kind: 'year' },
} as const satisfies Record<string, UnitPeriod>;

export interface CashFlow {
  amount: Cents;
  /** `YYYY-MM-DD`. */
  date: string;
}

export interface AprInput {
  advances: readonly CashFlow[];
  payments: readonly CashFlow[];
  /** Force a unit-period instead of determining it by the rules of (b)(4). */
  unitPeriod?: UnitPeriod;
  /**
   * (b)(2) The term begins at consummation, or later when the finance charge starts to be
   * earned later. Defaults to the first advance.
   */
  termStart?: string;
  /**
   * (b)(5)(vi) lets a single advance, single payment transaction shorter than a year and
   * equal to whole months count its unit-periods per year as 12 / months or 365 / days.
   * Default 'months' (what Appendix J's example (c)(5)(ii) uses).
   */
  singlePaymentBasis?: 'months' | 'days';
}

/** Where a cash flow falls: t full unit-periods plus a fraction f of one, from the term start. */
export interface UnitPeriodPosition {
  periods: number;
  fraction: number;
}

export interface AprSolution {
  /** The unit-period used; `null` for a single advance, single payment term under a year. */
  unitPeriod: UnitPeriod | null;
  unitPeriodsPerYear: number;
  /** The rate per unit-period i that solves the general equation. */
  unitPeriodRate: number;
  /** w · i · 100, unrounded. */
  aprPercent: number;
  advances: (CashFlow & UnitPeriodPosition)[];
  payments: (CashFlow & UnitPeriodPosition)[];
}

// ---------------------------------------------------------------------------------------------
// Counting unit-periods, (b)(5)
// ---------------------------------------------------------------------------------------------

/**
 * (b)(3)(iv) Months run from a date to the same date of another month; a series scheduled for
 * the last day of each month is measured last day to last day, and one scheduled for the 29th
 * or 30th uses the last day of February. A date on the last day of its month may therefore
 * stand for a later day (the 30th or 31st of the series): `seriesDay` is the latest day of
 * the month that the transaction's dates fall on.
 */
function anchorDay(date: CivilDate, seriesDay: number): number {
  return isLastDayOfMonth(date) ? Math.max(date.day, seriesDay) : date.day;
}

/**
 * Full months measured back from the later date without passing the earlier one, and the
 * days left over between the earlier date and the start of the first full month.
 */
export function monthsBack(earlier: string, later: string, seriesDay = 0): { months: number; days: number } {
  const start = toDayNumber(earlier);
  const end = parseDate(later);
  if (toDayNumber(end) < start) throw new RangeError(`${later} is before ${earlier}`);
  const day = anchorDay(end, seriesDay);
  // Start from a safe estimate and walk: at most a couple of steps either way.
  const e = parseDate(earlier);
  let months = Math.max(0, (end.year - e.year) * 12 + (end.month - e.month));
  while (months > 0 && toDayNumber(shiftMonths(end, -months, day)) < start) months -= 1;
  while (toDayNumber(shiftMonths(end, -(months + 1), day)) >= start) months += 1;
  const days = toDayNumber(shiftMonths(end, -months, day)) - start;
  return { months, days };
}

function splitDays(days: number, daysPerUnit: number): UnitPeriodPosition {
  const periods = Math.floor(days / daysPerUnit);
  return { periods, fraction: (days - periods * daysPerUnit) / daysPerUnit };
}

/** Where `date` falls from `termStart`, in whole and fractional unit-periods, per (b)(5). */
export function unitPeriodPosition(
  termStart: string,
  date: string,
  unitPeriod: UnitPeriod,
  seriesDay = 0,
): UnitPeriodPosition {
  const days = daysBetween(termStart, date);
  if (days < 0) throw new RangeError(`${date} is before the start of the term ${termStart}`);
  switch (unitPeriod.kind) {
    // (b)(5)(iv) days and weeks: divide the number of days by the days per unit-period.
    case 'day':
      return { periods: days, fraction: 0 };
    case 'week':
      return splitDays(days, 7 * unitPeriod.weeks);
    // (b)(5)(ii) and (iii): 30 days for each full month counted back from the later date,
    // plus the remaining days, divided by 15 (semimonth) or 30 × months per unit-period.
    case 'semimonth': {
      const { months, days: rest } = monthsBack(termStart, date, seriesDay);
      return splitDays(30 * months + rest, 15);
    }
    case 'month': {
      const { months, days: rest } = monthsBack(termStart, date, seriesDay);
      return splitDays(30 * months + rest, 30 * unitPeriod.months);
    }
    // (b)(5)(v) years of 12 months counted back from the later date; the rest is months / 12
    // when it is a whole number of months, otherwise days / 365.
    case 'year': {
      const { months, days: rest } = monthsBack(termStart, date, seriesDay);
      const years = Math.floor(months / 12);
      const remainingMonths = months - years * 12;
      if (rest === 0) return { periods: years, fraction: remainingMonths / 12 };
      const end = parseDate(date);
      const yearStart = shiftMonths(end, -12 * years, anchorDay(end, seriesDay));
      return { periods: years, fraction: (toDayNumber(yearStart) - toDayNumber(termStart)) / 365 };
    }
  }
}

/** (b)(5)(ii)–(v): unit-periods in a year. */
export function unitPeriodsPerYear(unitPeriod: UnitPeriod): number {
  switch (unitPeriod.kind) {
    case 'day':
      return 365;
    case 'week':
      return 52 / unitPeriod.weeks;
    case 'semimonth':
      return 24;
    case 'month':
      return 12 / unitPeriod.months;
    case 'year':
      return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing the unit-period, (b)(4)
// ---------------------------------------------------------------------------------------------

/** Nominal length in days, used only to order intervals and to round an average period. */
function nominalDays(unitPeriod: UnitPeriod): number {
  switch (unitPeriod.kind) {
    case 'day':
      return 1;
    case 'week':
      return 7 * unitPeriod.weeks;
    case 'semimonth':
      return 365 / 24;
    case 'month':
      return (365 / 12) * unitPeriod.months;
    case 'year':
      return 365;
  }
}

function periodKey(unitPeriod: UnitPeriod): string {
  switch (unitPeriod.kind) {
    case 'week':
      return `week:${unitPeriod.weeks}`;
    case 'month':
      return `month:${unitPeriod.months}`;
    default:
      return unitPeriod.kind;
  }
}

/** Every standard interval of time that the period from `a` to `b` exactly equals. */
function standardIntervalsBetween(a: string, b: string, seriesDay: number): UnitPeriod[] {
  const days = daysBetween(a, b);
  if (days <= 0) return [];
  const found: UnitPeriod[] = [];
  if (days === 1) found.push({ kind: 'day' });
  if (days % 7 === 0 && days / 7 <= 52) found.push({ kind: 'week', weeks: days / 7 });
  // A semimonth is half a month: between the 1st and the 16th, or the 15th and the month's
  // last day, it runs 13 to 16 calendar days.
  if (days >= 13 && days <= 16) found.push({ kind: 'semimonth' });
  const { months, days: rest } = monthsBack(a, b, seriesDay);
  if (rest === 0 && months >= 1 && months <= 12)
    found.push(months === 12 ? { kind: 'year' } : { kind: 'month', months });
  return found;
}

/** The periods of the transaction, (b)(3)(i): between advances, between payments, and from the term start to the first of each. */
function periodsOf(
  termStart: string,
  advances: readonly string[],
  payments: readonly string[],
): [string, string][] {
  const periods: [string, string][] = [];
  for (const series of [advances, payments]) {
    const later = series.filter((d) => daysBetween(termStart, d) > 0);
    const points = [termStart, ...later];
    for (let i = 1; i < points.length; i += 1) periods.push([points[i - 1] as string, points[i] as string]);
  }
  return periods;
}

/**
 * (b)(4)(i): the unit-period is the common period (one occurring more than once, at most a
 * year) that occurs most often; between equally frequent ones, the smaller; with no common
 * period, the average period rounded to the nearest standard interval (the lower one at the
 * midpoint). A period that is two standard intervals at once (28 days from 1 February to
 * 1 March) counts for both, so the transaction's dominant rhythm decides.
 */
export function determineUnitPeriod(
  termStart: string,
  advanceDates: readonly string[],
  paymentDates: readonly string[],
  seriesDay = 0,
): UnitPeriod {
  const periods = periodsOf(termStart, advanceDates, paymentDates);
  const counts = new Map<string, { unitPeriod: UnitPeriod; count: number }>();
  for (const [a, b] of periods) {
    for (const unitPeriod of standardIntervalsBetween(a, b, seriesDay)) {
      const key = periodKey(unitPeriod);
      const entry = counts.get(key) ?? { unitPeriod, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  const common = [...counts.values()]
    .filter((e) => e.count > 1)
    .sort((x, y) => y.count - x.count || nominalDays(x.unitPeriod) - nominalDays(y.unitPeriod));
  if (common.length > 0) return (common[0] as { unitPeriod: UnitPeriod }).unitPeriod;

  const totalDays = periods.reduce((acc, [a, b]) => acc + daysBetween(a, b), 0);
  const average = periods.length > 0 ? totalDays / periods.length : 1;
  const candidates: UnitPeriod[] = [
    { kind: 'day' } as UnitPeriod,
    ...Array.from({ length: 52 }, (_, i): UnitPeriod => ({ kind: 'week', weeks: i + 1 })),
    { kind: 'semimonth' } as UnitPeriod,
    ...Array.from({ length: 11 }, (_, i): UnitPeriod => ({ kind: 'month', months: i + 1 })),
    { kind: 'year' } as UnitPeriod,
  ].sort((x, y) => nominalDays(x) - nominalDays(y));
  let best = candidates[0] as UnitPeriod;
  for (const candidate of candidates) {
    // Strictly nearer only: at the midpoint the lower (earlier in the sorted list) stays.
    if (Math.abs(nominalDays(candidate) - average) < Math.abs(nominalDays(best) - average)) best = candidate;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// The general equation, (b)(8), solved by iteration, (b)(9)
// ---------------------------------------------------------------------------------------------

/** Present value of one amount t unit-periods plus a fraction f away: A / ((1 + f·i)(1 + i)^t), (b)(6) and (b)(8). */
function presentValue(amount: number, position: UnitPeriodPosition, i: number): number {
  return amount / ((1 + position.fraction * i) * Math.pow(1 + i, position.periods));
}

function residual(
  i: number,
  advances: readonly (CashFlow & UnitPeriodPosition)[],
  payments: readonly (CashFlow & UnitPeriodPosition)[],
): number {
  let sum = 0;
  for (const a of advances) sum += presentValue(a.amount, a, i);
  for (const p of payments) sum -= presentValue(p.amount, p, i);
  return sum;
}

/**
 * Finds the unit-period rate by bisection (then it is exact to the last bit of a double;
 * Appendix J asks for a result correct to two decimals of the APR). The present value of the
 * payments falls as the rate rises, so the root is bracketed between a rate just above −100%
 * and one doubled until the payments are worth less than the advances.
 */
function solveUnitPeriodRate(
  advances: readonly (CashFlow & UnitPeriodPosition)[],
  payments: readonly (CashFlow & UnitPeriodPosition)[],
): number {
  const f0 = residual(0, advances, payments);
  if (f0 === 0) return 0;
  let lo: number;
  let hi: number;
  if (f0 < 0) {
    // Payments exceed the advances: a positive rate.
    lo = 0;
    hi = 1;
    while (residual(hi, advances, payments) < 0) {
      lo = hi;
      hi *= 2;
      if (hi > 1e9) throw new RangeError('APR is too large to compute');
    }
  } else {
    // Payments fall short of the advances (a negative finance charge): a negative rate.
    lo = -0.999999;
    hi = 0;
    if (residual(lo, advances, payments) > 0) throw new RangeError('APR is too negative to compute');
  }
  for (let k = 0; k < 200 && hi - lo > 0; k += 1) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (residual(mid, advances, payments) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function validateFlows(flows: readonly CashFlow[], what: string): void {
  if (flows.length === 0) throw new RangeError(`at least one ${what} is required`);
  for (const f of flows) {
    if (!Number.isSafeInteger(f.amount) || f.amount <= 0)
      throw new RangeError(`${what} amounts must be positive cents, got ${f.amount}`);
    parseDate(f.date);
  }
}

/** The latest day of the month that a series of dates falls on (see `anchorDay`). */
function seriesDayOf(flows: readonly CashFlow[]): number {
  return Math.max(...flows.map((f) => parseDate(f.date).day));
}

function solveAt(
  unitPeriod: UnitPeriod | null,
  perYear: number,
  advances: (CashFlow & UnitPeriodPosition)[],
  payments: (CashFlow & UnitPeriodPosition)[],
): AprSolution {
  const unitPeriodRate = solveUnitPeriodRate(advances, payments);
  return {
    unitPeriod,
    unitPeriodsPerYear: perYear,
    unitPeriodRate,
    aprPercent: perYear * unitPeriodRate * 100,
    advances,
    payments,
  };
}

/** Solves the general equation and returns every intermediate, for explaining a disclosure. */
export function solveApr(input: AprInput): AprSolution {
  validateFlows(input.advances, 'advance');
  validateFlows(input.payments, 'payment');
  const byDate = (x: CashFlow, y: CashFlow): number => toDayNumber(x.date) - toDayNumber(y.date);
  const advances = [...input.advances].sort(byDate);
  const payments = [...input.payments].sort(byDate);
  const termStart = input.termStart ?? (advances[0] as CashFlow).date;
  for (const f of [...advances, ...payments]) {
    if (daysBetween(termStart, f.date) < 0)
      throw new RangeError(`${f.date} is before the start of the term ${termStart}`);
  }
  // Each series is measured by its own day of the month, so that consecutive monthly payments
  // are always exactly one month apart, whatever day the advance fell on.
  const paymentDay = seriesDayOf(payments);
  const advanceDay = seriesDayOf(advances);

  const onlyPayment = payments[0] as CashFlow;
  const isSingleAdvanceSinglePayment =
    advances.length === 1 &&
    payments.length === 1 &&
    (advances[0] as CashFlow).date === termStart &&
    input.unitPeriod === undefined;
  if (isSingleAdvanceSinglePayment) {
    // (b)(4)(ii): the unit-period is the term, but not more than a year.
    const { months, days: rest } = monthsBack(termStart, onlyPayment.date, paymentDay);
    if (months < 12) {
      // (b)(5)(vi) and (vii): one unit-period in the term; 12 / months or 365 / days a year.
      const termDays = daysBetween(termStart, onlyPayment.date);
      if (termDays <= 0) throw new RangeError('the payment must be after the advance');
      const inMonths = rest === 0 && months > 0 && (input.singlePaymentBasis ?? 'months') === 'months';
      return solveAt(
        null,
        inMonths ? 12 / months : 365 / termDays,
        advances.map((a) => ({ ...a, periods: 0, fraction: 0 })),
        [{ ...onlyPayment, periods: 1, fraction: 0 }],
      );
    }
  }

  const unitPeriod: UnitPeriod = isSingleAdvanceSinglePayment
    ? { kind: 'year' }
    : (input.unitPeriod ??
      determineUnitPeriod(
        termStart,
        advances.map((a) => a.date),
        payments.map((p) => p.date),
        paymentDay,
      ));
  const place =
    (seriesDay: number) =>
    (f: CashFlow): CashFlow & UnitPeriodPosition => ({
      ...f,
      ...unitPeriodPosition(termStart, f.date, unitPeriod, seriesDay),
    });
  return solveAt(
    unitPeriod,
    unitPeriodsPerYear(unitPeriod),
    advances.map(place(advanceDay)),
    payments.map(place(paymentDay)),
  );
}

/** Rounds a percentage half-up to basis points; the tiny epsilon absorbs binary noise only. */
function percentToBp(percent: number): number {
  const scaled = percent * 100;
  const rounded = Math.sign(scaled) * Math.floor(Math.abs(scaled) + 0.5 + 1e-9);
  return rounded === 0 ? 0 : rounded;
}

/** The APR in basis points (9.69% → 969). */
export function aprBp(input: AprInput): number {
  return percentToBp(solveApr(input).aprPercent);
}

/** The APR in percent, rounded to two decimals (e.g. 9.69). */
export function computeApr(input: AprInput): number {
  return aprBp(input) / 100;
}

/** The APR in basis points of one of our monthly plans, disbursed in one advance. */
export function aprBpOfMonthlySchedule(
  amountFinanced: Cents,
  advanceDate: string,
  schedule: readonly { dueDate: string; total: Cents }[],
): number {
  return aprBp({
    advances: [{ amount: amountFinanced, date: advanceDate }],
    payments: schedule.filter((s) => s.total > 0).map((s) => ({ amount: s.total, date: s.dueDate })),
    unitPeriod: UNIT_PERIODS.MONTHLY,
  });
}

/** The APR in percent (two decimals) of one of our monthly plans, disbursed in one advance. */
export function aprOfMonthlySchedule(
  amountFinanced: Cents,
  advanceDate: string,
  schedule: readonly { dueDate: string; total: Cents }[],
): number {
  return aprBpOfMonthlySchedule(amountFinanced, advanceDate, schedule) / 100;
}
