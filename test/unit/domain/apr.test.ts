/**
 * Regulation Z (12 CFR 1026) Appendix J, section (c): every worked example of the actuarial
 * method, reproduced to the published two decimals.
 *
 * Provenance of the inputs: in the official publications (GPO print CFR, eCFR) the examples
 * are page images. The figures below come from two independent transcriptions that agree on
 * every example they share: Alexadar/rootyapps `par/scratch/SOURCES.md` §2 (all 17 examples,
 * read from a render of the 2024 CFR, pp. 435–440, with each example's t and f) and
 * simontreanor/FSharp.Finance.Personal `tests/AprUsActuarialTests.fs` ((c)(1)–(c)(5)(i),
 * with dates). Where a transcription gives an example's structure (amounts, t, f, unit-period)
 * but not its calendar dates, the dates here are chosen to produce exactly that structure and
 * are marked "dates chosen"; the published APR depends only on that structure.
 */
import fc from 'fast-check';

import { addDays, addMonthsClamped, monthlySchedule } from '../../../src/domain/common/amortization';
import { formatDate, fromDayNumber, toDayNumber } from '../../../src/domain/common/calendar';
import {
  aprBp,
  aprOfMonthlySchedule,
  computeApr,
  determineUnitPeriod,
  monthsBack,
  solveApr,
  UNIT_PERIODS,
  unitPeriodPosition,
  type CashFlow,
} from '../../../src/domain/applications/apr';

const dollars = (d: number): number => Math.round(d * 100);
const advance = (amount: number, date: string): CashFlow[] => [{ amount: dollars(amount), date }];
const one = (amount: number, date: string): CashFlow => ({ amount: dollars(amount), date });
/** `count` payments of `amount`, `everyMonths` apart from `first`, counted from the first date. */
const monthly = (amount: number, count: number, first: string, everyMonths = 1): CashFlow[] =>
  Array.from({ length: count }, (_, k) => one(amount, addMonthsClamped(first, k * everyMonths)));
/** `count` payments of `amount`, `everyDays` apart from `first`. */
const everyDays = (amount: number, count: number, first: string, step: number): CashFlow[] =>
  Array.from({ length: count }, (_, k) => one(amount, addDays(first, k * step)));
/** Semimonthly payments on the 1st and the 16th, starting on the 1st of `year-month`. */
const firstAndSixteenth = (amount: number, count: number, year: number, month: number): CashFlow[] =>
  Array.from({ length: count }, (_, k) => {
    const monthIndex = year * 12 + month - 1 + Math.floor(k / 2);
    const date = formatDate({
      year: Math.floor(monthIndex / 12),
      month: (monthIndex % 12) + 1,
      day: k % 2 === 0 ? 1 : 16,
    });
    return one(amount, date);
  });

describe('Regulation Z Appendix J (c): examples for the actuarial method', () => {
  describe('(c)(1) single advance, with or without an odd first period, otherwise regular', () => {
    it('(c)(1)(i) monthly payments, regular first period: $5,000 on 1978-01-10, 24 × $230 from 1978-02-10 → 9.69%', () => {
      const input = { advances: advance(5000, '1978-01-10'), payments: monthly(230, 24, '1978-02-10') };
      expect(computeApr(input)).toBe(9.69);
      expect(aprBp(input)).toBe(969);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.MONTHLY);
      expect(solution.payments[0]).toMatchObject({ periods: 1, fraction: 0 });
    });

    it('(c)(1)(ii) monthly payments, long first period: $6,000 on 1978-02-10, 36 × $200 from 1978-04-01 → 11.82%', () => {
      const input = { advances: advance(6000, '1978-02-10'), payments: monthly(200, 36, '1978-04-01') };
      expect(computeApr(input)).toBe(11.82);
      // One month back from 1 April, then 19 days from 10 February to 1 March: t = 1, f = 19/30.
      expect(solveApr(input).payments[0]).toMatchObject({ periods: 1, fraction: 19 / 30 });
    });

    it('(c)(1)(iii) semimonthly payments, short first period: $5,000 on 1978-02-23, 24 × $219.17 on the 1st and 16th from 1978-03-01 → 10.34%', () => {
      const input = {
        advances: advance(5000, '1978-02-23'),
        payments: firstAndSixteenth(219.17, 24, 1978, 3),
      };
      expect(computeApr(input)).toBe(10.34);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.SEMIMONTHLY);
      expect(solution.payments[0]).toMatchObject({ periods: 0, fraction: 6 / 15 });
    });

    it('(c)(1)(iv) quarterly payments, long first period: $10,000 on 1978-05-23, 40 × $385 from 1978-10-01 → 8.97%', () => {
      const input = { advances: advance(10000, '1978-05-23'), payments: monthly(385, 40, '1978-10-01', 3) };
      expect(computeApr(input)).toBe(8.97);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.QUARTERLY);
      // 4 months back from 1 October (120 days) plus 9 days: 129 / 90 → t = 1, f = 39/90.
      expect(solution.payments[0]!.periods).toBe(1);
      expect(solution.payments[0]!.fraction).toBeCloseTo(39 / 90, 12);
    });

    it('(c)(1)(v) weekly payments, long first period: $500 on 1978-03-20, 30 × $17.60 from 1978-04-21 → 14.96%', () => {
      const input = { advances: advance(500, '1978-03-20'), payments: everyDays(17.6, 30, '1978-04-21', 7) };
      expect(computeApr(input)).toBe(14.96);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.WEEKLY);
      expect(solution.payments[0]).toMatchObject({ periods: 4, fraction: 4 / 7 });
    });
  });

  describe('(c)(2) single advance, with an odd first payment, with or without an odd first period, otherwise regular', () => {
    it('(c)(2)(i) monthly payments, regular first period, irregular first payment: $5,000 on 1978-01-10, $250 on 1978-02-10, 23 × $230 from 1978-03-10 → 10.08%', () => {
      const input = {
        advances: advance(5000, '1978-01-10'),
        payments: [one(250, '1978-02-10'), ...monthly(230, 23, '1978-03-10')],
      };
      expect(computeApr(input)).toBe(10.08);
    });

    it('(c)(2)(ii) payments every 4 weeks, long first period, irregular first payment: $400 on 1978-03-18, $39.50 on 1978-04-20, 11 × $38.31 from 1978-05-18 → 28.50%', () => {
      const input = {
        advances: advance(400, '1978-03-18'),
        payments: [one(39.5, '1978-04-20'), ...everyDays(38.31, 11, '1978-05-18', 28)],
      };
      expect(computeApr(input)).toBe(28.5);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.EVERY_FOUR_WEEKS);
      expect(solution.unitPeriodsPerYear).toBe(13);
      expect(solution.payments[0]).toMatchObject({ periods: 1, fraction: 5 / 28 });
    });
  });

  describe('(c)(3) single advance, with an odd final payment, with or without an odd first period, otherwise regular', () => {
    it('(c)(3)(i) monthly payments, regular first period, irregular final payment: $5,000 on 1978-01-10, 23 × $230 from 1978-02-10, $280 on 1980-01-10 → 10.50%', () => {
      const input = {
        advances: advance(5000, '1978-01-10'),
        payments: [...monthly(230, 23, '1978-02-10'), one(280, '1980-01-10')],
      };
      expect(computeApr(input)).toBe(10.5);
    });

    it('(c)(3)(ii) payments every 2 weeks, short first period, irregular final payment: $200 on 1978-04-03, 19 × $9.50 from 1978-04-11, $30 two weeks after the 19th → 12.22%', () => {
      const input = {
        advances: advance(200, '1978-04-03'),
        payments: [...everyDays(9.5, 19, '1978-04-11', 14), one(30, addDays('1978-04-11', 19 * 14))],
      };
      expect(computeApr(input)).toBe(12.22);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.BIWEEKLY);
      expect(solution.payments[0]).toMatchObject({ periods: 0, fraction: 8 / 14 });
      expect(solution.payments[19]).toMatchObject({ periods: 19, fraction: 8 / 14 });
    });
  });

  describe('(c)(4) single advance, with an odd first payment and an odd final payment, otherwise regular', () => {
    it('(c)(4)(i) monthly payments, regular first period, irregular first and final payments: $5,000 on 1978-01-10, $250 on 1978-02-10, 22 × $230 from 1978-03-10, $280 on 1980-01-10 → 10.90%', () => {
      const input = {
        advances: advance(5000, '1978-01-10'),
        payments: [one(250, '1978-02-10'), ...monthly(230, 22, '1978-03-10'), one(280, '1980-01-10')],
      };
      expect(computeApr(input)).toBe(10.9);
    });

    it('(c)(4)(ii) payments every 2 months, short first period, irregular first and final payments: $8,000 on 1978-01-10, $449.36 on 1978-03-01, 18 × $465 from 1978-05-01, $200 on 1981-05-01 → 7.30%', () => {
      const input = {
        advances: advance(8000, '1978-01-10'),
        payments: [one(449.36, '1978-03-01'), ...monthly(465, 18, '1978-05-01', 2), one(200, '1981-05-01')],
      };
      expect(computeApr(input)).toBe(7.3);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.BIMONTHLY);
      // One month back from 1 March (30 days) plus 22 days: 52 / 60.
      expect(solution.payments[0]!.periods).toBe(0);
      expect(solution.payments[0]!.fraction).toBeCloseTo(52 / 60, 12);
      expect(solution.payments[19]!.periods).toBe(19);
    });
  });

  describe('(c)(5) single advance, single payment', () => {
    it('(c)(5)(i) term of less than 1 year, measured in days: $1,000 on 1978-01-03, $1,080 on 1978-09-15 (255 days) → 11.45%', () => {
      const input = { advances: advance(1000, '1978-01-03'), payments: [one(1080, '1978-09-15')] };
      expect(computeApr(input)).toBe(11.45);
      expect(solveApr(input).unitPeriodsPerYear).toBeCloseTo(365 / 255, 12);
    });

    it('(c)(5)(ii) term of less than 1 year, measured in whole months: $1,000, $1,044 six months later → 8.80% (dates chosen)', () => {
      const input = { advances: advance(1000, '1978-07-15'), payments: [one(1044, '1979-01-15')] };
      expect(computeApr(input)).toBe(8.8);
      expect(solveApr(input).unitPeriodsPerYear).toBe(2);
      // (b)(5)(vi) also allows 365 / days in the term (184 days here): a different, also lawful, figure.
      expect(solveApr({ ...input, singlePaymentBasis: 'days' }).unitPeriodsPerYear).toBe(365 / 184);
    });

    it('(c)(5)(iii) term of more than 1 year, fraction in whole months: $1,000, $1,135.19 eighteen months later → 8.76% (dates chosen)', () => {
      const input = { advances: advance(1000, '1978-01-10'), payments: [one(1135.19, '1979-07-10')] };
      expect(computeApr(input)).toBe(8.76);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.ANNUAL);
      expect(solution.payments[0]).toMatchObject({ periods: 1, fraction: 6 / 12 });
    });

    it('(c)(5)(iv) term of exactly 2 years: $1,000, $1,240 two years later → 11.36% (dates chosen)', () => {
      const input = { advances: advance(1000, '1978-01-10'), payments: [one(1240, '1980-01-10')] };
      expect(computeApr(input)).toBe(11.36);
      expect(solveApr(input).payments[0]).toMatchObject({ periods: 2, fraction: 0 });
    });
  });

  describe('(c)(6) complex single advance transactions', () => {
    it('(c)(6)(i) skipped payments, every 4 weeks: $2,135 on 1978-01-25, 24 × $100 in four series at (t, f) = (0, 26/28) ×9, (10, 12/28) ×6, (16, 26/28) ×6, (23, 12/28) ×3 → 12.00%', () => {
      // Four-weekly positions are days / 28 (b)(5)(iv), so each series starts 28t + 28f days
      // after the advance (dates derived from the published t and f).
      const start = '1978-01-25';
      const series = (count: number, t: number, f28: number): CashFlow[] =>
        everyDays(100, count, addDays(start, 28 * t + f28), 28);
      const input = {
        advances: advance(2135, start),
        payments: [...series(9, 0, 26), ...series(6, 10, 12), ...series(6, 16, 26), ...series(3, 23, 12)],
      };
      expect(computeApr(input)).toBe(12.0);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.EVERY_FOUR_WEEKS);
      expect(solution.payments[9]).toMatchObject({ periods: 10, fraction: 12 / 28 });
    });

    it('(c)(6)(ii) skipped payments plus single payments, monthly: $7,350 on 1978-03-03; 3 × $1,000 from 1978-09-15; $2,000 at t = 12; 3 × $750 from 1979-09-15; $1,000 at (t, f) = (22, 29/30) → 10.22%', () => {
      // t = 12, f = 12/30 is 1979-03-15; t = 22, f = 29/30 is 1980-02-01 (dates derived from t and f).
      const input = {
        advances: advance(7350, '1978-03-03'),
        payments: [
          ...monthly(1000, 3, '1978-09-15'),
          one(2000, '1979-03-15'),
          ...monthly(750, 3, '1979-09-15'),
          one(1000, '1980-02-01'),
        ],
      };
      expect(computeApr(input)).toBe(10.22);
      const solution = solveApr(input);
      expect(solution.unitPeriod).toEqual(UNIT_PERIODS.MONTHLY);
      expect(solution.payments[0]!.periods).toBe(6);
      expect(solution.payments[0]!.fraction).toBeCloseTo(12 / 30, 12);
      expect(solution.payments[3]!.periods).toBe(12);
      expect(solution.payments[7]!.periods).toBe(22);
      expect(solution.payments[7]!.fraction).toBeCloseTo(29 / 30, 12);
    });
  });
});

describe('counting unit-periods, Appendix J (b)(3)–(b)(5)', () => {
  it('measures months back from the later date', () => {
    expect(monthsBack('1978-02-10', '1978-04-01')).toEqual({ months: 1, days: 19 });
    expect(monthsBack('1978-01-10', '1978-02-10')).toEqual({ months: 1, days: 0 });
    expect(monthsBack('2025-01-15', '2025-01-20')).toEqual({ months: 0, days: 5 });
  });

  it('treats month-end and 29th/30th series as whole months through February (b)(3)(iv)', () => {
    // A series on the last day of each month, from 31 January.
    expect(monthsBack('2025-01-31', '2025-02-28', 31)).toEqual({ months: 1, days: 0 });
    expect(monthsBack('2025-01-31', '2025-04-30', 31)).toEqual({ months: 3, days: 0 });
    // A series on the 30th: February's last day stands for the 30th.
    expect(monthsBack('2025-01-30', '2025-02-28', 30)).toEqual({ months: 1, days: 0 });
    expect(monthsBack('2025-01-30', '2025-04-30', 30)).toEqual({ months: 3, days: 0 });
  });

  it('keeps a monthly series exactly a month apart whatever day the advance fell on', () => {
    // Advance on 31 January, payments on the 28th: every payment has the same fraction.
    const solution = solveApr({
      advances: advance(1000, '2025-01-31'),
      payments: monthly(100, 11, '2025-02-28'),
    });
    const fractions = new Set(solution.payments.map((p) => p.fraction));
    expect(fractions).toEqual(new Set([28 / 30]));
    expect(solution.payments.map((p) => p.periods)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('positions in weeks are days divided by the days per unit-period', () => {
    expect(unitPeriodPosition('1978-03-20', '1978-04-21', UNIT_PERIODS.WEEKLY)).toEqual({
      periods: 4,
      fraction: 4 / 7,
    });
    expect(unitPeriodPosition('1978-03-18', '1978-04-20', UNIT_PERIODS.EVERY_FOUR_WEEKS)).toEqual({
      periods: 1,
      fraction: 5 / 28,
    });
  });

  it('prefers the smaller of equally common periods (b)(4)(i)(A)', () => {
    // Every period is 14 days: both two weeks and (by its length) a semimonth; two weeks is smaller.
    const dates = Array.from({ length: 6 }, (_, k) => addDays('2025-01-15', 14 * k));
    expect(determineUnitPeriod('2025-01-01', ['2025-01-01'], dates)).toEqual(UNIT_PERIODS.BIWEEKLY);
  });

  it('uses the average period when no period occurs twice (b)(4)(i)(B)', () => {
    // Periods of 20, 33 and 40 days: no common period, average 31 days → one month.
    expect(
      determineUnitPeriod('2025-01-01', ['2025-01-01'], ['2025-01-21', '2025-02-23', '2025-04-04']),
    ).toEqual(UNIT_PERIODS.MONTHLY);
  });
});

describe('our own monthly plans', () => {
  const anyDate = fc
    .integer({ min: toDayNumber('2000-01-01'), max: toDayNumber('2040-12-31') })
    .map((n) => formatDate(fromDayNumber(n)));

  it('a plan disbursed on its start date discloses its note rate (to well within 1/8 point)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100_000, max: 1_000_000 }),
        fc.constantFrom(799, 1_199, 1_699, 2_299, 2_999),
        fc.integer({ min: 3, max: 36 }),
        anyDate,
        (principal, noteRateBp, termMonths, startDate) => {
          const schedule = monthlySchedule({ principal, aprBp: noteRateBp, termMonths, startDate });
          const apr = aprOfMonthlySchedule(principal, startDate, schedule);
          // Only the last installment's rounding moves it; 1/8 point is the legal tolerance.
          expect(Math.abs(apr * 100 - noteRateBp)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('a 0% plan has a 0% APR', () => {
    const schedule = monthlySchedule({
      principal: 120_000,
      aprBp: 0,
      termMonths: 12,
      startDate: '2025-01-31',
    });
    expect(aprOfMonthlySchedule(120_000, '2025-01-31', schedule)).toBe(0);
  });

  it('a late disbursement (first payment less than a month away) raises the APR', () => {
    const schedule = monthlySchedule({
      principal: 500_000,
      aprBp: 799,
      termMonths: 12,
      startDate: '2025-03-15',
    });
    expect(aprOfMonthlySchedule(500_000, '2025-03-25', schedule)).toBeGreaterThan(7.99);
  });

  it('refuses flows before the term starts and empty schedules', () => {
    expect(() =>
      computeApr({ advances: advance(100, '2025-02-01'), payments: [one(101, '2025-01-01')] }),
    ).toThrow(RangeError);
    expect(() => computeApr({ advances: advance(100, '2025-02-01'), payments: [] })).toThrow(RangeError);
  });
});
