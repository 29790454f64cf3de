/**
 * Scorecard `v1` (SPEC section 3): the instant credit decision. Pure and deterministic: the
 * same application always gets the same decision, and every point in it can be explained
 * from the rule trace. It is monotonic by construction: each component only ever gains points
 * when income rises, debt falls, the bureau score rises, on-time months or account age grow,
 * or overdrafts fall, and the grade, the APR, the hard declines and the counter-offer amount
 * all follow from those quantities in the same direction.
 *
 * Social-media data is deliberately not an input (fair-lending risk).
 */
import { ageOnDate, isValidDate } from '../common/calendar';
import { monthlyPayment } from '../common/amortization';
import { divRoundHalfUp, formatMoney, percentOfBp, type Cents } from '../common/money';

export type Product = 'PERSONAL_LOAN' | 'CREDIT_LINE';
export type EmploymentStatus =
  'FULL_TIME' | 'PART_TIME' | 'SELF_EMPLOYED' | 'RETIRED' | 'STUDENT' | 'UNEMPLOYED';
export type Grade = 'A' | 'B' | 'C' | 'D' | 'E';
export type Outcome = 'APPROVED' | 'DECLINED' | 'REFERRED';
export type Component = 'BUREAU_SCORE' | 'ALTERNATIVE_DATA' | 'DEBT_TO_INCOME' | 'EMPLOYMENT' | 'OVERDRAFTS';
export type ReasonCode =
  | 'AGE'
  | 'CREDIT_SCORE'
  | 'LIMITED_CREDIT_HISTORY'
  | 'DEBT_TO_INCOME'
  | 'EMPLOYMENT_STATUS'
  | 'RECENT_OVERDRAFTS';

export interface ApplicantInput {
  product: Product;
  /** Requested loan amount or credit limit. */
  amount: Cents;
  /** Loans: 6–36; credit lines: null. */
  termMonths: number | null;
  dateOfBirth: string;
  /** The business date of the decision (`YYYY-MM-DD`), from the business clock. */
  decisionDate: string;
  monthlyIncome: Cents;
  monthlyDebt: Cents;
  employmentStatus: EmploymentStatus;
  /** Bureau score 300–850; null for a thin-file applicant. */
  creditScore: number | null;
  onTimeRentMonths: number;
  onTimeUtilityMonths: number;
  bankAccountAgeMonths: number;
  overdraftsLast90Days: number;
}

export interface Reason {
  code: ReasonCode;
  description: string;
}

export interface TraceEntry {
  component: Component;
  points: number;
  maxPoints: number;
}

export interface Decision {
  modelVersion: 'v1';
  outcome: Outcome;
  score: number;
  grade: Grade | null;
  aprBp: number | null;
  approvedAmount: Cents | null;
  /** True when the approved amount is less than the amount asked for. */
  counterOffer: boolean;
  reasons: Reason[];
  trace: TraceEntry[];
}

export const MODEL_VERSION = 'v1' as const;

export interface ProductLimits {
  minAmount: Cents;
  maxAmount: Cents;
  /** Loans only; null for credit lines, which have no term. */
  minTermMonths: number | null;
  maxTermMonths: number | null;
}

export const PRODUCT_LIMITS: Readonly<Record<Product, ProductLimits>> = {
  PERSONAL_LOAN: { minAmount: 100_000, maxAmount: 1_000_000, minTermMonths: 6, maxTermMonths: 36 },
  CREDIT_LINE: { minAmount: 50_000, maxAmount: 1_000_000, minTermMonths: null, maxTermMonths: null },
};

export const APR_BY_GRADE: Readonly<Record<Grade, number>> = { A: 799, B: 1199, C: 1699, D: 2299, E: 2999 };

/** The new payment in DTI is priced at the highest APR, so it does not depend on the outcome. */
export const QUALIFYING_APR_BP = 2999;
/** A credit line's qualifying payment is 3% of the requested limit. */
export const CREDIT_LINE_QUALIFYING_BP = 300;

export const BUREAU_SCORE_MIN = 300;
export const BUREAU_SCORE_MAX = 850;
export const MINIMUM_AGE = 18;

/** DTI bands in whole percent, each inclusive: ≤ 20% +250, ≤ 35% +150, ≤ 45% +50, otherwise 0. */
const DTI_BANDS: readonly { maxPercent: number; points: number }[] = [
  { maxPercent: 20, points: 250 },
  { maxPercent: 35, points: 150 },
  { maxPercent: 45, points: 50 },
];
/** Above this the credit is unaffordable: no points, a counter-offer, or a hard decline. */
export const MAX_DTI_PERCENT = 45;

const EMPLOYMENT_POINTS: Readonly<Record<EmploymentStatus, number>> = {
  FULL_TIME: 150,
  SELF_EMPLOYED: 100,
  RETIRED: 100,
  PART_TIME: 80,
  STUDENT: 40,
  UNEMPLOYED: 0,
};

const MAX_POINTS: Readonly<Record<Component, number>> = {
  BUREAU_SCORE: 400,
  ALTERNATIVE_DATA: 60, // with a bureau score; a thin file's maximum is THIN_FILE_ALTERNATIVE_MAX
  DEBT_TO_INCOME: 250,
  EMPLOYMENT: 150,
  OVERDRAFTS: 100,
};
const THIN_FILE_ALTERNATIVE_MAX = 300;

/** Score thresholds: grade by score for approvals; below D, a referral band, then decline. */
export const GRADE_THRESHOLDS: readonly { min: number; grade: Exclude<Grade, 'E'> }[] = [
  { min: 800, grade: 'A' },
  { min: 700, grade: 'B' },
  { min: 600, grade: 'C' },
  { min: 500, grade: 'D' },
];
export const REFERRAL_MIN_SCORE = 450;
/** A grade-E approval only comes from an underwriter approving a referral. */
export const REFERRED_APPROVAL_GRADE: Grade = 'E';

/** Counter-offers are whole hundreds of dollars. */
const COUNTER_OFFER_STEP: Cents = 10_000;

/** Order used to break ties between components that lost the same number of points. */
const COMPONENT_ORDER: readonly Component[] = [
  'BUREAU_SCORE',
  'ALTERNATIVE_DATA',
  'DEBT_TO_INCOME',
  'EMPLOYMENT',
  'OVERDRAFTS',
];

const REASON_OF_COMPONENT: Readonly<Record<Component, ReasonCode>> = {
  BUREAU_SCORE: 'CREDIT_SCORE',
  ALTERNATIVE_DATA: 'LIMITED_CREDIT_HISTORY',
  DEBT_TO_INCOME: 'DEBT_TO_INCOME',
  EMPLOYMENT: 'EMPLOYMENT_STATUS',
  OVERDRAFTS: 'RECENT_OVERDRAFTS',
};

/** Plain-language text shown to the applicant (adverse action and risk-based pricing notices). */
export const REASON_DESCRIPTIONS: Readonly<Record<ReasonCode, string>> = {
  AGE: 'You must be at least 18 years old on the day of the decision.',
  CREDIT_SCORE: 'Your credit score is below the range we approve at the best rates.',
  LIMITED_CREDIT_HISTORY:
    'Your record of on-time rent and utility payments, or the age of your bank account, is too short for our best rates.',
  DEBT_TO_INCOME:
    'Your monthly debt payments, including this credit, are high compared with your monthly income.',
  EMPLOYMENT_STATUS:
    'Your employment status suggests income that is less regular than we need for our best rates.',
  RECENT_OVERDRAFTS: 'Your bank account was overdrawn in the last 90 days.',
};

const MAX_REASONS = 4;

// ---------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------

export interface InputIssue {
  field: keyof ApplicantInput;
  message: string;
}

function isNonNegativeInteger(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

/**
 * The input rules of SPEC section 3 that concern the decision's inputs; the service turns each
 * issue into a userError naming the field and stores nothing. `decide` refuses inputs with issues.
 */
export function validateApplicantInput(input: ApplicantInput): InputIssue[] {
  const limits = PRODUCT_LIMITS[input.product];
  if (!limits) return [{ field: 'product', message: 'Unknown product.' }];
  return [...productIssues(input, limits), ...applicantIssues(input)];
}

/** The amount and term the product allows. */
function productIssues(input: ApplicantInput, limits: ProductLimits): InputIssue[] {
  const issues: InputIssue[] = [];
  if (
    !Number.isSafeInteger(input.amount) ||
    input.amount < limits.minAmount ||
    input.amount > limits.maxAmount
  ) {
    issues.push({
      field: 'amount',
      message: `Amount must be between ${formatMoney(limits.minAmount)} and ${formatMoney(limits.maxAmount)}.`,
    });
  }
  if (input.product === 'PERSONAL_LOAN') {
    const term = input.termMonths;
    if (
      term === null ||
      !Number.isSafeInteger(term) ||
      term < (limits.minTermMonths ?? 0) ||
      term > (limits.maxTermMonths ?? 0)
    ) {
      issues.push({
        field: 'termMonths',
        message: `A personal loan's term must be ${limits.minTermMonths}–${limits.maxTermMonths} months.`,
      });
    }
  } else if (input.termMonths !== null) {
    issues.push({ field: 'termMonths', message: 'A credit line has no term.' });
  }
  return issues;
}

/** Dates, income, debt, employment, bureau score and the alternative-data counts. */
function applicantIssues(input: ApplicantInput): InputIssue[] {
  const issues: InputIssue[] = [];
  if (!isValidDate(input.dateOfBirth))
    issues.push({ field: 'dateOfBirth', message: 'Date of birth must be a valid date.' });
  else if (isValidDate(input.decisionDate) && input.dateOfBirth > input.decisionDate) {
    issues.push({ field: 'dateOfBirth', message: 'Date of birth cannot be in the future.' });
  }
  if (!isValidDate(input.decisionDate))
    issues.push({ field: 'decisionDate', message: 'Decision date must be a valid date.' });
  if (!isNonNegativeInteger(input.monthlyIncome))
    issues.push({ field: 'monthlyIncome', message: 'Monthly income must not be negative.' });
  if (!isNonNegativeInteger(input.monthlyDebt))
    issues.push({ field: 'monthlyDebt', message: 'Monthly debt payments must not be negative.' });
  if (!(input.employmentStatus in EMPLOYMENT_POINTS))
    issues.push({ field: 'employmentStatus', message: 'Unknown employment status.' });
  if (
    input.creditScore !== null &&
    (!Number.isSafeInteger(input.creditScore) ||
      input.creditScore < BUREAU_SCORE_MIN ||
      input.creditScore > BUREAU_SCORE_MAX)
  ) {
    issues.push({
      field: 'creditScore',
      message: `Credit score must be between ${BUREAU_SCORE_MIN} and ${BUREAU_SCORE_MAX}.`,
    });
  }
  for (const field of [
    'onTimeRentMonths',
    'onTimeUtilityMonths',
    'bankAccountAgeMonths',
    'overdraftsLast90Days',
  ] as const) {
    if (!isNonNegativeInteger(input[field]))
      issues.push({ field, message: 'Must be a whole number, not negative.' });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

/** The new monthly payment used for DTI: amortised at 29.99% for a loan, 3% of the limit for a line. */
export function qualifyingPayment(product: Product, amount: Cents, termMonths: number | null): Cents {
  if (product === 'CREDIT_LINE') return percentOfBp(amount, CREDIT_LINE_QUALIFYING_BP);
  if (termMonths === null) throw new RangeError('A personal loan needs a term');
  return monthlyPayment(amount, QUALIFYING_APR_BP, termMonths);
}

/**
 * DTI = (debt + new payment) / income compared with a whole percentage, exactly: the ratio is
 * at most p% when 100 × (debt + payment) ≤ p × income. No income means an infinite DTI.
 */
export function dtiAtMost(
  monthlyDebt: Cents,
  payment: Cents,
  monthlyIncome: Cents,
  percent: number,
): boolean {
  if (monthlyIncome <= 0) return false;
  return 100n * (BigInt(monthlyDebt) + BigInt(payment)) <= BigInt(percent) * BigInt(monthlyIncome);
}

function dtiPoints(monthlyDebt: Cents, payment: Cents, monthlyIncome: Cents): number {
  for (const band of DTI_BANDS)
    if (dtiAtMost(monthlyDebt, payment, monthlyIncome, band.maxPercent)) return band.points;
  return 0;
}

/** (score − 300) / 550 × 400, rounded half-up once. */
function bureauPoints(creditScore: number): number {
  return divRoundHalfUp(
    (creditScore - BUREAU_SCORE_MIN) * MAX_POINTS.BUREAU_SCORE,
    BUREAU_SCORE_MAX - BUREAU_SCORE_MIN,
  );
}

/**
 * With a bureau score, alternative data only adds +40 for a year of on-time rent and +20 for
 * a year of on-time utilities. For a thin file it carries the weight of a credit history:
 * min(rent, 24)/24 × 150 + min(utilities, 24)/24 × 75 + min(account age, 60)/60 × 75. The
 * component is rounded once as a whole (as every component is), not term by term: over the
 * common denominator 8 that is (50·rent + 25·utilities + 10·age) / 8.
 */
function alternativePoints(input: ApplicantInput): { points: number; maxPoints: number } {
  if (input.creditScore !== null) {
    const points = (input.onTimeRentMonths >= 12 ? 40 : 0) + (input.onTimeUtilityMonths >= 12 ? 20 : 0);
    return { points, maxPoints: MAX_POINTS.ALTERNATIVE_DATA };
  }
  const rent = Math.min(input.onTimeRentMonths, 24);
  const utilities = Math.min(input.onTimeUtilityMonths, 24);
  const accountAge = Math.min(input.bankAccountAgeMonths, 60);
  return {
    points: divRoundHalfUp(50 * rent + 25 * utilities + 10 * accountAge, 8),
    maxPoints: THIN_FILE_ALTERNATIVE_MAX,
  };
}

function overdraftPoints(overdrafts: number): number {
  if (overdrafts === 0) return 100;
  if (overdrafts <= 2) return 50;
  return 0;
}

/** The rule trace at the requested amount: every component with its points and maximum. */
export function scoreTrace(input: ApplicantInput): TraceEntry[] {
  const trace: TraceEntry[] = [];
  if (input.creditScore !== null) {
    trace.push({
      component: 'BUREAU_SCORE',
      points: bureauPoints(input.creditScore),
      maxPoints: MAX_POINTS.BUREAU_SCORE,
    });
  }
  trace.push({ component: 'ALTERNATIVE_DATA', ...alternativePoints(input) });
  const payment = qualifyingPayment(input.product, input.amount, input.termMonths);
  trace.push({
    component: 'DEBT_TO_INCOME',
    points: dtiPoints(input.monthlyDebt, payment, input.monthlyIncome),
    maxPoints: MAX_POINTS.DEBT_TO_INCOME,
  });
  trace.push({
    component: 'EMPLOYMENT',
    points: EMPLOYMENT_POINTS[input.employmentStatus],
    maxPoints: MAX_POINTS.EMPLOYMENT,
  });
  trace.push({
    component: 'OVERDRAFTS',
    points: overdraftPoints(input.overdraftsLast90Days),
    maxPoints: MAX_POINTS.OVERDRAFTS,
  });
  return trace;
}

// ---------------------------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------------------------

/** Whether the credit is affordable (DTI ≤ 45%) at a given amount, with the application's term. */
function affordableAt(input: ApplicantInput, amount: Cents): boolean {
  return dtiAtMost(
    input.monthlyDebt,
    qualifyingPayment(input.product, amount, input.termMonths),
    input.monthlyIncome,
    MAX_DTI_PERCENT,
  );
}

/**
 * The amount to approve: the requested amount when it is affordable, otherwise the largest
 * whole $100 (same term, same qualifying payment rule) that keeps DTI ≤ 45%. Null when even
 * the product's minimum is unaffordable. The qualifying payment never falls as the amount
 * rises, so the affordable amounts form a range and a binary search finds its top.
 */
export function approvableAmount(input: ApplicantInput): Cents | null {
  if (affordableAt(input, input.amount)) return input.amount;
  const { minAmount } = PRODUCT_LIMITS[input.product];
  let lo = Math.ceil(minAmount / COUNTER_OFFER_STEP);
  let hi = Math.floor(input.amount / COUNTER_OFFER_STEP);
  if (lo > hi || !affordableAt(input, lo * COUNTER_OFFER_STEP)) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (affordableAt(input, mid * COUNTER_OFFER_STEP)) lo = mid;
    else hi = mid - 1;
  }
  return lo * COUNTER_OFFER_STEP;
}

/** Hard declines apply whatever the score, in this order. */
function hardDeclineReasons(input: ApplicantInput): ReasonCode[] {
  const reasons: ReasonCode[] = [];
  if (ageOnDate(input.dateOfBirth, input.decisionDate) < MINIMUM_AGE) reasons.push('AGE');
  if (!affordableAt(input, PRODUCT_LIMITS[input.product].minAmount)) reasons.push('DEBT_TO_INCOME');
  return reasons;
}

/**
 * Reasons from the trace: components ranked by points lost (maximum − points), ties in the
 * scorecard's order, components that lost nothing left out. Hard-decline reasons come first
 * and a code never appears twice; at most four in all.
 */
function reasonsFor(trace: readonly TraceEntry[], leading: readonly ReasonCode[]): Reason[] {
  const ranked = trace
    .filter((t) => t.maxPoints - t.points > 0)
    .sort(
      (x, y) =>
        y.maxPoints - y.points - (x.maxPoints - x.points) ||
        COMPONENT_ORDER.indexOf(x.component) - COMPONENT_ORDER.indexOf(y.component),
    )
    .map((t) => REASON_OF_COMPONENT[t.component]);
  const codes: ReasonCode[] = [];
  for (const code of [...leading, ...ranked]) if (!codes.includes(code)) codes.push(code);
  return codes.slice(0, MAX_REASONS).map((code) => ({ code, description: REASON_DESCRIPTIONS[code] }));
}

function gradeForScore(score: number): Exclude<Grade, 'E'> | null {
  for (const t of GRADE_THRESHOLDS) if (score >= t.min) return t.grade;
  return null;
}

/** The automated decision for an application (or a "check your rate" simulation). */
export function decide(input: ApplicantInput): Decision {
  const issues = validateApplicantInput(input);
  if (issues.length > 0)
    throw new RangeError(`Invalid application: ${issues.map((i) => `${i.field}: ${i.message}`).join(' ')}`);

  const trace = scoreTrace(input);
  const score = trace.reduce((sum, t) => sum + t.points, 0);
  const base = { modelVersion: MODEL_VERSION, score, trace };

  const hard = hardDeclineReasons(input);
  if (hard.length > 0) {
    return {
      ...base,
      outcome: 'DECLINED',
      grade: null,
      aprBp: null,
      approvedAmount: null,
      counterOffer: false,
      reasons: reasonsFor(trace, hard),
    };
  }

  const grade = gradeForScore(score);
  if (grade === null) {
    const outcome: Outcome = score >= REFERRAL_MIN_SCORE ? 'REFERRED' : 'DECLINED';
    return {
      ...base,
      outcome,
      grade: null,
      aprBp: null,
      approvedAmount: null,
      counterOffer: false,
      reasons: reasonsFor(trace, []),
    };
  }
  return approve(base, input, grade);
}

function approve(
  base: Pick<Decision, 'modelVersion' | 'score' | 'trace'>,
  input: ApplicantInput,
  grade: Grade,
): Decision {
  // Not null: without a hard decline the product's minimum amount is affordable.
  const approvedAmount = approvableAmount(input) as Cents;
  const counterOffer = approvedAmount < input.amount;
  // A grade-A approval of the full amount needs no notice; anything less explains itself.
  const reasons = grade === 'A' && !counterOffer ? [] : reasonsFor(base.trace, []);
  return {
    ...base,
    outcome: 'APPROVED',
    grade,
    aprBp: APR_BY_GRADE[grade],
    approvedAmount,
    counterOffer,
    reasons,
  };
}

/**
 * An underwriter approves a referred application: grade E at 29.99%, for the amount the same
 * counter-offer rule gives. Score, trace and reasons stay those of the automated decision.
 */
export function approveReferred(decision: Decision, input: ApplicantInput): Decision {
  if (decision.outcome !== 'REFERRED')
    throw new RangeError(`Only a REFERRED decision can be approved on review, got ${decision.outcome}`);
  const issues = validateApplicantInput(input);
  if (issues.length > 0)
    throw new RangeError(`Invalid application: ${issues.map((i) => `${i.field}: ${i.message}`).join(' ')}`);
  return approve(
    { modelVersion: decision.modelVersion, score: decision.score, trace: decision.trace },
    input,
    REFERRED_APPROVAL_GRADE,
  );
}
