import {
  ApplicationDocument,
  ApplicationQueueDocument,
  ApplicationUpdatedDocument,
  CancelApplicationDocument,
  MyApplicationsDocument,
  MyNotificationsDocument,
  NodeDocument,
  ReviewApplicationDocument,
  SimulateDecisionDocument,
  SubmitApplicationDocument,
  UpdateApplicationDocument,
} from '../generated/contract';
import { aprBpOfMonthlySchedule } from '../../src/domain/applications/apr';
import { monthlySchedule } from '../../src/domain/common/amortization';
import { CreditApplication, CreditDecision } from '../../src/entities';
import { fromGlobalId } from '../../src/lib/global-id';
import { makeAdmin, primeLoan, referredLoan, signUp, type SignedUp } from '../support/fixtures';
import { listen } from '../support/live';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
});
afterAll(async () => {
  await s?.close();
});

const submit = async (u: SignedUp, input: Record<string, unknown>) =>
  ok(await s.gql(SubmitApplicationDocument, { input: input as never }, { token: u.accessToken }))
    .submitApplication;
const today = () => s.app.services.clock.today();
const rows = async () => s.app.orm.em.fork().count(CreditApplication, {});

describe('submitApplication: instant, explained decisions', () => {
  it('approves a prime applicant at grade A, 7.99%, with a schedule and a Truth-in-Lending disclosure', async () => {
    const u = await signUp(s);
    const res = await submit(u, primeLoan());
    expect(res.userErrors).toEqual([]);
    const app = res.application!;
    expect(app).toMatchObject({
      status: 'APPROVED',
      product: 'PERSONAL_LOAN',
      purpose: 'debt consolidation',
      requestedAmount: { amount: '5000.00', currency: 'USD' },
      termMonths: 36,
    });
    const d = app.decision!;
    expect(d).toMatchObject({
      outcome: 'APPROVED',
      grade: 'A',
      apr: '7.99',
      score: 909,
      approvedAmount: { amount: '5000.00', currency: 'USD' },
      reasons: [],
      modelVersion: 'v1',
      decidedBy: 'AUTOMATED',
    });
    expect(d.latencyMs).toBeGreaterThan(0);
    expect(d.trace).toEqual([
      { component: 'BUREAU_SCORE', points: 349, maxPoints: 400 },
      { component: 'ALTERNATIVE_DATA', points: 60, maxPoints: 60 },
      { component: 'DEBT_TO_INCOME', points: 250, maxPoints: 250 },
      { component: 'EMPLOYMENT', points: 150, maxPoints: 150 },
      { component: 'OVERDRAFTS', points: 100, maxPoints: 100 },
    ]);
    const offer = d.offer!;
    const expected = monthlySchedule({ principal: 500_000, aprBp: 799, termMonths: 36, startDate: today() });
    expect(offer.schedule).toHaveLength(36);
    expect(offer.schedule[0]).toEqual({
      number: 1,
      dueDate: expected[0]!.dueDate,
      principal: { amount: (expected[0]!.principal / 100).toFixed(2), currency: 'USD' },
      interest: { amount: (expected[0]!.interest / 100).toFixed(2), currency: 'USD' },
      total: { amount: (expected[0]!.total / 100).toFixed(2), currency: 'USD' },
    });
    expect(offer.monthlyPayment!.amount).toBe('156.66'); // 5000 × r / (1 − (1 + r)^−36), r = 7.99% / 12
    const total = expected.reduce((sum, i) => sum + i.total, 0);
    expect(offer.disclosure).toEqual({
      amountFinanced: { amount: '5000.00', currency: 'USD' },
      financeCharge: { amount: ((total - 500_000) / 100).toFixed(2), currency: 'USD' },
      totalOfPayments: { amount: (total / 100).toFixed(2), currency: 'USD' },
      apr: (aprBpOfMonthlySchedule(500_000, today(), expected) / 100).toFixed(2),
    });
    expect(Math.abs(Number(offer.disclosure!.apr) - 7.99)).toBeLessThanOrEqual(0.125);
    const days = (Date.parse(offer.expiresAt) - Date.parse(d.decidedAt)) / 86_400_000;
    expect(days).toBeCloseTo(30, 5);
  });

  it('scores a thin-file applicant on alternative data, never on a credit score', async () => {
    const u = await signUp(s);
    const res = await submit(
      u,
      primeLoan({
        creditScore: null,
        alternativeData: {
          onTimeRentMonths: 10,
          onTimeUtilityMonths: 24,
          bankAccountAgeMonths: 30,
          overdraftsLast90Days: 0,
        },
      }),
    );
    const d = res.application!.decision!;
    expect(d.trace.map((t) => t.component)).toEqual([
      'ALTERNATIVE_DATA',
      'DEBT_TO_INCOME',
      'EMPLOYMENT',
      'OVERDRAFTS',
    ]);
    // 10/24×150 + 24/24×75 + 30/60×75 = 62.5 + 75 + 37.5 = 175, of 300
    expect(d.trace[0]).toEqual({ component: 'ALTERNATIVE_DATA', points: 175, maxPoints: 300 });
    expect(d.score).toBe(675);
    expect(d).toMatchObject({ outcome: 'APPROVED', grade: 'C', apr: '16.99' });
    expect(d.reasons.map((r) => r.code)).toEqual(['LIMITED_CREDIT_HISTORY']);
  });

  it('counter-offers the largest whole $100 that keeps DTI within 45%', async () => {
    const u = await signUp(s);
    const d = (await submit(u, primeLoan({ monthlyIncome: '3000.00', monthlyDebt: '1200.00' }))).application!
      .decision!;
    expect(d).toMatchObject({ outcome: 'APPROVED', grade: 'C', approvedAmount: { amount: '3500.00' } });
    expect(d.reasons[0]!.code).toBe('DEBT_TO_INCOME');
    expect(d.offer!.amount.amount).toBe('3500.00');
  });

  it('hard-declines an applicant under 18, still showing the score and trace', async () => {
    const u = await signUp(s);
    const born = `${Number(today().slice(0, 4)) - 17}-01-01`;
    const app = (await submit(u, primeLoan({ dateOfBirth: born }))).application!;
    expect(app.status).toBe('DECLINED');
    expect(app.decision).toMatchObject({
      outcome: 'DECLINED',
      grade: null,
      apr: null,
      approvedAmount: null,
      offer: null,
      score: 909,
    });
    expect(app.decision!.reasons[0]!.code).toBe('AGE');
    expect(app.decision!.trace).toHaveLength(5);
  });

  it('a credit line approval offers its limit and APR, with no schedule', async () => {
    const u = await signUp(s);
    const d = (await submit(u, primeLoan({ product: 'CREDIT_LINE', termMonths: null, amount: '3000.00' })))
      .application!.decision!;
    expect(d.offer).toMatchObject({
      amount: { amount: '3000.00' },
      termMonths: null,
      apr: '7.99',
      schedule: [],
      disclosure: null,
      monthlyPayment: null,
    });
  });

  it('notifies the applicant, with the reasons of a decline', async () => {
    const u = await signUp(s);
    await submit(u, primeLoan({ monthlyIncome: '1000.00', monthlyDebt: '900.00' }));
    const n = ok(await s.gql(MyNotificationsDocument, { first: 1 }, { token: u.accessToken })).me!
      .notifications.edges[0]!.node;
    expect(n.kind).toBe('APPLICATION_DECLINED');
    expect(n.body).toMatch(/debt/i);
  });
});

describe('input rules', () => {
  it.each([
    ['amount below the loan minimum', { amount: '999.99' }, ['input', 'amount']],
    ['amount above the loan maximum', { amount: '10000.01' }, ['input', 'amount']],
    [
      'credit line limit below $500',
      { product: 'CREDIT_LINE', termMonths: null, amount: '499.99' },
      ['input', 'amount'],
    ],
    ['term below 6', { termMonths: 5 }, ['input', 'termMonths']],
    ['term above 36', { termMonths: 37 }, ['input', 'termMonths']],
    ['a loan without a term', { termMonths: null }, ['input', 'termMonths']],
    [
      'a credit line with a term',
      { product: 'CREDIT_LINE', amount: '2000.00', termMonths: 12 },
      ['input', 'termMonths'],
    ],
    ['bureau score below 300', { creditScore: 299 }, ['input', 'creditScore']],
    ['bureau score above 850', { creditScore: 851 }, ['input', 'creditScore']],
    ['negative income', { monthlyIncome: '-1.00' }, ['input', 'monthlyIncome']],
    ['negative debt', { monthlyDebt: '-0.01' }, ['input', 'monthlyDebt']],
    [
      'negative rent months',
      { alternativeData: { onTimeRentMonths: -1 } },
      ['input', 'alternativeData', 'onTimeRentMonths'],
    ],
    [
      'negative overdrafts',
      { alternativeData: { overdraftsLast90Days: -2 } },
      ['input', 'alternativeData', 'overdraftsLast90Days'],
    ],
    ['purpose over 500 characters', { purpose: 'x'.repeat(501) }, ['input', 'purpose']],
    ['empty purpose', { purpose: '  ' }, ['input', 'purpose']],
    ['date of birth in the future', { dateOfBirth: '2999-01-01' }, ['input', 'dateOfBirth']],
  ])('%s is a userError naming the field, and nothing is stored', async (_what, override, field) => {
    const u = await signUp(s);
    const before = await rows();
    const res = await submit(u, primeLoan(override));
    expect(res.application).toBeNull();
    expect(res.userErrors).toEqual([expect.objectContaining({ field, code: 'INVALID_INPUT' })]);
    expect(await rows()).toBe(before);
  });

  it.each([
    ['a word', 'abc'],
    ['three decimals', '1.234'],
  ])('a Decimal that is %s is refused by the GraphQL layer, naming input.amount', async (_what, amount) => {
    const u = await signUp(s);
    const res = await s.gql(
      SubmitApplicationDocument,
      { input: primeLoan({ amount }) as never },
      { token: u.accessToken },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('input.amount');
  });

  it('needs a signed-in applicant', async () => {
    const res = await s.gql(SubmitApplicationDocument, { input: primeLoan() as never });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('idempotent submission', () => {
  it('the same key and input returns the first application; another input with it is refused', async () => {
    const u = await signUp(s);
    const first = await submit(u, primeLoan({ idempotencyKey: 'apply-1' }));
    const before = await rows();
    const again = await submit(u, primeLoan({ idempotencyKey: 'apply-1' }));
    expect(again.application!.id).toBe(first.application!.id);
    expect(again.application!.decision!.id).toBe(first.application!.decision!.id);
    expect(await rows()).toBe(before);
    const other = await submit(u, primeLoan({ idempotencyKey: 'apply-1', amount: '6000.00' }));
    expect(other.application).toBeNull();
    expect(other.userErrors[0]!.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await rows()).toBe(before);
  });

  it('concurrent submissions with one key create one application', async () => {
    const u = await signUp(s);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => submit(u, primeLoan({ idempotencyKey: 'burst' }))),
    );
    expect(new Set(results.map((r) => r.application!.id)).size).toBe(1);
  });
});

describe('simulateDecision', () => {
  it('answers without sign-in and stores nothing', async () => {
    const before = await rows();
    const res = ok(await s.gql(SimulateDecisionDocument, { input: primeLoan() as never })).simulateDecision;
    expect(res).toMatchObject({ outcome: 'APPROVED', grade: 'A', apr: '7.99', score: 909, userErrors: [] });
    expect(await rows()).toBe(before);
  });

  it('gives the same field errors as submitting', async () => {
    const res = ok(
      await s.gql(SimulateDecisionDocument, { input: primeLoan({ termMonths: 40 }) as never }),
    ).simulateDecision;
    expect(res.outcome).toBeNull();
    expect(res.userErrors[0]!.field).toEqual(['input', 'termMonths']);
  });

  it('is rate limited per address', async () => {
    const t = await startTestServer({ env: { SIMULATIONS_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i++) {
        expect(
          ok(await t.gql(SimulateDecisionDocument, { input: primeLoan() as never })).simulateDecision
            .userErrors,
        ).toEqual([]);
      }
      const limited = ok(
        await t.gql(SimulateDecisionDocument, { input: primeLoan() as never }),
      ).simulateDecision;
      expect(limited.userErrors[0]!.code).toBe('RATE_LIMITED');
    } finally {
      await t.close();
    }
  });
});

describe('lifecycle', () => {
  const review = (id: string, outcome: 'APPROVED' | 'DECLINED', token = admin.accessToken) =>
    s.gql(
      ReviewApplicationDocument,
      { input: { applicationId: id, outcome, note: 'checked pay stubs' } },
      { token },
    );

  it('a referred application approved by an admin gets grade E at 29.99% and an offer', async () => {
    const u = await signUp(s);
    const app = (await submit(u, referredLoan())).application!;
    expect(app).toMatchObject({
      status: 'REFERRED',
      decision: { outcome: 'REFERRED', grade: null, offer: null, score: 489 },
    });
    expect(app.decision!.reasons.length).toBeGreaterThan(0);
    const reviewed = ok(await review(app.id, 'APPROVED')).reviewApplication;
    expect(reviewed.userErrors).toEqual([]);
    expect(reviewed.application).toMatchObject({
      status: 'APPROVED',
      decision: {
        outcome: 'APPROVED',
        grade: 'E',
        apr: '29.99',
        decidedBy: 'ADMIN',
        approvedAmount: { amount: '5000.00' },
        latencyMs: null,
      },
    });
    expect(reviewed.application!.decision!.offer!.schedule).toHaveLength(36);
    const n = ok(await s.gql(MyNotificationsDocument, { first: 1 }, { token: u.accessToken })).me!
      .notifications.edges[0]!.node;
    expect(n).toMatchObject({ kind: 'APPLICATION_APPROVED' });
    expect(n.body).toMatch(/after review/);
  });

  it('a referred application declined by an admin is final', async () => {
    const u = await signUp(s);
    const app = (await submit(u, referredLoan())).application!;
    const res = ok(await review(app.id, 'DECLINED')).reviewApplication;
    expect(res.application).toMatchObject({
      status: 'DECLINED',
      decision: { outcome: 'DECLINED', decidedBy: 'ADMIN' },
    });
    const again = ok(await review(app.id, 'APPROVED')).reviewApplication;
    expect(again.userErrors[0]!.code).toBe('INVALID_STATE');
    const cancel = ok(
      await s.gql(CancelApplicationDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    );
    expect(cancel.cancelApplication.userErrors[0]!.code).toBe('INVALID_STATE');
  });

  it('review needs a note, and is for admins only', async () => {
    const u = await signUp(s);
    const app = (await submit(u, referredLoan())).application!;
    const noNote = ok(
      await s.gql(
        ReviewApplicationDocument,
        { input: { applicationId: app.id, outcome: 'APPROVED', note: ' ' } },
        { token: admin.accessToken },
      ),
    );
    expect(noNote.reviewApplication.userErrors[0]!.field).toEqual(['input', 'note']);
    const byBorrower = await review(app.id, 'APPROVED', u.accessToken);
    expect(byBorrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const queue = await s.gql(ApplicationQueueDocument, { status: 'REFERRED' }, { token: u.accessToken });
    expect(queue.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('the applicant cancels an approved application; cancelling twice is INVALID_STATE', async () => {
    const u = await signUp(s);
    const app = (await submit(u, primeLoan())).application!;
    const res = ok(
      await s.gql(CancelApplicationDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    );
    expect(res.cancelApplication).toEqual({
      application: { id: app.id, status: 'CANCELLED' },
      userErrors: [],
    });
    const twice = ok(
      await s.gql(CancelApplicationDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    );
    expect(twice.cancelApplication.userErrors[0]!.code).toBe('INVALID_STATE');
  });

  it('updating a referred application re-runs the decision; an approved one cannot be updated', async () => {
    const u = await signUp(s);
    const app = (await submit(u, referredLoan())).application!;
    const res = ok(
      await s.gql(
        UpdateApplicationDocument,
        { input: { applicationId: app.id, creditScore: 700 } },
        { token: u.accessToken },
      ),
    ).updateApplication;
    expect(res.userErrors).toEqual([]);
    expect(res.application).toMatchObject({
      status: 'APPROVED',
      decision: { outcome: 'APPROVED', grade: 'C', score: 671 },
    });
    expect(res.application!.decision!.id).not.toBe(app.decision!.id);
    const again = ok(
      await s.gql(
        UpdateApplicationDocument,
        { input: { applicationId: app.id, creditScore: 800 } },
        { token: u.accessToken },
      ),
    );
    expect(again.updateApplication.userErrors[0]!.code).toBe('INVALID_STATE');
    const bad = (await submit(u, referredLoan())).application!;
    const invalid = ok(
      await s.gql(
        UpdateApplicationDocument,
        { input: { applicationId: bad.id, termMonths: 48 } },
        { token: u.accessToken },
      ),
    );
    expect(invalid.updateApplication.userErrors[0]!.field).toEqual(['input', 'termMonths']);
    const still = ok(await s.gql(ApplicationDocument, { id: bad.id }, { token: u.accessToken })).application!;
    expect(still.termMonths).toBe(36);
  });

  it('20 concurrent cancel and review calls: each state is left once; only an approval can be cancelled after it', async () => {
    const u = await signUp(s);
    const app = (await submit(u, referredLoan())).application!;
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? s
            .gql(CancelApplicationDocument, { input: { applicationId: app.id } }, { token: u.accessToken })
            .then((r) => ok(r).cancelApplication)
        : review(app.id, i % 4 ? 'APPROVED' : 'DECLINED').then((r) => ok(r).reviewApplication),
    );
    const results = await Promise.all(calls);
    const winners = results.filter((r) => r.userErrors.length === 0);
    // REFERRED is left exactly once. If an approval left it, the applicant may still cancel
    // the approved offer (SPEC: cancellable until accepted), so one cancel can win after it.
    expect(winners.length).toBeGreaterThanOrEqual(1);
    expect(winners.length).toBeLessThanOrEqual(2);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INVALID_STATE')).toHaveLength(
      20 - winners.length,
    );
    const final = ok(await s.gql(ApplicationDocument, { id: app.id }, { token: u.accessToken })).application!;
    const em = s.app.orm.em.fork();
    const appId = fromGlobalId(app.id)!.id;
    const history = (await em
      .getConnection()
      .execute(
        'select action, actor_id, request_id, changes from audit_entry where object_id = ? order by id',
        [appId],
      )) as {
      action: string;
      actor_id: string;
      request_id: string | null;
      changes: { status: string[] };
    }[];
    expect(history[0]!.action).toBe('application.submit');
    const transitions = history.slice(1);
    expect(transitions).toHaveLength(winners.length);
    expect(transitions[0]!.changes.status[0]).toBe('REFERRED');
    if (transitions.length === 2) {
      expect(transitions.map((t) => t.action)).toEqual(['application.review', 'application.cancel']);
      expect(transitions.map((t) => t.changes.status)).toEqual([
        ['REFERRED', 'APPROVED'],
        ['APPROVED', 'CANCELLED'],
      ]);
    }
    expect(transitions[transitions.length - 1]!.changes.status[1]).toBe(final.status);
    for (const t of transitions) {
      expect(t.actor_id).toBe(t.action === 'application.cancel' ? fromGlobalId(u.id)!.id : admin.id);
      expect(t.request_id).toEqual(expect.any(String));
    }
    const reviewed = transitions.some((t) => t.action === 'application.review');
    expect(await em.count(CreditDecision, { applicationId: appId })).toBe(reviewed ? 2 : 1);
  });
});

describe('visibility', () => {
  it("another user sees and changes nothing of someone's application, exactly as for a missing id", async () => {
    const owner = await signUp(s);
    const other = await signUp(s);
    const app = (await submit(owner, referredLoan())).application!;
    const missing = Buffer.from('Application:00000000-0000-7000-8000-000000000000').toString('base64url');

    expect(
      ok(await s.gql(ApplicationDocument, { id: app.id }, { token: other.accessToken })).application,
    ).toBeNull();
    expect(
      ok(await s.gql(ApplicationDocument, { id: missing }, { token: other.accessToken })).application,
    ).toBeNull();
    expect(ok(await s.gql(NodeDocument, { id: app.id }, { token: other.accessToken })).node).toBeNull();
    expect(
      ok(await s.gql(NodeDocument, { id: app.decision!.id }, { token: other.accessToken })).node,
    ).toBeNull();

    const theirs = ok(
      await s.gql(
        CancelApplicationDocument,
        { input: { applicationId: app.id } },
        { token: other.accessToken },
      ),
    );
    const none = ok(
      await s.gql(
        CancelApplicationDocument,
        { input: { applicationId: missing } },
        { token: other.accessToken },
      ),
    );
    expect(theirs.cancelApplication).toEqual(none.cancelApplication);
    expect(theirs.cancelApplication.userErrors[0]!.code).toBe('NOT_FOUND');
    const upd = ok(
      await s.gql(
        UpdateApplicationDocument,
        { input: { applicationId: app.id, creditScore: 800 } },
        { token: other.accessToken },
      ),
    );
    expect(upd.updateApplication.userErrors[0]!.code).toBe('NOT_FOUND');

    const mine = ok(
      await s.gql(ApplicationDocument, { id: app.id }, { token: owner.accessToken }),
    ).application!;
    expect(mine.status).toBe('REFERRED');
    expect(ok(await s.gql(NodeDocument, { id: app.id }, { token: owner.accessToken })).node).toEqual({
      id: app.id,
      __typename: 'Application',
    });
    expect(
      ok(await s.gql(ApplicationDocument, { id: app.id }, { token: admin.accessToken })).application!.id,
    ).toBe(app.id);
  });

  it('lists my applications newest first, and the admin queue by status with the applicant', async () => {
    const u = await signUp(s);
    const a1 = (await submit(u, primeLoan())).application!;
    const a2 = (await submit(u, referredLoan())).application!;
    const mine = ok(await s.gql(MyApplicationsDocument, { first: 1 }, { token: u.accessToken })).me!
      .applications;
    expect(mine.totalCount).toBe(2);
    expect(mine.edges.map((e) => e.node.id)).toEqual([a2.id]);
    expect(mine.pageInfo.hasNextPage).toBe(true);
    const next = ok(
      await s.gql(
        MyApplicationsDocument,
        { first: 5, after: mine.pageInfo.endCursor },
        { token: u.accessToken },
      ),
    ).me!.applications;
    expect(next.edges.map((e) => e.node.id)).toEqual([a1.id]);

    const queue = ok(
      await s.gql(ApplicationQueueDocument, { status: 'REFERRED', first: 100 }, { token: admin.accessToken }),
    ).applications;
    const entry = queue.edges.find((e) => e.node.id === a2.id)!;
    expect(entry.node).toMatchObject({
      status: 'REFERRED',
      applicant: { id: u.id, email: u.email },
      decision: { outcome: 'REFERRED', score: 489 },
    });
    expect(queue.edges.every((e) => e.node.status === 'REFERRED')).toBe(true);
  });
});

describe('applicationUpdated', () => {
  it('the applicant receives the decision live, and another user receives nothing of it', async () => {
    const u = await signUp(s);
    const other = await signUp(s);
    const mine = await listen(s, u.accessToken, ApplicationUpdatedDocument, {});
    const theirs = await listen(s, other.accessToken, ApplicationUpdatedDocument, {});
    const app = (await submit(u, referredLoan())).application!;
    const first = await mine.next();
    expect(first.data!.applicationUpdated.application).toEqual({
      id: app.id,
      status: 'REFERRED',
      decision: { outcome: 'REFERRED', grade: null, apr: null },
    });
    await s.gql(
      ReviewApplicationDocument,
      { input: { applicationId: app.id, outcome: 'APPROVED', note: 'ok' } },
      { token: admin.accessToken },
    );
    const second = await mine.next();
    expect(second.data!.applicationUpdated.application).toEqual({
      id: app.id,
      status: 'APPROVED',
      decision: { outcome: 'APPROVED', grade: 'E', apr: '29.99' },
    });

    const own = (await submit(other, primeLoan())).application!;
    const theirFirst = await theirs.next();
    expect(theirFirst.data!.applicationUpdated.application.id).toBe(own.id); // nothing of u's came before
    mine.dispose();
    theirs.dispose();
  });

  it('follows one application with applicationId, and resumes with since', async () => {
    const u = await signUp(s);
    const app = (await submit(u, referredLoan())).application!;
    const one = await listen(s, u.accessToken, ApplicationUpdatedDocument, {
      applicationId: app.id,
      since: '0',
    });
    const replayed = await one.next();
    expect(replayed.data!.applicationUpdated.application.status).toBe('REFERRED');
    await submit(u, primeLoan()); // another application: not this stream's
    await s.gql(CancelApplicationDocument, { input: { applicationId: app.id } }, { token: u.accessToken });
    const cancelled = await one.next();
    expect(cancelled.data!.applicationUpdated.application).toMatchObject({ id: app.id, status: 'CANCELLED' });
    one.dispose();
  });
});
