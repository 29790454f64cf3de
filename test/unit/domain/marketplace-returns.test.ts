import fc from 'fast-check';

import { addDays } from '../../../src/domain/common/calendar';
import { formatRatePercent, netAnnualizedReturn } from '../../../src/domain/marketplace/returns';

describe('netAnnualizedReturn', () => {
  it('is 10% for 100.00 invested and 110.00 received a (365-day) year later', () => {
    const flows = [
      { date: '2026-01-01', amount: -10_000 },
      { date: '2027-01-01', amount: 11_000 },
    ];
    expect(netAnnualizedReturn(flows, '2027-01-01', 0)).toBeCloseTo(0.1, 9);
    // The same return when the 110.00 is still in the note, as its value at asOf.
    expect(netAnnualizedReturn([flows[0]!], '2027-01-01', 11_000)).toBeCloseTo(0.1, 9);
  });

  it('matches a monthly-amortising note: 10,000.00 at 1% a month over 12 months', () => {
    // Level installment 10,000.00 · 0.01 / (1 − 1.01^−12) = 888.4879 → 888.49, paid on the 15th.
    // Reference 0.127386957512 from an independent bisection in Python's decimal module at 50
    // digits on the same Actual/365 flows (the nominal equivalent, 1.01^12 − 1, is 0.126825;
    // the gap is calendar months of 28–31 days and the rounded-up installment).
    const flows = [{ date: '2026-01-15', amount: -1_000_000 }];
    for (let m = 1; m <= 12; m++) {
      const month = ((m % 12) + 1).toString().padStart(2, '0');
      flows.push({ date: `${m < 12 ? 2026 : 2027}-${month}-15`, amount: 88_849 });
    }
    expect(flows[12]).toEqual({ date: '2027-01-15', amount: 88_849 });
    const rate = netAnnualizedReturn(flows, '2027-01-15', 0);
    expect(Math.abs((rate as number) - 0.127386957512)).toBeLessThan(1e-6);
  });

  it('matches the worked example in Microsoft’s XIRR documentation (0.373362535)', () => {
    const flows = [
      { date: '2008-01-01', amount: -1_000_000 },
      { date: '2008-03-01', amount: 275_000 },
      { date: '2008-10-30', amount: 425_000 },
      { date: '2009-02-15', amount: 325_000 },
      { date: '2009-04-01', amount: 275_000 },
    ];
    expect(Math.abs((netAnnualizedReturn(flows, '2009-04-01', 0) as number) - 0.373362535)).toBeLessThan(
      1e-6,
    );
  });

  it('counts a refunded commitment as money back and the active notes’ principal as a last inflow', () => {
    // Reference 0.0951965965638 (Python decimal, 50 digits, same flows).
    const flows = [
      { date: '2026-01-10', amount: -250_000 },
      { date: '2026-01-10', amount: -500_000 },
      { date: '2026-01-20', amount: -250_000 },
      { date: '2026-01-25', amount: 250_000 }, // a cancelled commitment refunded
      { date: '2026-02-10', amount: 21_500 },
      { date: '2026-03-10', amount: 21_480 },
      { date: '2026-04-10', amount: 21_460 },
      { date: '2026-05-10', amount: 21_440 },
    ];
    const rate = netAnnualizedReturn(flows, '2026-06-01', 690_000);
    expect(Math.abs((rate as number) - 0.0951965965638)).toBeLessThan(1e-6);
  });

  it('returns a loss as a negative rate', () => {
    const flows = [{ date: '2026-01-01', amount: -10_000 }];
    expect(netAnnualizedReturn(flows, '2027-01-01', 9_000)).toBeCloseTo(-0.1, 9);
  });

  it('recovers the rate a single investment grew at', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100_000, max: 100_000_000 }),
        fc.double({ min: -0.5, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 3_650 }),
        (invested, rate, days) => {
          const years = days / 365;
          const value = Math.round(invested * (1 + rate) ** years);
          fc.pre(value > 0);
          const found = netAnnualizedReturn(
            [{ date: '2026-01-01', amount: -invested }],
            addDays('2026-01-01', days),
            value,
          );
          // Rounding the value to the cent moves the rate by up to (1 + r) · 0.5 / (years · value).
          const allowed = 1e-8 + ((1 + rate) * 0.5) / (years * value);
          expect(Math.abs((found as number) - rate)).toBeLessThanOrEqual(allowed);
        },
      ),
    );
  });

  describe('is null', () => {
    it('with no flows at all, or no money invested', () => {
      expect(netAnnualizedReturn([], '2026-06-01', 0)).toBeNull();
      expect(netAnnualizedReturn([], '2026-06-01', 10_000)).toBeNull();
      expect(netAnnualizedReturn([{ date: '2026-01-01', amount: 500 }], '2026-06-01', 10_000)).toBeNull();
    });

    it('when no time has elapsed', () => {
      expect(netAnnualizedReturn([{ date: '2026-06-01', amount: -10_000 }], '2026-06-01', 10_000)).toBeNull();
      // Invested and refunded on one day, nothing held since: the zero value adds no flow.
      const flows = [
        { date: '2026-01-01', amount: -10_000 },
        { date: '2026-01-01', amount: 10_000 },
      ];
      expect(netAnnualizedReturn(flows, '2026-06-01', 0)).toBeNull();
    });

    it('when no root is bracketed (everything lost)', () => {
      expect(netAnnualizedReturn([{ date: '2026-01-01', amount: -10_000 }], '2027-01-01', 0)).toBeNull();
    });
  });

  it.each([
    ['a malformed flow date', [{ date: '2026-1-01', amount: -100 }], '2026-06-01', 0],
    ['an impossible date', [{ date: '2026-02-30', amount: -100 }], '2026-06-01', 0],
    ['a malformed asOf', [{ date: '2026-01-01', amount: -100 }], '2026/06/01', 0],
    ['a flow after asOf', [{ date: '2026-07-01', amount: -100 }], '2026-06-01', 0],
    ['a fractional amount', [{ date: '2026-01-01', amount: -100.5 }], '2026-06-01', 0],
    ['a negative value', [{ date: '2026-01-01', amount: -100 }], '2026-06-01', -1],
  ])('refuses %s', (_what, flows, asOf, value) => {
    expect(() => netAnnualizedReturn(flows, asOf, value)).toThrow(RangeError);
  });
});

describe('formatRatePercent', () => {
  it.each([
    [0.0734, '7.34'],
    [0.07345, '7.35'], // half-up
    [0.073449, '7.34'],
    [0.1, '10.00'],
    [0.373362535, '37.34'],
    [1.005, '100.50'], // although 1.005 · 10000 is 10049.999999999998 in floating point
    [0, '0.00'],
    [-0.0734, '-7.34'],
    [-0.07345, '-7.35'], // halves go away from zero, like money
    [-0.00001, '0.00'], // never "-0.00"
  ])('formats %p as %p', (rate, text) => {
    expect(formatRatePercent(rate)).toBe(text);
  });

  it('keeps null as null and refuses a non-finite rate', () => {
    expect(formatRatePercent(null)).toBeNull();
    expect(() => formatRatePercent(Number.NaN)).toThrow(RangeError);
    expect(() => formatRatePercent(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
