import fc from 'fast-check';

import { monthlyPayment } from '../../../src/domain/common/amortization';
import { formatDate, fromDayNumber, toDayNumber } from '../../../src/domain/common/calendar';
import {
  APR_BY_GRADE,
  approveReferred,
  decide,
  PRODUCT_LIMITS,
  QUALIFYING_APR_BP,
  validateApplicantInput,
  type ApplicantInput,
  type Decision,
  type Grade,
  type Outcome,
} from '../../../src/domain/applications/scorecard';

/** A prime borrower: $5,000 over 36 months, $8,000 a month income, $500 of debt payments. */
function makeApplicant(overrides: Partial<ApplicantInput> = {}): ApplicantInput {
  return {
    product: 'PERSONAL_LOAN',
    amount: 500_000,
    termMonths: 36,
    dateOfBirth: '1985-05-05',
    decisionDate: '2025-06-01',
    monthlyIncome: 800_000,
    monthlyDebt: 50_000,
    employmentStatus: 'FULL_TIME',
    creditScore: 800,
    onTimeRentMonths: 24,
    onTimeUtilityMonths: 24,
    bankAccountAgeMonths: 120,
    overdraftsLast90Days: 0,
    ...overrides,
  };
}

const codes = (d: Decision): string[] => d.reasons.map((r) => r.code);
const pointsOf = (d: Decision): Record<string, number> =>
  Object.fromEntries(d.trace.map((t) => [t.component, t.points]));

describe('scorecard v1: worked examples', () => {
  it('approves a prime applicant at grade A, 7.99%, for the full amount, with no reasons', () => {
    // Bureau (800 − 300) / 550 × 400 = 363.6 → 364; rent and utilities ≥ 12 months: 40 + 20;
    // qualifying payment $212.23 (29.99%, 36 months): DTI (500 + 212.23) / 8000 = 8.9% → 250;
    // full-time 150; no overdrafts 100. Score 924.
    const decision = decide(makeApplicant());
    expect(decision).toEqual({
      modelVersion: 'v1',
      outcome: 'APPROVED',
      score: 924,
      grade: 'A',
      aprBp: 799,
      approvedAmount: 500_000,
      counterOffer: false,
      reasons: [],
      trace: [
        { component: 'BUREAU_SCORE', points: 364, maxPoints: 400 },
        { component: 'ALTERNATIVE_DATA', points: 60, maxPoints: 60 },
        { component: 'DEBT_TO_INCOME', points: 250, maxPoints: 250 },
        { component: 'EMPLOYMENT', points: 150, maxPoints: 150 },
        { component: 'OVERDRAFTS', points: 100, maxPoints: 100 },
      ],
    });
  });

  it('scores a thin file on alternative data (maximum 300) with no bureau component', () => {
    // 24/24 × 150 + 18/24 × 75 + 45/60 × 75 = 150 + 56.25 + 56.25 = 262.5 → 263 (half-up);
    // a $3,000 line's qualifying payment is 3% = $90: DTI (500 + 90) / 5000 = 11.8% → 250.
    const decision = decide(
      makeApplicant({
        product: 'CREDIT_LINE',
        amount: 300_000,
        termMonths: null,
        monthlyIncome: 500_000,
        creditScore: null,
        onTimeRentMonths: 24,
        onTimeUtilityMonths: 18,
        bankAccountAgeMonths: 45,
      }),
    );
    expect(decision.trace).toEqual([
      { component: 'ALTERNATIVE_DATA', points: 263, maxPoints: 300 },
      { component: 'DEBT_TO_INCOME', points: 250, maxPoints: 250 },
      { component: 'EMPLOYMENT', points: 150, maxPoints: 150 },
      { component: 'OVERDRAFTS', points: 100, maxPoints: 100 },
    ]);
    expect(decision).toMatchObject({
      outcome: 'APPROVED',
      score: 763,
      grade: 'B',
      aprBp: 1_199,
      approvedAmount: 300_000,
      counterOffer: false,
    });
    // Worse than grade A: a risk-based pricing notice, never about a credit score it does not have.
    expect(codes(decision)).toEqual(['LIMITED_CREDIT_HISTORY']);
  });

  it('rounds the thin-file component once, not term by term, and ranks every lost point', () => {
    // 12/24 × 150 + 6/24 × 75 + 30/60 × 75 = 75 + 18.75 + 37.5 = 131.25 → 131 (term by term: 132).
    // $2,000 line: payment $60, DTI (800 + 60) / 4000 = 21.5% → 150; part-time 80; 1 overdraft 50.
    const decision = decide(
      makeApplicant({
        product: 'CREDIT_LINE',
        amount: 200_000,
        termMonths: null,
        monthlyIncome: 400_000,
        monthlyDebt: 80_000,
        employmentStatus: 'PART_TIME',
        creditScore: null,
        onTimeRentMonths: 12,
        onTimeUtilityMonths: 6,
        bankAccountAgeMonths: 30,
        overdraftsLast90Days: 1,
      }),
    );
    expect(pointsOf(decision)).toEqual({
      ALTERNATIVE_DATA: 131,
      DEBT_TO_INCOME: 150,
      EMPLOYMENT: 80,
      OVERDRAFTS: 50,
    });
    expect(decision).toMatchObject({
      outcome: 'DECLINED',
      score: 411,
      grade: null,
      aprBp: null,
      approvedAmount: null,
    });
    // Lost: alternative data 169, DTI 100, employment 70, overdrafts 50.
    expect(codes(decision)).toEqual([
      'LIMITED_CREDIT_HISTORY',
      'DEBT_TO_INCOME',
      'EMPLOYMENT_STATUS',
      'RECENT_OVERDRAFTS',
    ]);
    expect(decision.reasons[0]!.description).toMatch(/rent|utility|bank account/i);
  });

  it('counter-offers the largest whole $100 that keeps DTI at or under 45%', () => {
    // $10,000 over 36 months: qualifying payment $424.46; DTI (1000 + 424.46) / 3000 = 47.5% > 45%.
    // The payment may be at most 45% × 3000 − 1000 = $350: $8,200 → $348.06 fits, $8,300 → $352.30 does not.
    const input = makeApplicant({
      amount: 1_000_000,
      monthlyIncome: 300_000,
      monthlyDebt: 100_000,
      creditScore: 750,
      onTimeUtilityMonths: 0,
    });
    expect(monthlyPayment(820_000, QUALIFYING_APR_BP, 36)).toBe(34_806);
    expect(monthlyPayment(830_000, QUALIFYING_APR_BP, 36)).toBe(35_230);

    const decision = decide(input);
    // Scored at the requested amount: bureau 327, alternative data 40, DTI 0, full-time 150, overdrafts 100.
    expect(pointsOf(decision)).toEqual({
      BUREAU_SCORE: 327,
      ALTERNATIVE_DATA: 40,
      DEBT_TO_INCOME: 0,
      EMPLOYMENT: 150,
      OVERDRAFTS: 100,
    });
    expect(decision).toMatchObject({
      outcome: 'APPROVED',
      score: 617,
      grade: 'C',
      aprBp: 1_699,
      approvedAmount: 820_000,
      counterOffer: true,
    });
    expect(codes(decision)).toEqual(['DEBT_TO_INCOME', 'CREDIT_SCORE', 'LIMITED_CREDIT_HISTORY']);
  });

  it('counter-offers a credit line on the 3% rule, inclusive at exactly 45%', () => {
    // $1,000 line: payment $30; with $420 of debt on $1,000 income, DTI is exactly 45%: approved as asked.
    const atLimit = makeApplicant({
      product: 'CREDIT_LINE',
      amount: 100_000,
      termMonths: null,
      monthlyIncome: 100_000,
      monthlyDebt: 42_000,
    });
    expect(decide(atLimit)).toMatchObject({ approvedAmount: 100_000, counterOffer: false });
    expect(pointsOf(decide(atLimit)).DEBT_TO_INCOME).toBe(50);
    // One cent more debt: the payment may be $29.99 at most, so a $900 line ($27.00).
    const justOver = { ...atLimit, monthlyDebt: 42_001 };
    expect(decide(justOver)).toMatchObject({
      outcome: 'APPROVED',
      approvedAmount: 90_000,
      counterOffer: true,
    });
    expect(pointsOf(decide(justOver)).DEBT_TO_INCOME).toBe(0);
  });

  it('gives DTI bands inclusively: exactly 20% scores 250, a cent more 150', () => {
    const base = makeApplicant({
      product: 'CREDIT_LINE',
      amount: 100_000,
      termMonths: null,
      monthlyIncome: 100_000,
      monthlyDebt: 17_000,
    });
    expect(pointsOf(decide(base)).DEBT_TO_INCOME).toBe(250);
    expect(pointsOf(decide({ ...base, monthlyDebt: 17_001 })).DEBT_TO_INCOME).toBe(150);
    expect(pointsOf(decide({ ...base, monthlyDebt: 32_000 })).DEBT_TO_INCOME).toBe(150); // exactly 35%
    expect(pointsOf(decide({ ...base, monthlyDebt: 32_001 })).DEBT_TO_INCOME).toBe(50);
  });

  it('hard-declines an applicant under 18 on the day of the decision, keeping score and trace', () => {
    const decision = decide(makeApplicant({ dateOfBirth: '2007-06-02' })); // 18 tomorrow
    expect(decision).toMatchObject({
      outcome: 'DECLINED',
      score: 924,
      grade: null,
      aprBp: null,
      approvedAmount: null,
      counterOffer: false,
    });
    expect(decision.trace).toHaveLength(5);
    expect(codes(decision)).toEqual(['AGE', 'CREDIT_SCORE']);
    // On the 18th birthday itself the applicant may borrow.
    expect(decide(makeApplicant({ dateOfBirth: '2007-06-01' })).outcome).toBe('APPROVED');
  });

  it('hard-declines when DTI is above 45% even at the product minimum, with DEBT_TO_INCOME first and once', () => {
    // $1,000 over 36 months costs $42.45: (900 + 42.45) / 2000 = 47.1%.
    const decision = decide(makeApplicant({ monthlyIncome: 200_000, monthlyDebt: 90_000 }));
    expect(decision).toMatchObject({
      outcome: 'DECLINED',
      score: 674,
      grade: null,
      aprBp: null,
      approvedAmount: null,
    });
    expect(codes(decision)).toEqual(['DEBT_TO_INCOME', 'CREDIT_SCORE']);
  });

  it('puts both hard reasons first when both apply', () => {
    const decision = decide(makeApplicant({ dateOfBirth: '2010-01-01', monthlyIncome: 0 }));
    expect(codes(decision)).toEqual(['AGE', 'DEBT_TO_INCOME', 'CREDIT_SCORE']);
  });

  it('treats zero income as an infinite DTI: no DTI points and a hard decline', () => {
    const decision = decide(makeApplicant({ monthlyIncome: 0, monthlyDebt: 0 }));
    expect(pointsOf(decision).DEBT_TO_INCOME).toBe(0);
    expect(decision.outcome).toBe('DECLINED');
    expect(codes(decision)[0]).toBe('DEBT_TO_INCOME');
  });

  it('refers 450–499 to manual review with reasons, ranked by points lost, ties in scorecard order, at most four', () => {
    // Bureau 600 → 218; rent only → 40; $2,000/24 months: DTI (600 + 111.78) / 3000 = 23.7% → 150;
    // part-time 80; 3 overdrafts 0. Score 488.
    const input = makeApplicant({
      amount: 200_000,
      termMonths: 24,
      monthlyIncome: 300_000,
      monthlyDebt: 60_000,
      creditScore: 600,
      onTimeRentMonths: 12,
      onTimeUtilityMonths: 0,
      employmentStatus: 'PART_TIME',
      overdraftsLast90Days: 3,
    });
    const decision = decide(input);
    expect(decision).toMatchObject({
      outcome: 'REFERRED',
      score: 488,
      grade: null,
      aprBp: null,
      approvedAmount: null,
      counterOffer: false,
    });
    // Lost: bureau 182, DTI 100 and overdrafts 100 (tie: DTI first), employment 70; alternative data 20 is fifth.
    expect(codes(decision)).toEqual([
      'CREDIT_SCORE',
      'DEBT_TO_INCOME',
      'RECENT_OVERDRAFTS',
      'EMPLOYMENT_STATUS',
    ]);

    const approved = approveReferred(decision, input);
    expect(approved).toMatchObject({
      outcome: 'APPROVED',
      grade: 'E',
      aprBp: 2_999,
      approvedAmount: 200_000,
      counterOffer: false,
      score: 488,
    });
    expect(approved.reasons).toEqual(decision.reasons);
  });

  it('an underwriter approving a referral applies the counter-offer rule too', () => {
    const input = makeApplicant({
      amount: 1_000_000,
      monthlyIncome: 300_000,
      monthlyDebt: 100_000,
      creditScore: 700,
      employmentStatus: 'PART_TIME',
      overdraftsLast90Days: 1,
    });
    const decision = decide(input);
    expect(decision).toMatchObject({ outcome: 'REFERRED', score: 481 });
    expect(approveReferred(decision, input)).toMatchObject({
      outcome: 'APPROVED',
      grade: 'E',
      aprBp: 2_999,
      approvedAmount: 820_000,
      counterOffer: true,
    });
    expect(() => approveReferred(decide(makeApplicant()), makeApplicant())).toThrow(RangeError);
  });

  it('declines below 450 and grades the bands at their lower edges', () => {
    expect(
      decide(makeApplicant({ creditScore: 300, employmentStatus: 'UNEMPLOYED', overdraftsLast90Days: 5 }))
        .outcome,
    ).toBe('DECLINED');
    // 850 → 400 points: the bureau component's maximum.
    expect(pointsOf(decide(makeApplicant({ creditScore: 850 }))).BUREAU_SCORE).toBe(400);
    expect(pointsOf(decide(makeApplicant({ creditScore: 300 }))).BUREAU_SCORE).toBe(0);
  });

  it('checks the input rules, and refuses to decide on invalid input', () => {
    const issues = validateApplicantInput(
      makeApplicant({
        amount: 99_999,
        termMonths: 37,
        creditScore: 851,
        monthlyDebt: -1,
        onTimeRentMonths: -1,
        dateOfBirth: '2025-02-30',
      }),
    );
    expect(issues.map((i) => i.field)).toEqual([
      'amount',
      'termMonths',
      'dateOfBirth',
      'monthlyDebt',
      'creditScore',
      'onTimeRentMonths',
    ]);
    expect(
      validateApplicantInput(makeApplicant({ product: 'CREDIT_LINE', amount: 50_000, termMonths: 12 })).map(
        (i) => i.field,
      ),
    ).toEqual(['termMonths']);
    expect(validateApplicantInput(makeApplicant())).toEqual([]);
    expect(() => decide(makeApplicant({ amount: 1_000_001 }))).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const dateBetween = (from: string, to: string): fc.Arbitrary<string> =>
  fc.integer({ min: toDayNumber(from), max: toDayNumber(to) }).map((n) => formatDate(fromDayNumber(n)));

const applicant: fc.Arbitrary<ApplicantInput> = fc
  .record({
    product: fc.constantFrom('PERSONAL_LOAN' as const, 'CREDIT_LINE' as const),
    amountDollars: fc.integer({ min: 0, max: 10_000 }),
    amountCents: fc.integer({ min: 0, max: 99 }),
    termMonths: fc.integer({ min: 6, max: 36 }),
    dateOfBirth: dateBetween('1940-01-01', '2012-12-31'),
    decisionDate: dateBetween('2024-01-01', '2026-12-31'),
    // Mostly earners, sometimes no income; debt as a share of income (0–60%) so that every
    // band, counter-offers and DTI hard declines all turn up.
    monthlyIncome: fc.oneof(
      { arbitrary: fc.constant(0), weight: 1 },
      { arbitrary: fc.integer({ min: 50_000, max: 2_500_000 }), weight: 9 },
    ),
    debtShareBp: fc.integer({ min: 0, max: 6_000 }),
    employmentStatus: fc.constantFrom(
      'FULL_TIME' as const,
      'PART_TIME' as const,
      'SELF_EMPLOYED' as const,
      'RETIRED' as const,
      'STUDENT' as const,
      'UNEMPLOYED' as const,
    ),
    creditScore: fc.option(fc.integer({ min: 300, max: 850 }), { nil: null }),
    onTimeRentMonths: fc.integer({ min: 0, max: 60 }),
    onTimeUtilityMonths: fc.integer({ min: 0, max: 60 }),
    bankAccountAgeMonths: fc.integer({ min: 0, max: 240 }),
    overdraftsLast90Days: fc.integer({ min: 0, max: 10 }),
  })
  .map(({ amountDollars, amountCents, product, termMonths, debtShareBp, ...rest }) => {
    const { minAmount, maxAmount } = PRODUCT_LIMITS[product];
    const amount = Math.min(maxAmount, Math.max(minAmount, amountDollars * 100 + amountCents));
    const monthlyDebt = Math.floor((rest.monthlyIncome * debtShareBp) / 10_000);
    return {
      ...rest,
      product,
      amount,
      monthlyDebt,
      termMonths: product === 'PERSONAL_LOAN' ? termMonths : null,
    };
  });

const OUTCOME_RANK: Record<Outcome, number> = { DECLINED: 0, REFERRED: 1, APPROVED: 2 };
const GRADE_RANK: Record<Grade, number> = { E: 0, D: 1, C: 2, B: 3, A: 4 };

/** `better` is at least as good as `worse` in outcome, score, grade, amount and APR (lower is better). */
function expectNotWorse(better: Decision, worse: Decision): void {
  expect(OUTCOME_RANK[better.outcome]).toBeGreaterThanOrEqual(OUTCOME_RANK[worse.outcome]);
  expect(better.score).toBeGreaterThanOrEqual(worse.score);
  if (better.outcome === 'APPROVED' && worse.outcome === 'APPROVED') {
    expect(GRADE_RANK[better.grade as Grade]).toBeGreaterThanOrEqual(GRADE_RANK[worse.grade as Grade]);
    expect(better.aprBp as number).toBeLessThanOrEqual(worse.aprBp as number);
    expect(better.approvedAmount as number).toBeGreaterThanOrEqual(worse.approvedAmount as number);
  }
}

/** Two values of one input, ordered: [lower, higher]. */
const ordered = (arb: fc.Arbitrary<number>): fc.Arbitrary<[number, number]> =>
  fc.tuple(arb, arb).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);

describe('scorecard v1: properties', () => {
  it('is deterministic', () => {
    fc.assert(
      fc.property(applicant, (input) => {
        const first = decide(input);
        expect(decide(structuredClone(input))).toEqual(first);
        expect(decide(input)).toEqual(first);
      }),
    );
  });

  it('keeps its invariants: score is the trace sum, at most four distinct reasons, grade-A full approvals alone have none', () => {
    fc.assert(
      fc.property(applicant, (input) => {
        const d = decide(input);
        expect(d.score).toBe(d.trace.reduce((s, t) => s + t.points, 0));
        expect(d.reasons.length).toBeLessThanOrEqual(4);
        expect(new Set(codes(d)).size).toBe(d.reasons.length);
        if (input.creditScore === null) {
          expect(d.trace.some((t) => t.component === 'BUREAU_SCORE')).toBe(false);
          expect(codes(d)).not.toContain('CREDIT_SCORE');
        }
        if (d.outcome === 'APPROVED') {
          expect(d.aprBp).toBe(APR_BY_GRADE[d.grade as Grade]);
          expect(d.approvedAmount as number).toBeLessThanOrEqual(input.amount);
          expect(d.approvedAmount as number).toBeGreaterThanOrEqual(PRODUCT_LIMITS[input.product].minAmount);
          expect(d.counterOffer).toBe((d.approvedAmount as number) < input.amount);
          if (d.counterOffer) expect((d.approvedAmount as number) % 10_000).toBe(0);
        } else {
          expect([d.grade, d.aprBp, d.approvedAmount]).toEqual([null, null, null]);
        }
        const needsNoReasons = d.outcome === 'APPROVED' && d.grade === 'A' && !d.counterOffer;
        expect(d.reasons.length === 0).toBe(needsNoReasons);
      }),
    );
  });

  it('more income never makes the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 0, max: 2_500_000 })), (input, [less, more]) => {
        expectNotWorse(decide({ ...input, monthlyIncome: more }), decide({ ...input, monthlyIncome: less }));
      }),
    );
  });

  it('less debt never makes the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 0, max: 1_000_000 })), (input, [less, more]) => {
        expectNotWorse(decide({ ...input, monthlyDebt: less }), decide({ ...input, monthlyDebt: more }));
      }),
    );
  });

  it('a higher bureau score never makes the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 300, max: 850 })), (input, [lower, higher]) => {
        expectNotWorse(decide({ ...input, creditScore: higher }), decide({ ...input, creditScore: lower }));
      }),
    );
  });

  it('more on-time rent months never make the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 0, max: 60 })), (input, [fewer, more]) => {
        expectNotWorse(
          decide({ ...input, onTimeRentMonths: more }),
          decide({ ...input, onTimeRentMonths: fewer }),
        );
      }),
    );
  });

  it('more on-time utility months never make the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 0, max: 60 })), (input, [fewer, more]) => {
        expectNotWorse(
          decide({ ...input, onTimeUtilityMonths: more }),
          decide({ ...input, onTimeUtilityMonths: fewer }),
        );
      }),
    );
  });

  it('an older bank account never makes the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 0, max: 240 })), (input, [younger, older]) => {
        expectNotWorse(
          decide({ ...input, bankAccountAgeMonths: older }),
          decide({ ...input, bankAccountAgeMonths: younger }),
        );
      }),
    );
  });

  it('fewer overdrafts never make the decision worse', () => {
    fc.assert(
      fc.property(applicant, ordered(fc.integer({ min: 0, max: 10 })), (input, [fewer, more]) => {
        expectNotWorse(
          decide({ ...input, overdraftsLast90Days: fewer }),
          decide({ ...input, overdraftsLast90Days: more }),
        );
      }),
    );
  });
});
