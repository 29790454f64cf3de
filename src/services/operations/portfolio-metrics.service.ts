import type { Knex } from '@mikro-orm/postgresql';
import { delinquencyBucket, type DelinquencyBucketName } from '../../domain/accounts/delinquency';
import type { Grade } from '../../domain/applications/scorecard';
import {
  DELINQUENCY_BUCKETS,
  GRADES,
  percentBp,
  periodBounds,
  resolvePeriod,
  roundMs,
  type Period,
} from '../../domain/operations/metrics';
import type { Clock } from '../../lib/clock';
import { badInput, forbidden } from '../../lib/errors';
import { requireViewer, type RequestScope } from '../common/request-scope';
import {
  DASHBOARD_SQL,
  PORTFOLIO_SQL,
  portfolioBindings,
  type DashboardRow,
  type PortfolioRow,
} from './metrics-sql';

/** Money in cents, rates in basis points of a percent (5714: 57.14%), latencies in ms. */
export interface PortfolioMetricsView extends Period {
  applications: number;
  approved: number;
  approvalRateBp: number | null;
  decisionLatencyP50Ms: number | null;
  decisionLatencyP99Ms: number | null;
  originations: number;
  outstandingBalance: number;
  chargeOffRateBp: number | null;
  activeUsers: number;
  delinquency: { bucket: DelinquencyBucketName; accounts: number; balance: number }[];
  byGrade: {
    grade: Grade;
    applications: number;
    approved: number;
    originations: number;
    chargeOffRateBp: number | null;
  }[];
}

/** The live dashboard's figures for the business day `today`, taken at `at`. */
export interface DashboardSnapshot {
  at: Date;
  today: string;
  applicationsToday: number;
  approvalRateBp: number | null;
  decisionLatencyP99Ms: number | null;
  originationsToday: number;
  paymentsToday: number;
}

/**
 * Portfolio analytics (SPEC section 11) and the live dashboard's figures (section 10), each
 * one SQL statement whatever the size of the portfolio (metrics-sql.ts, where every figure
 * is defined). Periods are business dates on the sandbox clock.
 */
export class PortfolioMetricsService {
  constructor(
    private readonly clock: Clock,
    private readonly knex: Knex,
  ) {}

  /** Admins: the figures of a period (default: the 30 days up to today). */
  async portfolio(
    ctx: RequestScope,
    args: { from?: string | null; to?: string | null },
  ): Promise<PortfolioMetricsView> {
    if (!requireViewer(ctx).isAdmin) throw forbidden();
    const period = resolvePeriod(args.from, args.to, this.clock.today());
    if ('problem' in period) throw badInput(period.problem);
    const { start, end } = periodBounds(period);
    const r = await this.knex.raw<{ rows: PortfolioRow[] }>(PORTFOLIO_SQL, portfolioBindings(start, end));
    return portfolioView(period, r.rows[0]!);
  }

  /** Today's dashboard figures, for every admin watching (access is checked when they subscribe). */
  async dashboard(): Promise<DashboardSnapshot> {
    const at = this.clock.now();
    const today = at.toISOString().slice(0, 10);
    const { start, end } = periodBounds({ from: today, to: today });
    const r = await this.knex.raw<{ rows: DashboardRow[] }>(DASHBOARD_SQL, [start, end]);
    const row = r.rows[0]!;
    return {
      at,
      today,
      applicationsToday: row.applications,
      approvalRateBp: percentBp(row.approved, row.applications),
      decisionLatencyP99Ms: roundMs(row.p99),
      originationsToday: Number(row.originations),
      paymentsToday: Number(row.payments),
    };
  }
}

function portfolioView(period: Period, row: PortfolioRow): PortfolioMetricsView {
  const delinquency = new Map(DELINQUENCY_BUCKETS.map((b) => [b, { bucket: b, accounts: 0, balance: 0 }]));
  for (const d of row.delinquency) {
    const bucket = delinquency.get(delinquencyBucket(d.days))!;
    bucket.accounts += d.accounts;
    bucket.balance += Number(d.balance);
  }
  const applied = new Map(row.applications_by_grade.map((g) => [g.grade, g]));
  const cohort = new Map(row.cohort_by_grade.map((g) => [g.grade, g]));
  return {
    ...period,
    applications: row.applications,
    approved: row.approved,
    approvalRateBp: percentBp(row.approved, row.applications),
    decisionLatencyP50Ms: roundMs(row.p50),
    decisionLatencyP99Ms: roundMs(row.p99),
    originations: Number(row.originations),
    outstandingBalance: Number(row.outstanding),
    chargeOffRateBp: percentBp(row.charged_off, row.originated),
    activeUsers: row.active_users,
    delinquency: [...delinquency.values()],
    byGrade: GRADES.map((grade) => {
      const a = applied.get(grade);
      const c = cohort.get(grade);
      return {
        grade,
        applications: a?.applications ?? 0,
        approved: a?.approved ?? 0,
        originations: Number(c?.originations ?? 0),
        chargeOffRateBp: percentBp(c?.charged_off ?? 0, c?.originated ?? 0),
      };
    }),
  };
}
