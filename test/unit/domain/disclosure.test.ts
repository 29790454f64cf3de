import { addMonthsClamped, monthlySchedule, payIn4Schedule } from '../../../src/domain/common/amortization';
import { truthInLending } from '../../../src/domain/applications/disclosure';

describe('truthInLending', () => {
  it('discloses a 7.99% 12-month $5,000 loan at 7.99% when the first payment is a month after the advance', () => {
    const schedule = monthlySchedule({
      principal: 500_000,
      aprBp: 799,
      termMonths: 12,
      startDate: '2025-03-15',
    });
    const totalOfPayments = schedule.reduce((sum, s) => sum + s.total, 0);

    const disclosure = truthInLending({ amountFinanced: 500_000, advanceDate: '2025-03-15', schedule });

    // Eleven payments of $434.92 and a last one that absorbs the rounding.
    expect(schedule[0]!.total).toBe(43_492);
    expect(disclosure).toEqual({
      amountFinanced: 500_000,
      totalOfPayments,
      financeCharge: totalOfPayments - 500_000,
      aprBp: 799,
    });
    expect(Math.abs(disclosure.aprBp - 799)).toBeLessThanOrEqual(12.5); // within 1/8 point
  });

  it('keeps the month as unit-period for a plan that starts on the 31st', () => {
    const schedule = monthlySchedule({
      principal: 500_000,
      aprBp: 799,
      termMonths: 12,
      startDate: '2025-01-31',
    });
    expect(truthInLending({ amountFinanced: 500_000, advanceDate: '2025-01-31', schedule }).aprBp).toBe(799);
  });

  it('reproduces the SPEC example, Appendix J (c)(1)(i): $5,000 on 1978-01-10, 24 × $230 → 9.69%', () => {
    const schedule = Array.from({ length: 24 }, (_, k) => ({
      dueDate: addMonthsClamped('1978-02-10', k),
      total: 23_000,
    }));
    expect(truthInLending({ amountFinanced: 500_000, advanceDate: '1978-01-10', schedule })).toEqual({
      amountFinanced: 500_000,
      totalOfPayments: 552_000,
      financeCharge: 52_000,
      aprBp: 969,
    });
  });

  it('a pay-in-4 purchase costs nothing: no finance charge and a 0% APR', () => {
    const schedule = payIn4Schedule(10_003, '2025-06-01');
    expect(truthInLending({ amountFinanced: 10_003, advanceDate: '2025-06-01', schedule })).toEqual({
      amountFinanced: 10_003,
      totalOfPayments: 10_003,
      financeCharge: 0,
      aprBp: 0,
    });
  });
});
