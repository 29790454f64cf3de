import { Field, Float, Int, ObjectType } from 'type-graphql';
import type {
  DashboardSnapshot,
  PortfolioMetricsView,
} from '../../services/operations/portfolio-metrics.service';
import { DelinquencyBucket } from '../accounts/account.enums';
import { RiskGrade } from '../applications/application.types';
import { Money, money } from '../common/money.type';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../common/scalars';

/** The definition of originations, for `when` ("in the period", "today"). */
const originations = (when: string) =>
  `Money lent out ${when}: the credit limit of each credit line opened, plus the principal of each loan paid out (platform and marketplace loans, when the payout succeeded). Cash draws on a line are not originations.`;
const CHARGE_OFF_RATE =
  'Of the accounts originated in the period (lines opened, loans paid out), the share charged off (120 days past due) as of now, by count: a percentage with two decimals ("33.33"); null when none was originated.';

@ObjectType('DelinquencyMetrics', {
  description: 'Open accounts in one delinquency bucket, as of now.',
})
export class DelinquencyMetricsType {
  @Field(() => DelinquencyBucket, {
    description:
      'Days past due of the oldest unpaid past-due installment: CURRENT (0), 1–30, 31–60, 61–90, over 90.',
  })
  bucket!: string;

  @Field(() => Int, {
    description: 'ACTIVE accounts in the bucket (charged-off, paid-off and closed ones are not).',
  })
  accounts!: number;

  @Field(() => Money, {
    description: 'What those accounts owe, from the ledger: principal, interest and fees receivable.',
  })
  balance!: Money;
}

@ObjectType('GradeMetrics', {
  description: 'The figures of one risk grade in the period.',
})
export class GradeMetricsType {
  @Field(() => RiskGrade, {
    description:
      "The decision's grade; for a decision without one (declines, referrals), the grade its score falls in: A ≥ 800, B ≥ 700, C ≥ 600, D ≥ 500, E 450–499 (the referral band). Scores below 450 have no grade.",
  })
  grade!: string;

  @Field(() => Int, { description: 'Applications submitted in the period in this grade.' })
  applications!: number;

  @Field(() => Int, { description: 'Of those, the ones whose current decision is APPROVED.' })
  approved!: number;

  @Field(() => Money, { description: originations('in the period on accounts of this grade') })
  originations!: Money;

  @Field(() => DecimalScalar, { nullable: true, description: `${CHARGE_OFF_RATE} This grade only.` })
  chargeOffRate!: number | null;
}

@ObjectType('PortfolioMetrics', {
  description:
    'Admins: the portfolio over a period of business days (sandbox clock, UTC), both ends included. Rates are percentages with two decimals, rounded half-up ("57.14"), null when there is nothing to divide by; durations are milliseconds.',
})
export class PortfolioMetricsType {
  @Field(() => DateScalar, { description: 'First day of the period.' })
  from!: string;

  @Field(() => DateScalar, { description: 'Last day of the period (included).' })
  to!: string;

  @Field(() => Int, { description: 'Applications submitted in the period (any product, any outcome).' })
  applications!: number;

  @Field(() => Int, {
    description:
      'Of those, the ones whose current decision is APPROVED (automated, or an underwriter approving a referral), whether or not the offer was then accepted.',
  })
  approved!: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      'approved / applications, as a percentage ("57.14"); referrals still under review count as not approved. Null without applications.',
  })
  approvalRate!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Median time the automated decision took (scorecard and offer), over the decisions made in the period, in ms (nearest rank, to the microsecond). Null when none was made.',
  })
  decisionLatencyP50Ms!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: '99th percentile of the same decision times, in ms (nearest rank). Null when none was made.',
  })
  decisionLatencyP99Ms!: number | null;

  @Field(() => Money, { description: originations('in the period') })
  originations!: Money;

  @Field(() => Money, {
    description:
      "What borrowers owe at the end of the period's last day: the sum of the ledger's borrower receivable accounts (principal, interest and fees of every credit account), equal to those accounts in `trialBalance`. Charged-off balances are written off and not included.",
  })
  outstandingBalance!: Money;

  @Field(() => DecimalScalar, { nullable: true, description: CHARGE_OFF_RATE })
  chargeOffRate!: number | null;

  @Field(() => Int, {
    description:
      'Engagement: distinct customers (admins not counted) who did something signed in during the period: an audited action of their own (sign-up, sign-in, application, payment, redemption, investment, checkout, …) or a card purchase attempt.',
  })
  activeUsers!: number;

  @Field(() => [DelinquencyMetricsType], {
    description: 'ACTIVE accounts by delinquency bucket as of now (not as of `to`), every bucket listed.',
  })
  delinquency!: DelinquencyMetricsType[];

  @Field(() => [GradeMetricsType], {
    description: 'The same figures by risk grade, A to E, every grade listed.',
  })
  byGrade!: GradeMetricsType[];
}

export const portfolioMetricsType = (v: PortfolioMetricsView): PortfolioMetricsType => ({
  from: v.from,
  to: v.to,
  applications: v.applications,
  approved: v.approved,
  approvalRate: v.approvalRateBp,
  decisionLatencyP50Ms: v.decisionLatencyP50Ms,
  decisionLatencyP99Ms: v.decisionLatencyP99Ms,
  originations: money(v.originations),
  outstandingBalance: money(v.outstandingBalance),
  chargeOffRate: v.chargeOffRateBp,
  activeUsers: v.activeUsers,
  delinquency: v.delinquency.map((d) => ({
    bucket: d.bucket,
    accounts: d.accounts,
    balance: money(d.balance),
  })),
  byGrade: v.byGrade.map((g) => ({
    grade: g.grade,
    applications: g.applications,
    approved: g.approved,
    originations: money(g.originations),
    chargeOffRate: g.chargeOffRateBp,
  })),
});

@ObjectType('DashboardMetrics', {
  description:
    "Admins' live dashboard: today's figures (the sandbox clock's business day), defined as in `portfolioMetrics`. Sent when they change, at most once a second; each message is a fresh snapshot.",
})
export class DashboardMetricsType {
  @Field(() => DateTimeScalar, { description: 'When the figures were taken (sandbox clock).' })
  at!: Date;

  @Field(() => DateScalar, { description: 'The business day the figures are for.' })
  today!: string;

  @Field(() => Int, { description: 'Applications submitted today.' })
  applicationsToday!: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'Approved / submitted today, as a percentage ("57.14"); null before the first application.',
  })
  approvalRate!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "99th percentile of today's automated decision times, in ms (nearest rank); null before the first.",
  })
  decisionLatencyP99Ms!: number | null;

  @Field(() => Money, { description: originations('today') })
  originationsToday!: Money;

  @Field(() => Money, {
    description:
      'Repayments collected today: payments that succeeded today through the payment provider (makePayment and autopay), not reward or refund credits.',
  })
  paymentsToday!: Money;
}

export const dashboardMetricsType = (s: DashboardSnapshot): DashboardMetricsType => ({
  at: s.at,
  today: s.today,
  applicationsToday: s.applicationsToday,
  approvalRate: s.approvalRateBp,
  decisionLatencyP99Ms: s.decisionLatencyP99Ms,
  originationsToday: money(s.originationsToday),
  paymentsToday: money(s.paymentsToday),
});
