import fc from 'fast-check';

import {
  addDays,
  addMonthsClamped,
  ageOnDate,
  daysBetween,
  interestFree45Schedule,
  lateFee,
  monthlyInterest,
  monthlyPayment,
  monthlySchedule,
  payIn4Schedule,
  reamortize,
} from '../../../src/domain/common/amortization';
import { formatDate, fromDayNumber, toDayNumber } from '../../../src/domain/common/calendar';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Any date from 2000-01-01 to 2040-12-31. */
const anyDate = fc
  .integer({ min: toDayNumber('2000-01-01'), max: toDayNumber('2040-12-31') })
  .map((n) => formatDate(fromDayNumber(n)));

describe('calendar', () => {
  it.each([
    ['2025-01-31', 1, '2025-02-28'],
    ['2025-01-31', 2, '2025-03-31'],
    ['2025-01-31', 3, '2025-04-30'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2025-11-30', 3, '2026-02-28'],
    ['2025-03-31', -1, '2025-02-28'],
    ['2025-06-15', 0, '2025-06-15'],
  ])('addMonthsClamped(%s, %d) = %s', (date, months, expected) => {
    expect(addMonthsClamped(date, months)).toBe(expected);
  });

  it.each([
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2025-12-31', 1, '2026-01-01'],
    ['2025-01-10', 45, '2025-02-24'],
    ['2025-03-01', -1, '2025-02-28'],
  ])('addDays(%s, %d) = %s', (date, n, expected) => {
    expect(addDays(date, n)).toBe(expected);
  });

  it('counts days between dates', () => {
    expect(daysBetween('1978-01-03', '1978-09-15')).toBe(255);
    expect(daysBetween('2025-03-01', '2025-02-28')).toBe(-1);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
  });

  it('rejects dates that do not exist', () => {
    expect(() => addDays('2025-02-29', 1)).toThrow(RangeError);
    expect(() => addMonthsClamped('2025-13-01', 1)).toThrow(RangeError);
    expect(() => daysBetween('2025-1-01', '2025-01-02')).toThrow(RangeError);
  });

  it.each([
    ['2007-06-01', '2025-06-01', 18], // the 18th birthday itself
    ['2007-06-01', '2025-05-31', 17], // the day before
    ['2008-02-29', '2026-02-28', 17], // a leap-day birthday is reached on 1 March in common years
    ['2008-02-29', '2026-03-01', 18],
    ['2008-02-29', '2028-02-29', 20],
    ['1980-12-31', '2025-01-01', 44],
  ])('someone born %s is, on %s, %d years old', (dob, on, age) => {
    expect(ageOnDate(dob, on)).toBe(age);
  });

  it('round-trips day numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: toDayNumber('1900-01-01'), max: toDayNumber('2999-12-31') }), (n) => {
        expect(toDayNumber(formatDate(fromDayNumber(n)))).toBe(n);
      }),
    );
  });
});

describe('monthlyPayment', () => {
  it('is the amortised payment rounded half-up to the cent', () => {
    // $2,000 over 6 months at 16.99%: r = 0.1699/12, P·r/(1 − (1 + r)^−6) = 350.04489 → $350.04.
    expect(monthlyPayment(200_000, 1_699, 6)).toBe(35_004);
    // $5,000 over 12 months at 7.99%: 434.91903 → $434.92.
    expect(monthlyPayment(500_000, 799, 12)).toBe(43_492);
    // The qualifying payment of a $5,000, 36-month loan at 29.99%: 212.23050 → $212.23.
    expect(monthlyPayment(500_000, 2_999, 36)).toBe(21_223);
  });

  it('splits equally at 0% APR, half-up', () => {
    expect(monthlyPayment(100_000, 0, 3)).toBe(33_333);
    expect(monthlyPayment(200, 0, 3)).toBe(67);
    expect(monthlyPayment(150, 0, 4)).toBe(38); // 37.5 → 38
  });

  it('refuses nonsense', () => {
    expect(() => monthlyPayment(100_000, 799, 0)).toThrow(RangeError);
    expect(() => monthlyPayment(-1, 799, 12)).toThrow(RangeError);
    expect(() => monthlyPayment(100_000, -1, 12)).toThrow(RangeError);
    expect(() => monthlyPayment(100.5, 799, 12)).toThrow(RangeError);
  });
});

describe('monthlySchedule', () => {
  it('matches a $2,000 / 6-month / 16.99% schedule worked by hand', () => {
    // r = 1699 / 120000 per month; interest = outstanding × r rounded half-up; payment $350.04.
    //   1: 200000 × r = 2831.67 → 2832; principal 35004 − 2832 = 32172; left 167828
    //   2: 167828 × r = 2376.16 → 2376; principal 32628; left 135200
    //   3: 135200 × r = 1914.21 → 1914; principal 33090; left 102110
    //   4: 102110 × r = 1445.71 → 1446; principal 33558; left 68552
    //   5:  68552 × r =  970.58 →  971; principal 34033; left 34519
    //   6:  34519 × r =  488.73 →  489; principal is what is left, 34519; total 35008
    const schedule = monthlySchedule({
      principal: 200_000,
      aprBp: 1_699,
      termMonths: 6,
      startDate: '2025-01-31',
    });
    expect(schedule).toEqual([
      { number: 1, dueDate: '2025-02-28', principal: 32_172, interest: 2_832, total: 35_004 },
      { number: 2, dueDate: '2025-03-31', principal: 32_628, interest: 2_376, total: 35_004 },
      { number: 3, dueDate: '2025-04-30', principal: 33_090, interest: 1_914, total: 35_004 },
      { number: 4, dueDate: '2025-05-31', principal: 33_558, interest: 1_446, total: 35_004 },
      { number: 5, dueDate: '2025-06-30', principal: 34_033, interest: 971, total: 35_004 },
      { number: 6, dueDate: '2025-07-31', principal: 34_519, interest: 489, total: 35_008 },
    ]);
    expect(sum(schedule.map((s) => s.principal))).toBe(200_000);
  });

  it('counts due dates from the start date, clamped to month ends, not from the previous due date', () => {
    const dates = monthlySchedule({
      principal: 100_000,
      aprBp: 799,
      termMonths: 4,
      startDate: '2024-01-31',
    }).map((s) => s.dueDate);
    expect(dates).toEqual(['2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31']);
    const fromThe30th = monthlySchedule({
      principal: 100_000,
      aprBp: 799,
      termMonths: 3,
      startDate: '2025-01-30',
    }).map((s) => s.dueDate);
    expect(fromThe30th).toEqual(['2025-02-28', '2025-03-30', '2025-04-30']);
  });

  it('at 0% APR splits the principal equally, the last installment absorbing the cents', () => {
    const schedule = monthlySchedule({
      principal: 100_000,
      aprBp: 0,
      termMonths: 3,
      startDate: '2025-05-10',
    });
    expect(schedule.map((s) => [s.principal, s.interest, s.total])).toEqual([
      [33_333, 0, 33_333],
      [33_333, 0, 33_333],
      [33_334, 0, 33_334],
    ]);
  });

  it('always repays exactly the principal, with level payments and exact interest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 3_600 }),
        fc.integer({ min: 1, max: 60 }),
        anyDate,
        (principal, aprBp, termMonths, startDate) => {
          const schedule = monthlySchedule({ principal, aprBp, termMonths, startDate });
          expect(schedule).toHaveLength(termMonths);
          expect(sum(schedule.map((s) => s.principal))).toBe(principal);
          const payment = monthlyPayment(principal, aprBp, termMonths);
          let outstanding = principal;
          schedule.forEach((s, i) => {
            expect(s.number).toBe(i + 1);
            expect(s.dueDate).toBe(addMonthsClamped(startDate, i + 1));
            expect(s.interest).toBe(monthlyInterest(outstanding, aprBp));
            expect(s.principal).toBeGreaterThanOrEqual(0);
            expect(s.total).toBe(s.principal + s.interest);
            if (i < termMonths - 1 && outstanding - s.principal > 0) expect(s.total).toBe(payment);
            outstanding -= s.principal;
          });
          expect(outstanding).toBe(0);
        },
      ),
    );
  });
});

describe('reamortize', () => {
  it('spreads the principal left after a prepayment over the same remaining due dates', () => {
    const original = monthlySchedule({
      principal: 500_000,
      aprBp: 799,
      termMonths: 12,
      startDate: '2025-01-15',
    });
    const paid = original.slice(0, 3);
    const prepayment = 100_000;
    const outstanding = 500_000 - sum(paid.map((s) => s.principal)) - prepayment;
    const remainingDates = original.slice(3).map((s) => s.dueDate);

    const rest = reamortize({ outstanding, aprBp: 799, dueDates: remainingDates, firstNumber: 4 });

    expect(rest.map((s) => s.number)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(rest.map((s) => s.dueDate)).toEqual(remainingDates);
    expect(sum(rest.map((s) => s.principal))).toBe(outstanding);
    const newPayment = monthlyPayment(outstanding, 799, 9);
    expect(rest.slice(0, -1).every((s) => s.total === newPayment)).toBe(true);
    expect(newPayment).toBeLessThan(original[0]!.total);
    // The first re-amortised installment's interest is on the reduced principal.
    expect(rest[0]!.interest).toBe(monthlyInterest(outstanding, 799));
  });

  it('re-amortising the untouched remainder reproduces the original schedule', () => {
    const original = monthlySchedule({
      principal: 250_000,
      aprBp: 1_199,
      termMonths: 10,
      startDate: '2025-03-31',
    });
    const outstanding = 250_000 - sum(original.slice(0, 4).map((s) => s.principal));
    const rest = reamortize({
      outstanding,
      aprBp: 1_199,
      dueDates: original.slice(4).map((s) => s.dueDate),
      firstNumber: 5,
    });
    // The payment is recomputed from the outstanding principal, so it can differ by a cent at most.
    rest
      .slice(0, -1)
      .forEach((s, i) => expect(Math.abs(s.total - original[4 + i]!.total)).toBeLessThanOrEqual(1));
    expect(sum(rest.map((s) => s.principal))).toBe(outstanding);
  });
});

describe('payIn4Schedule', () => {
  it('puts the cent remainder on the first part, paid at checkout, then every 14 days', () => {
    expect(payIn4Schedule(10_003, '2025-06-01')).toEqual([
      { number: 1, dueDate: '2025-06-01', principal: 2_503, interest: 0, total: 2_503 },
      { number: 2, dueDate: '2025-06-15', principal: 2_500, interest: 0, total: 2_500 },
      { number: 3, dueDate: '2025-06-29', principal: 2_500, interest: 0, total: 2_500 },
      { number: 4, dueDate: '2025-07-13', principal: 2_500, interest: 0, total: 2_500 },
    ]);
  });

  it('always adds up to the purchase and never makes a later part larger than the first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), anyDate, (total, start) => {
        const parts = payIn4Schedule(total, start);
        expect(sum(parts.map((p) => p.total))).toBe(total);
        expect(parts.slice(1).every((p) => p.total === parts[1]!.total && p.total <= parts[0]!.total)).toBe(
          true,
        );
        expect(parts[0]!.total - parts[1]!.total).toBeLessThan(4);
      }),
    );
  });
});

describe('interestFree45Schedule', () => {
  it('is one interest-free installment 45 days after the purchase', () => {
    expect(interestFree45Schedule(12_345, '2025-01-10')).toEqual([
      { number: 1, dueDate: '2025-02-24', principal: 12_345, interest: 0, total: 12_345 },
    ]);
  });
});

describe('lateFee', () => {
  it.each([
    [35_004, 1_500], // 5% would be $17.50: capped at $15.00
    [30_010, 1_500], // 5% = $15.005 → $15.01: still capped
    [29_990, 1_500], // 5% = $14.995 → $15.00 half-up
    [29_989, 1_499], // $14.9945 → $14.99
    [20_000, 1_000],
    [10, 1], // half a cent rounds up
    [0, 0],
  ])('the late fee on %d cents is %d cents', (total, fee) => {
    expect(lateFee(total)).toBe(fee);
  });
});
