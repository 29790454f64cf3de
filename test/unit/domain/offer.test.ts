import { aprBpOfMonthlySchedule } from '../../../src/domain/applications/apr';
import { buildOffer } from '../../../src/domain/applications/offer';
import { decide, type ApplicantInput } from '../../../src/domain/applications/scorecard';

const prime: ApplicantInput = {
  product: 'PERSONAL_LOAN',
  amount: 500_000,
  termMonths: 36,
  dateOfBirth: '1985-04-12',
  decisionDate: '2026-12-02',
  monthlyIncome: 800_000,
  monthlyDebt: 50_000,
  employmentStatus: 'FULL_TIME',
  creditScore: 780,
  onTimeRentMonths: 12,
  onTimeUtilityMonths: 12,
  bankAccountAgeMonths: 60,
  overdraftsLast90Days: 0,
};

describe('buildOffer', () => {
  it('a loan offer carries its schedule and a disclosure whose APR matches the apr module', () => {
    const d = decide(prime);
    const offer = buildOffer(d, 'PERSONAL_LOAN', 36, '2026-12-02')!;
    expect(offer.schedule).toHaveLength(36);
    expect(offer.schedule.reduce((s, i) => s + i.principal, 0)).toBe(500_000);
    expect(offer.monthlyPayment).toBe(offer.schedule[0]!.total);
    expect(offer.disclosure!.totalOfPayments).toBe(offer.schedule.reduce((s, i) => s + i.total, 0));
    expect(offer.disclosure!.financeCharge).toBe(offer.disclosure!.totalOfPayments - 500_000);
    expect(offer.disclosure!.aprBp).toBe(aprBpOfMonthlySchedule(500_000, '2026-12-02', offer.schedule));
    expect(Math.abs(offer.disclosure!.aprBp - d.aprBp!)).toBeLessThanOrEqual(12.5); // Reg Z tolerance: 1/8 point
  });

  it('a credit line offer is its limit and APR', () => {
    const d = decide({ ...prime, product: 'CREDIT_LINE', termMonths: null, amount: 300_000 });
    expect(buildOffer(d, 'CREDIT_LINE', null, '2026-12-02')).toEqual({
      amount: 300_000,
      termMonths: null,
      aprBp: d.aprBp,
      monthlyPayment: null,
      schedule: [],
      disclosure: null,
    });
  });

  it('nothing approved, no offer', () => {
    expect(
      buildOffer(decide({ ...prime, dateOfBirth: '2010-01-01' }), 'PERSONAL_LOAN', 36, '2026-12-02'),
    ).toBeNull();
  });
});
