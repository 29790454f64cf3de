import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import {
  AcceptOfferDocument,
  DashboardMetricsUpdatedDocument,
  PortfolioMetricsDocument,
  RequestDisbursementDocument,
  SubmitApplicationDocument,
  type DashboardMetricsUpdatedSubscription,
  type PortfolioMetricsQuery,
} from '../generated/contract';
import { addDays, daysBetween } from '../../src/domain/common/calendar';
import { lateFee, monthlySchedule } from '../../src/domain/common/amortization';
import { fromGlobalId } from '../../src/lib/global-id';
import {
  makeAdmin,
  openCreditLine,
  primeLoan,
  referredLoan,
  signUp,
  type SignedUp,
} from '../support/fixtures';
import { subscribe, waitFor, type Subscription } from '../support/live';
import { cents, dollars, moneyClient, sql } from '../support/money';
import { statementsMatching, watchStatements } from '../support/observe';
import { ok, startTestServer, type TestServer } from '../support/server';

type Metrics = PortfolioMetricsQuery['portfolioMetrics'];

const usd = (amount: string) => ({ amount, currency: 'USD' });

/** Applicant profiles and the grade their score earns (checked on each decision). */
const PROFILES = {
  /** 909: grade A at 7.99%. */
  prime: primeLoan(),
  /** 255 + 60 + 250 + 80 + 100 = 745: grade B. */
  gradeB: primeLoan({ creditScore: 650, employmentStatus: 'PART_TIME' }),
  /** 218 + 60 + 250 + 80 + 50 = 658: grade C at 16.99%. */
  gradeC: primeLoan({
    creditScore: 600,
    employmentStatus: 'PART_TIME',
    alternativeData: {
      onTimeRentMonths: 12,
      onTimeUtilityMonths: 12,
      bankAccountAgeMonths: 60,
      overdraftsLast90Days: 1,
    },
  }),
  /** 0 + 0 + 250 + 0 + 0 = 250: declined on the score (no grade band). */
  poor: primeLoan({
    creditScore: 300,
    employmentStatus: 'UNEMPLOYED',
    alternativeData: {
      onTimeRentMonths: 0,
      onTimeUtilityMonths: 0,
      bankAccountAgeMonths: 1,
      overdraftsLast90Days: 3,
    },
  }),
};

/**
 * Statements reading what a request for the metrics may read (the session check's tables and
 * the portfolio's), but those of the server's own background work (the payment recovery's
 * claims): a query per account, application or journal line would show here.
 */
const PORTFOLIO_READS =
  /refresh_token|app_user|credit_application|credit_decision|credit_account|disbursement|journal_|ledger_account|audit_entry|card_transaction|payment/;
const BACKGROUND = /attempted_at|dashboard-snapshot/;

async function apply(s: TestServer, u: SignedUp, input: Record<string, unknown>) {
  const r = ok(
    await s.gql(SubmitApplicationDocument, { input: input as never }, { token: u.accessToken }),
  ).submitApplication;
  expect(r.userErrors).toEqual([]);
  return r.application!;
}

/** Applies, accepts and (loans) takes the money: the account's global id. */
async function originate(s: TestServer, u: SignedUp, input: Record<string, unknown>, grade: string) {
  const app = await apply(s, u, input);
  expect(app.decision).toMatchObject({ outcome: 'APPROVED', grade });
  const accountId = ok(
    await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
  ).acceptOffer.account!.id;
  if (input.product === 'PERSONAL_LOAN') {
    const d = ok(
      await s.gql(
        RequestDisbursementDocument,
        { input: { accountId, idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).requestDisbursement;
    expect(d.disbursement).toMatchObject({ status: 'SUCCEEDED' });
  }
  return accountId;
}

const metricsOf = async (s: TestServer, admin: SignedUp, vars: { from?: string; to?: string } = {}) =>
  ok(await s.gql(PortfolioMetricsDocument, vars, { token: admin.accessToken })).portfolioMetrics;

/** Decision times (ms) stored for decisions made from `from` to `to`, both included: nearest-rank p50 and p99. */
async function latencies(s: TestServer, from: string, to: string) {
  const rows = await sql<{ latency_ms: number }>(
    s.databaseUrl,
    `select latency_ms from credit_decision where latency_ms is not null
        and decided_at >= $1::timestamptz and decided_at < $2::timestamptz order by latency_ms`,
    [`${from}T00:00:00Z`, `${addDays(to, 1)}T00:00:00Z`],
  );
  const rank = (p: number) => Math.round(rows[Math.ceil(p * rows.length) - 1]!.latency_ms * 1000) / 1000;
  return { count: rows.length, p50: rank(0.5), p99: rank(0.99) };
}

/** What the ledger says borrowers owe (the borrower receivable accounts of `trialBalance`), in cents; by account too. */
async function receivables(s: TestServer, admin: SignedUp) {
  const tb = await moneyClient(s).trialBalance(admin);
  const byAccount = new Map<string, number>();
  for (const a of tb.accounts) {
    const m = /^account:([^:]+):(principal|interest|fees)$/.exec(a.code);
    if (m) byAccount.set(m[1]!, (byAccount.get(m[1]!) ?? 0) + cents(a.balance.amount));
  }
  const total = [...byAccount.values()].reduce((x, y) => x + y, 0);
  const of = (accountGlobalId: string) => byAccount.get(fromGlobalId(accountGlobalId)!.id) ?? 0;
  return { total, of };
}

const buckets = (m: Metrics) => Object.fromEntries(m.delinquency.map((d) => [d.bucket, d]));
const grades = (m: Metrics) => Object.fromEntries(m.byGrade.map((g) => [g.grade, g]));
const quiet = { accounts: 0, balance: usd('0.00') };

describe('portfolioMetrics on a small portfolio, against figures computed by hand', () => {
  let s: TestServer;
  let admin: SignedUp;
  let money: ReturnType<typeof moneyClient>;
  const u: Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g', SignedUp> = {} as never;
  const account: Record<'a' | 'b' | 'c', string> = {} as never;
  let d0: string;

  beforeAll(async () => {
    s = await startTestServer();
    admin = await makeAdmin(s);
    money = moneyClient(s);
    d0 = s.app.services.clock.today();
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const) u[k] = await signUp(s);
    // a: a $2,000 platform loan, grade A. b: a $1,000 line, grade A: $300 bought, $100 paid.
    // c: a $1,500 loan, grade C. d: referred (score band E). e: declined on the score (no band).
    // f: approved grade B, offer never accepted. g: under 18, declined (score band A).
    account.a = await originate(s, u.a, primeLoan({ amount: '2000.00', termMonths: 6 }), 'A');
    const line = await openCreditLine(s, u.b, '1000.00');
    account.b = line.accountId;
    const cardId = line.cardId;
    expect((await money.buy(u.b, cardId, '300.00')).transaction).toMatchObject({ status: 'APPROVED' });
    expect((await money.pay(u.b, account.b, '100.00')).payment).toMatchObject({ status: 'SUCCEEDED' });
    account.c = await originate(s, u.c, { ...PROFILES.gradeC, amount: '1500.00', termMonths: 6 }, 'C');
    expect((await apply(s, u.d, referredLoan())).decision).toMatchObject({
      outcome: 'REFERRED',
      grade: null,
    });
    expect((await apply(s, u.e, PROFILES.poor)).decision).toMatchObject({ outcome: 'DECLINED', score: 250 });
    expect(
      (await apply(s, u.f, { ...PROFILES.gradeB, amount: '3000.00', termMonths: 12 })).decision,
    ).toMatchObject({ outcome: 'APPROVED', grade: 'B' });
    const minor = await apply(s, u.g, primeLoan({ dateOfBirth: addDays(d0, -17 * 365) }));
    expect(minor.decision).toMatchObject({ outcome: 'DECLINED', grade: null });
    expect(minor.decision!.score).toBeGreaterThanOrEqual(800);
  }, 60_000);
  afterAll(async () => s?.close());

  it('on the day: every figure of the day, the default period, and the outstanding balance equal to the ledger', async () => {
    const m = await metricsOf(s, admin, { from: d0, to: d0 });
    const l = await latencies(s, d0, d0);
    expect(l.count).toBe(7);
    expect(m).toEqual({
      applications: 7,
      approvalRate: '57.14', // a, b, c, f of 7
      decisionLatencyP50Ms: l.p50,
      decisionLatencyP99Ms: l.p99,
      originations: usd('4500.00'), // 2,000 + 1,000 (the limit) + 1,500
      outstandingBalance: usd('3700.00'), // 2,000 + 300 − 100 + 1,500
      chargeOffRate: '0.00',
      activeUsers: 7, // the seven customers; the admin is not counted
      delinquency: [
        { bucket: 'CURRENT', accounts: 3, balance: usd('3700.00') },
        { bucket: 'DPD_1_30', ...quiet },
        { bucket: 'DPD_31_60', ...quiet },
        { bucket: 'DPD_61_90', ...quiet },
        { bucket: 'DPD_90_PLUS', ...quiet },
      ],
      byGrade: [
        { grade: 'A', applications: 3, approved: 2, originations: usd('3000.00'), chargeOffRate: '0.00' },
        { grade: 'B', applications: 1, approved: 1, originations: usd('0.00'), chargeOffRate: null },
        { grade: 'C', applications: 1, approved: 1, originations: usd('1500.00'), chargeOffRate: '0.00' },
        { grade: 'D', applications: 0, approved: 0, originations: usd('0.00'), chargeOffRate: null },
        { grade: 'E', applications: 1, approved: 0, originations: usd('0.00'), chargeOffRate: null },
      ],
    });
    expect((await receivables(s, admin)).total).toBe(370_000);
    // Without arguments: the 30 days up to today, which hold all of it.
    expect(await metricsOf(s, admin)).toEqual(m);
    const shown = ok(
      await s.gql<{ portfolioMetrics: { from: string; to: string } }>(
        '{ portfolioMetrics { from to } }',
        {},
        { token: admin.accessToken },
      ),
    ).portfolioMetrics;
    expect(shown).toEqual({ from: addDays(d0, -29), to: d0 });
  });

  it('a month on: two loans late in DPD_1_30 with interest and a late fee, the line CURRENT; the last 30 days saw nothing new', async () => {
    const first = (await money.account(u.a, account.a)).installmentPlans[0]!.installments[0]!;
    await money.advance(admin, daysBetween(d0, first.dueDate) + 4);
    const today = s.app.services.clock.today();
    const owedLate = (principal: number, aprBp: number) => {
      const i = monthlySchedule({ principal, aprBp, termMonths: 6, startDate: d0 })[0]!;
      return principal + i.interest + lateFee(i.principal + i.interest);
    };
    const late = owedLate(200_000, 799) + owedLate(150_000, 1699);
    const m = await metricsOf(s, admin);
    expect(m).toMatchObject({
      applications: 0,
      approvalRate: null,
      decisionLatencyP50Ms: null,
      decisionLatencyP99Ms: null,
      originations: usd('0.00'),
      outstandingBalance: usd(dollars(late + 20_000)),
      chargeOffRate: null,
      activeUsers: 0, // the daily job and the admin did things; no customer did
    });
    expect(buckets(m)).toMatchObject({
      CURRENT: { accounts: 1, balance: usd('200.00') },
      DPD_1_30: { accounts: 2, balance: usd(dollars(late)) },
      DPD_31_60: quiet,
    });
    const ledger = await receivables(s, admin);
    expect(cents(m.outstandingBalance.amount)).toBe(ledger.total);
    expect(ledger.of(account.a) + ledger.of(account.c)).toBe(late);

    // c pays everything off today: the only customer active today.
    const payoff = await money.payoff(u.c, account.c);
    expect((await money.pay(u.c, account.c, payoff)).payment).toMatchObject({ status: 'SUCCEEDED' });
    expect(await metricsOf(s, admin, { from: today, to: today })).toMatchObject({
      activeUsers: 1,
      applications: 0,
      outstandingBalance: usd(dollars(owedLate(200_000, 799) + 20_000)),
    });
  });

  it('at 120 days past due the unpaid loan is charged off: a third of the cohort, half of grade A; the line is 61–90 days late', async () => {
    const first = (await money.account(u.a, account.a)).installmentPlans[0]!.installments[0]!;
    const today = s.app.services.clock.today();
    await money.advance(admin, 120 - daysBetween(first.dueDate, today));
    expect(await money.account(u.a, account.a)).toMatchObject({ status: 'CHARGED_OFF' });
    const line = await money.account(u.b, account.b);
    expect(line).toMatchObject({ status: 'ACTIVE', delinquencyBucket: 'DPD_61_90' });

    const m = await metricsOf(s, admin, { from: d0, to: s.app.services.clock.today() });
    const ledger = await receivables(s, admin);
    expect(ledger.of(account.a)).toBe(0); // written off
    expect(ledger.of(account.c)).toBe(0); // paid off
    expect(m).toMatchObject({
      applications: 7,
      approvalRate: '57.14',
      originations: usd('4500.00'),
      outstandingBalance: usd(dollars(ledger.of(account.b))),
      chargeOffRate: '33.33', // a, of a, b and c
      activeUsers: 7,
    });
    expect(cents(m.outstandingBalance.amount)).toBe(ledger.total);
    expect(buckets(m)).toEqual({
      CURRENT: { bucket: 'CURRENT', ...quiet },
      DPD_1_30: { bucket: 'DPD_1_30', ...quiet },
      DPD_31_60: { bucket: 'DPD_31_60', ...quiet },
      DPD_61_90: { bucket: 'DPD_61_90', accounts: 1, balance: usd(dollars(ledger.of(account.b))) },
      DPD_90_PLUS: { bucket: 'DPD_90_PLUS', ...quiet },
    });
    expect(grades(m)).toMatchObject({
      A: { applications: 3, approved: 2, originations: usd('3000.00'), chargeOffRate: '50.00' },
      C: { applications: 1, approved: 1, originations: usd('1500.00'), chargeOffRate: '0.00' },
    });
    // The first day again: the balance as it stood at its end, whatever happened since.
    expect((await metricsOf(s, admin, { from: d0, to: d0 })).outstandingBalance).toEqual(usd('3700.00'));
  }, 60_000);

  it('refuses borrowers (FORBIDDEN), the signed-out (UNAUTHENTICATED), a period that runs backwards or is over 366 days', async () => {
    const asBorrower = await s.gql(PortfolioMetricsDocument, {}, { token: u.a.accessToken });
    expect(asBorrower.data).toBeNull();
    expect(asBorrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const signedOut = await s.gql(PortfolioMetricsDocument, {});
    expect(signedOut.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const backwards = await s.gql(
      PortfolioMetricsDocument,
      { from: '2030-03-10', to: '2030-03-01' },
      { token: admin.accessToken },
    );
    expect(backwards.errors).toMatchObject([
      {
        message: '`from` (2030-03-10) must not be after `to` (2030-03-01).',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    const tooLong = await s.gql(
      PortfolioMetricsDocument,
      { from: '2029-01-01', to: '2030-01-02' },
      { token: admin.accessToken },
    );
    expect(tooLong.errors).toMatchObject([
      {
        message:
          'The period from 2029-01-01 to 2030-01-02 covers 367 days; at most 366 may be asked at once.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    const notADate = await s.gql(PortfolioMetricsDocument, { from: '2030-02-30' } as never, {
      token: admin.accessToken,
    });
    expect(notADate.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // A full year is fine.
    expect((await metricsOf(s, admin, { from: addDays(d0, -365), to: d0 })).applications).toBe(7);
  });
});

describe('statements and the live dashboard', () => {
  let s: TestServer;
  let admin: SignedUp;
  let borrower: SignedUp;
  beforeAll(async () => {
    s = await startTestServer();
    admin = await makeAdmin(s);
    borrower = await signUp(s);
  });
  afterAll(async () => s?.close());

  const feed = () => s.app.services.dashboard.feed;
  /** Waits for the ticker to take `n` more snapshots (about a second each). */
  const ticks = (n: number) => {
    const target = feed().snapshotsTaken + n;
    return waitFor(() => feed().snapshotsTaken >= target, 3000 * n, `${n} more snapshots`);
  };

  /** The statements sent while `work` runs that read the portfolio or the session (not background work). */
  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    await watchStatements((_client, text) => {
      if (PORTFOLIO_READS.test(text) && !BACKGROUND.test(text)) seen.push(text);
    }, work);
    return seen;
  }

  /** A small portfolio grown tenfold. */
  async function grow(n: number) {
    for (let i = 0; i < n; i++) {
      const x = await signUp(s);
      const { accountId, cardId } = await openCreditLine(s, x, '500.00');
      await moneyClient(s).buy(x, cardId, '20.00');
      await moneyClient(s).pay(x, accountId, '5.00');
      await apply(s, x, PROFILES.poor);
    }
  }

  it('portfolioMetrics runs the same statements for a small and a tenfold portfolio: the session check and one metrics statement', async () => {
    await grow(2);
    await metricsOf(s, admin); // warm: the token is verified once
    const small = await statementsOf(() => metricsOf(s, admin));
    await grow(20);
    let m!: Metrics;
    const large = await statementsOf(async () => (m = await metricsOf(s, admin)));
    expect(m.applications).toBe(44);
    expect(small.length).toBe(large.length);
    expect(large.filter((t) => t.includes('operations:portfolio-metrics'))).toHaveLength(1);
    expect(large).toHaveLength(2); // and the session check
  }, 60_000);

  it('an admin gets a snapshot at once, and a new one within 2 s of an application, applicationsToday one up', async () => {
    const sub = subscribe(s.ws(admin.accessToken), DashboardMetricsUpdatedDocument);
    const first = (await sub.next(1500)).data!.dashboardMetricsUpdated;
    const before = first.applicationsToday;
    // What the previous test left today: 22 lines of $500, $5 paid on each.
    expect(first).toMatchObject({ originationsToday: usd('11000.00'), paymentsToday: usd('110.00') });
    await apply(s, borrower, PROFILES.prime);
    const next = (await sub.next(2500)).data!.dashboardMetricsUpdated;
    expect(next.applicationsToday).toBe(before + 1);
    expect(Date.parse(next.at)).toBeGreaterThan(Date.parse(first.at));
    sub.dispose();
    await waitFor(() => feed().subscribers === 0, 2000, 'the subscription to close');
  });

  /** A dashboard subscription that notes when each message arrived. */
  function timedDashboard(token: string) {
    const got: { at: number; applicationsToday: number }[] = [];
    const dispose = s.ws(token).subscribe<DashboardMetricsUpdatedSubscription>(
      { query: print(DashboardMetricsUpdatedDocument) },
      {
        next: (v) =>
          got.push({ at: Date.now(), applicationsToday: v.data!.dashboardMetricsUpdated.applicationsToday }),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return { got, dispose };
  }

  it('under a burst of applications, snapshots come at least ~1 s apart; when nothing changes, none comes', async () => {
    const sub = timedDashboard(admin.accessToken);
    await waitFor(() => sub.got.length === 1, 1500, 'the first snapshot');
    const start = sub.got[0]!.applicationsToday;
    const began = Date.now();
    // Ten applications spread over three ticks of the ticker (waited for, not slept).
    for (let i = 0; i < 10; i++) {
      await apply(s, borrower, PROFILES.poor);
      if (i === 3 || i === 6) await ticks(1);
    }
    await waitFor(() => sub.got.at(-1)!.applicationsToday === start + 10, 2500, 'the last application');
    const elapsed = Date.now() - began;
    const burst = sub.got.slice(1);
    expect(burst.length).toBeGreaterThanOrEqual(2);
    expect(burst.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    for (let i = 1; i < sub.got.length; i++) expect(sub.got[i]!.at - sub.got[i - 1]!.at).toBeGreaterThan(900);
    // Each snapshot holds every application made before it: counts only go up.
    for (let i = 1; i < sub.got.length; i++)
      expect(sub.got[i]!.applicationsToday).toBeGreaterThan(sub.got[i - 1]!.applicationsToday);

    // Idle: the figures do not change, so nothing is sent, although a snapshot is taken each second.
    const received = sub.got.length;
    await ticks(2);
    expect(sub.got.length).toBe(received);
    sub.dispose();
    await waitFor(() => feed().subscribers === 0, 2000, 'the subscription to close');
    // Nobody watching: the ticker is stopped.
    expect(feed().ticking).toBe(false);
  }, 30_000);

  it('a borrower’s subscription is refused with FORBIDDEN', async () => {
    const sub = subscribe(s.ws(borrower.accessToken), DashboardMetricsUpdatedDocument);
    const r = await sub.next(2000);
    expect(r.data ?? null).toBeNull();
    expect(r.errors).toMatchObject([
      { extensions: { code: 'FORBIDDEN' }, path: ['dashboardMetricsUpdated'] },
    ]);
    expect(feed().subscribers).toBe(0);
  });

  it('two admins’ sockets get the same snapshots, taken once a tick for both', async () => {
    const other = await makeAdmin(s);
    let subs!: Subscription<DashboardMetricsUpdatedSubscription>[];
    const before = feed().snapshotsTaken;
    let taken!: number;
    const began = Date.now();
    const statements = await statementsMatching(/operations:dashboard-snapshot/, async () => {
      subs = [
        subscribe(s.ws(admin.accessToken), DashboardMetricsUpdatedDocument),
        subscribe(s.ws(other.accessToken), DashboardMetricsUpdatedDocument),
      ];
      await Promise.all(subs.map((x) => x.next(1500)));
      await apply(s, borrower, PROFILES.prime);
      await Promise.all(subs.map((x) => x.next(2500)));
      await ticks(1);
      taken = feed().snapshotsTaken - before;
      for (const x of subs) x.dispose();
      await waitFor(() => feed().subscribers === 0, 2000, 'the subscriptions to close');
    });
    const elapsed = Date.now() - began;
    expect(subs[0]!.results.map((r) => r.data)).toEqual(subs[1]!.results.map((r) => r.data));
    expect(subs[0]!.results.length).toBeGreaterThanOrEqual(2);
    // One statement per tick (the first as they subscribe) whatever the number of sockets.
    expect(taken).toBeGreaterThanOrEqual(3);
    expect(statements.length).toBe(taken);
    expect(statements.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
  }, 20_000);

  it('shutdown ends the dashboard subscription and stops the ticker', async () => {
    const sub = subscribe(s.ws(admin.accessToken), DashboardMetricsUpdatedDocument);
    await sub.next(1500);
    expect(feed().subscribers).toBe(1);
    await s.app.close();
    expect(feed().subscribers).toBe(0);
    expect(feed().ticking).toBe(false);
  });
});
