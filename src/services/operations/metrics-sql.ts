import { GRADE_BANDS } from '../../domain/operations/metrics';

/**
 * The statements behind `portfolioMetrics` and `dashboardMetricsUpdated`: one each, whatever
 * the number of rows, each with its period as the CTE `p (lo, hi)` (`lo` included, `hi`
 * not). The parts both read are written once here, so the two never define a figure apart.
 * Each statement starts with a comment naming it (tests count them).
 */

/** `p`: the period's instants, bound as the statement's first two parameters. */
const PERIOD = 'p as (select ?::timestamptz as lo, ?::timestamptz as hi)';

/** Applications submitted in the period, with their current decision's outcome. */
const APPLICATIONS = `apps as (
  select d.outcome, d.score, d.grade
    from p, credit_application a
    left join credit_decision d on d.id = a.decision_id
   where a.created_at >= p.lo and a.created_at < p.hi
)`;

/** Automated decisions made in the period (an underwriter's review has no latency). */
const DECISIONS = `decisions as (
  select d.latency_ms
    from p, credit_decision d
   where d.decided_at >= p.lo and d.decided_at < p.hi and d.latency_ms is not null
)`;

/**
 * Money lent out in the period, one row per account: the limit of each credit line opened,
 * the principal of each loan paid out (platform and marketplace loans alike). Cash draws on
 * a line are not originations (the line was, when it opened).
 */
const ORIGINATIONS = `originated as (
  select c.id, c.status, c.application_id, c.credit_limit as amount
    from p, credit_account c
   where c.kind = 'CREDIT_LINE' and c.opened_at >= p.lo and c.opened_at < p.hi
  union all
  select c.id, c.status, c.application_id, x.amount
    from p, disbursement x
    join credit_account c on c.id = x.account_id
   where x.kind = 'LOAN' and x.status = 'SUCCEEDED' and x.settled_at >= p.lo and x.settled_at < p.hi
)`;

/** The grade a decision's score earns (its own grade when it has one), one bound pair per band. */
const GRADE_OF_SCORE = `coalesce(grade, case ${GRADE_BANDS.map(() => 'when score >= ? then ?').join(' ')} end)`;
const GRADE_BINDINGS = GRADE_BANDS.flatMap((b) => [b.min, b.grade]);

export const PORTFOLIO_SQL = `/* operations:portfolio-metrics */
with ${PERIOD},
${APPLICATIONS},
graded as (select outcome, ${GRADE_OF_SCORE} as grade from apps),
${DECISIONS},
${ORIGINATIONS},
cohort as (
  select o.amount, o.status = 'CHARGED_OFF' as charged_off, d.grade
    from originated o
    join credit_application a on a.id = o.application_id
    left join credit_decision d on d.id = a.decision_id
),
receivable as (
  select r.credit_account_id as account_id,
         sum(l.amount) as now,
         coalesce(sum(l.amount) filter (where e.created_at < p.hi), 0) as at_end
    from p, ledger_account r
    join journal_line l on l.ledger_code = r.code
    join journal_entry e on e.id = l.entry_id
   where r.credit_account_id is not null
   group by r.credit_account_id
),
actors as (
  select x.actor_id as user_id from p, audit_entry x
   where x.actor_id is not null and x.at >= p.lo and x.at < p.hi
  union
  select t.owner_id from p, card_transaction t
   where t.created_at >= p.lo and t.created_at < p.hi
)
select
  (select count(*) from apps)::int as applications,
  (select count(*) from apps where outcome = 'APPROVED')::int as approved,
  (select percentile_disc(0.5) within group (order by latency_ms) from decisions) as p50,
  (select percentile_disc(0.99) within group (order by latency_ms) from decisions) as p99,
  (select coalesce(sum(amount), 0) from cohort)::bigint as originations,
  (select count(*) from cohort)::int as originated,
  (select count(*) from cohort where charged_off)::int as charged_off,
  (select coalesce(sum(at_end), 0) from receivable)::bigint as outstanding,
  (select count(*) from actors v join app_user u on u.id = v.user_id
    where not ('ADMIN' = any(u.roles)))::int as active_users,
  (select coalesce(json_agg(q), '[]') from (
     select c.days_past_due as days, count(*)::int as accounts, coalesce(sum(r.now), 0)::bigint as balance
       from credit_account c left join receivable r on r.account_id = c.id
      where c.status = 'ACTIVE'
      group by c.days_past_due) q) as delinquency,
  (select coalesce(json_agg(q), '[]') from (
     select grade, count(*)::int as applications, (count(*) filter (where outcome = 'APPROVED'))::int as approved
       from graded where grade is not null group by grade) q) as applications_by_grade,
  (select coalesce(json_agg(q), '[]') from (
     select grade, sum(amount)::bigint as originations, count(*)::int as originated,
            (count(*) filter (where charged_off))::int as charged_off
       from cohort where grade is not null group by grade) q) as cohort_by_grade`;

/** The parameters of `PORTFOLIO_SQL` for a period. */
export const portfolioBindings = (start: Date, end: Date) => [start, end, ...GRADE_BINDINGS];

export interface PortfolioRow {
  applications: number;
  approved: number;
  p50: number | null;
  p99: number | null;
  originations: string;
  originated: number;
  charged_off: number;
  outstanding: string;
  active_users: number;
  delinquency: { days: number; accounts: number; balance: number }[];
  applications_by_grade: { grade: string; applications: number; approved: number }[];
  cohort_by_grade: { grade: string; originations: number; originated: number; charged_off: number }[];
}

/** The live dashboard's figures for one business day: what `portfolioMetrics` counts, today. */
export const DASHBOARD_SQL = `/* operations:dashboard-snapshot */
with ${PERIOD},
${APPLICATIONS},
${DECISIONS},
${ORIGINATIONS}
select
  (select count(*) from apps)::int as applications,
  (select count(*) from apps where outcome = 'APPROVED')::int as approved,
  (select percentile_disc(0.99) within group (order by latency_ms) from decisions) as p99,
  (select coalesce(sum(amount), 0) from originated)::bigint as originations,
  (select coalesce(sum(y.amount), 0) from p, payment y
    where y.status = 'SUCCEEDED' and y.source in ('GATEWAY', 'AUTOPAY')
      and y.settled_at >= p.lo and y.settled_at < p.hi)::bigint as payments`;

export interface DashboardRow {
  applications: number;
  approved: number;
  p99: number | null;
  originations: string;
  payments: string;
}
