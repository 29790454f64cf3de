import { formatMoney } from '../../domain/common/money';
import { LockMode } from '@mikro-orm/core';
import type { FilterQuery, Knex } from '@mikro-orm/postgresql';
import { buildOffer } from '../../domain/applications/offer';
import {
  approveReferred,
  decide,
  validateApplicantInput,
  type ApplicantInput,
  type Decision,
  type EmploymentStatus,
  type Product,
} from '../../domain/applications/scorecard';
import { CreditApplication, CreditDecision } from '../../entities';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { multiInsert, textArray, type InsertSpec } from '../../db/multi-insert';
import type { Tx } from '../../db/transactions';
import { DomainError, FieldErrors, UserErrorCode, forbidden } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { uuidv7 } from '../../lib/ids';
import { findPage, mapConnection, type Connection, type PageArgs } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { EventType, type NewEvent } from '../../subscriptions/common/topics';
import { applicationView, decisionView, type ApplicationView, type DecisionView } from './application-view';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Transactions } from '../../db/transactions';
import type { RateLimiter } from '../identity/rate-limiter';
import type { AuditService } from '../common/audit.service';
import type { IdempotencyService } from '../common/idempotency.service';
import type { NotificationService } from '../notifications/notification.service';

export const APPLICATION_TYPE = 'Application';

export const applicationUpdatedEvent = (applicationId: string, applicantId: string): NewEvent => ({
  type: EventType.applicationUpdated,
  audience: [applicantId],
  objectId: toGlobalId(APPLICATION_TYPE, applicationId),
  payload: { id: applicationId },
});
export const DECISION_TYPE = 'CreditDecision';
/** Offers stay open this long after the decision. */
export const OFFER_VALID_DAYS = 30;
const MAX_TEXT = 500;

export interface AlternativeDataInput {
  onTimeRentMonths?: number | null;
  onTimeUtilityMonths?: number | null;
  bankAccountAgeMonths?: number | null;
  overdraftsLast90Days?: number | null;
}

export interface SubmitApplicationInput {
  product: Product;
  amount: number;
  termMonths?: number | null;
  purpose: string;
  dateOfBirth: string;
  monthlyIncome: number;
  monthlyDebt: number;
  employmentStatus: EmploymentStatus;
  creditScore?: number | null;
  alternativeData?: AlternativeDataInput | null;
  idempotencyKey?: string | null;
}

/** Fields left out (or null) keep their value; `creditScore: null` is not "remove the score". */
export interface UpdateApplicationInput {
  applicationId: string;
  amount?: number | null;
  termMonths?: number | null;
  purpose?: string | null;
  monthlyIncome?: number | null;
  monthlyDebt?: number | null;
  employmentStatus?: EmploymentStatus | null;
  creditScore?: number | null;
  alternativeData?: AlternativeDataInput | null;
}

export interface ReviewApplicationInput {
  applicationId: string;
  outcome: 'APPROVED' | 'DECLINED';
  note: string;
}

const ALTERNATIVE_FIELDS = new Set([
  'onTimeRentMonths',
  'onTimeUtilityMonths',
  'bankAccountAgeMonths',
  'overdraftsLast90Days',
]);

/** A domain issue's field as a path into the mutation input. */
const pathOf = (field: string): string[] =>
  ALTERNATIVE_FIELDS.has(field) ? ['input', 'alternativeData', field] : ['input', field];

function applicantInput(
  i: Omit<SubmitApplicationInput, 'purpose' | 'idempotencyKey'>,
  decisionDate: string,
): ApplicantInput {
  const alt = i.alternativeData ?? {};
  return {
    product: i.product,
    amount: i.amount,
    termMonths: i.termMonths ?? null,
    dateOfBirth: i.dateOfBirth,
    decisionDate,
    monthlyIncome: i.monthlyIncome,
    monthlyDebt: i.monthlyDebt,
    employmentStatus: i.employmentStatus,
    creditScore: i.creditScore ?? null,
    onTimeRentMonths: alt.onTimeRentMonths ?? 0,
    onTimeUtilityMonths: alt.onTimeUtilityMonths ?? 0,
    bankAccountAgeMonths: alt.bankAccountAgeMonths ?? 0,
    overdraftsLast90Days: alt.overdraftsLast90Days ?? 0,
  };
}

/** Every field problem at once, named by its path; nothing is stored when there is one. */
function validate(input: ApplicantInput, purpose: string | undefined): void {
  const errors = new FieldErrors();
  for (const issue of validateApplicantInput(input)) errors.add(pathOf(issue.field), issue.message);
  if (purpose !== undefined) {
    if (!purpose.trim()) errors.add(['input', 'purpose'], 'Tell us what the money is for.');
    if (purpose.length > MAX_TEXT) errors.add(['input', 'purpose'], `Use at most ${MAX_TEXT} characters.`);
  }
  errors.throwIfAny();
}

/** "$1,234.56" (by hand: Intl formatting costs more than the whole decision). */
/**
 * Offers are pure functions of (product, amount, APR, term, start date): the schedule and
 * the Appendix J solve are memoised, since many applicants ask for the same round amounts.
 */
const offerCache = new Map<string, ReturnType<typeof buildOffer>>();
function offerFor(decision: Decision, product: Product, termMonths: number | null, startDate: string) {
  if (decision.outcome !== 'APPROVED') return null;
  const key = `${product}|${decision.approvedAmount}|${decision.aprBp}|${termMonths}|${startDate}`;
  let offer = offerCache.get(key);
  if (offer === undefined) {
    offer = buildOffer(decision, product, termMonths, startDate);
    if (offerCache.size >= 5000) offerCache.delete(offerCache.keys().next().value!);
    offerCache.set(key, offer);
  }
  return offer;
}

/** The applicant's notification for a decision (approved, declined with reasons, referred). */
function decisionMessage(
  d: Pick<Decision, 'outcome' | 'approvedAmount' | 'aprBp' | 'reasons' | 'counterOffer'>,
  reviewed: boolean,
) {
  const after = reviewed ? ' after review' : '';
  if (d.outcome === 'APPROVED') {
    const amount = formatMoney(d.approvedAmount!);
    return {
      kind: NotificationKind.APPLICATION_APPROVED,
      title: 'Your application is approved',
      body: `Approved${after}: ${amount} at ${(d.aprBp! / 100).toFixed(2)}% APR${d.counterOffer ? ' (less than you asked for: ' + d.reasons.map((r) => r.description).join(' ') + ')' : ''}. The offer is open for ${OFFER_VALID_DAYS} days.`,
    };
  }
  if (d.outcome === 'DECLINED') {
    return {
      kind: NotificationKind.APPLICATION_DECLINED,
      title: 'Your application was declined',
      body: `We could not approve your application${after}. Reasons: ${d.reasons.map((r) => r.description).join(' ')}`,
    };
  }
  return {
    kind: NotificationKind.APPLICATION_REFERRED,
    title: 'Your application is under review',
    body: 'An underwriter will look at your application. We will let you know the outcome.',
  };
}

interface Decided {
  decision: Decision;
  view: DecisionView;
}

/**
 * Credit applications: the instant decision, offers, and the lifecycle (update while
 * referred, cancel, admin review). Access is checked first in every method; another
 * user's application answers exactly like a missing one.
 */
export class CreditApplicationService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly knex: Knex,
    private readonly rateLimiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly notifications: NotificationService,
  ) {}

  /** The decision an input would get, computed and stored nowhere. */
  async simulate(ctx: RequestScope, input: SubmitApplicationInput): Promise<Decision> {
    const { limits } = this.config;
    const hits = await this.rateLimiter.hit(`simulate:addr:${ctx.ip}`, 60_000);
    if (hits > limits.simulationsPerMinute) {
      throw new DomainError(
        UserErrorCode.RATE_LIMITED,
        'Too many rate checks from this address. Try again in a minute.',
      );
    }
    const applicant = applicantInput(input, this.clock.today());
    validate(applicant, input.purpose);
    return decide(applicant);
  }

  /**
   * Applies and decides in the same request. Without an idempotency key everything (the
   * application, its decision, the notification, the audit entry and both live events) is
   * written by one statement: one round trip. With a key, the key is claimed first in the
   * same transaction, so a repeat returns the first application and stores nothing.
   */
  async submit(ctx: RequestScope, input: SubmitApplicationInput): Promise<ApplicationView> {
    const viewer = requireViewer(ctx);
    const today = this.clock.today();
    const applicant = applicantInput(input, today);
    validate(applicant, input.purpose);

    const build = () => {
      const now = this.clock.now();
      const app = Object.assign(new CreditApplication(), {
        applicantId: viewer.userId,
        product: input.product,
        amount: applicant.amount,
        termMonths: applicant.termMonths,
        purpose: input.purpose.trim(),
        dateOfBirth: applicant.dateOfBirth,
        monthlyIncome: applicant.monthlyIncome,
        monthlyDebt: applicant.monthlyDebt,
        employmentStatus: applicant.employmentStatus,
        creditScore: applicant.creditScore,
        onTimeRentMonths: applicant.onTimeRentMonths,
        onTimeUtilityMonths: applicant.onTimeUtilityMonths,
        bankAccountAgeMonths: applicant.bankAccountAgeMonths,
        overdraftsLast90Days: applicant.overdraftsLast90Days,
        createdAt: now,
        updatedAt: now,
      });
      const decided = this.automatedDecision(app.id, applicant, now);
      this.applyDecision(app, decided, now);
      return { app, decided, now };
    };

    const key = input.idempotencyKey;
    if (key == null) {
      const { app, decided } = build();
      const view = applicationView(app, decided.view);
      await multiInsert(this.knex, this.insertSpecs(ctx, app, decided, view, false));
      this.tx.eventsCommitted();
      return view;
    }

    const outcome = await this.tx.run(ctx.em, async (tx) => {
      const claim = await this.idempotency.claim<{ applicationId: string }>(
        tx,
        viewer.userId,
        key,
        'submitApplication',
        {
          ...input,
        },
      );
      if (claim.replay) return { replayOf: claim.result.applicationId };
      const { app, decided } = build();
      const view = applicationView(app, decided.view);
      await multiInsert(
        tx.em.getTransactionContext<Knex.Transaction>()!,
        this.insertSpecs(ctx, app, decided, view, false),
      );
      await this.idempotency.complete(tx, viewer.userId, key, { applicationId: app.id });
      tx.wroteEvents = true;
      return { view };
    });
    if ('view' in outcome) return outcome.view!;
    const replay = await this.load(ctx, outcome.replayOf);
    if (!replay) throw new Error('idempotent replay of a missing application');
    return replay;
  }

  /** Changes a REFERRED application's data and decides again. */
  async update(ctx: RequestScope, input: UpdateApplicationInput): Promise<ApplicationView> {
    return this.transition(ctx, input.applicationId, 'owner', async (tx, app) => {
      if (app.status !== ApplicationStatus.REFERRED) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'Only an application under review can be changed.',
          ['input', 'applicationId'],
        );
      }
      const merged = {
        product: app.product as Product,
        amount: input.amount ?? Number(app.amount),
        termMonths: input.termMonths ?? app.termMonths,
        dateOfBirth: app.dateOfBirth,
        monthlyIncome: input.monthlyIncome ?? Number(app.monthlyIncome),
        monthlyDebt: input.monthlyDebt ?? Number(app.monthlyDebt),
        employmentStatus: (input.employmentStatus ?? app.employmentStatus) as EmploymentStatus,
        creditScore: input.creditScore ?? app.creditScore,
        alternativeData: {
          onTimeRentMonths: input.alternativeData?.onTimeRentMonths ?? app.onTimeRentMonths,
          onTimeUtilityMonths: input.alternativeData?.onTimeUtilityMonths ?? app.onTimeUtilityMonths,
          bankAccountAgeMonths: input.alternativeData?.bankAccountAgeMonths ?? app.bankAccountAgeMonths,
          overdraftsLast90Days: input.alternativeData?.overdraftsLast90Days ?? app.overdraftsLast90Days,
        },
      };
      const applicant = applicantInput(merged, this.clock.today());
      validate(applicant, input.purpose ?? undefined);
      const before = { amount: Number(app.amount), termMonths: app.termMonths, status: app.status };
      Object.assign(app, {
        amount: applicant.amount,
        termMonths: applicant.termMonths,
        purpose: input.purpose?.trim() ?? app.purpose,
        monthlyIncome: applicant.monthlyIncome,
        monthlyDebt: applicant.monthlyDebt,
        employmentStatus: applicant.employmentStatus,
        creditScore: applicant.creditScore,
        onTimeRentMonths: applicant.onTimeRentMonths,
        onTimeUtilityMonths: applicant.onTimeUtilityMonths,
        bankAccountAgeMonths: applicant.bankAccountAgeMonths,
        overdraftsLast90Days: applicant.overdraftsLast90Days,
      });
      const now = this.clock.now();
      const decided = this.automatedDecision(app.id, applicant, now);
      this.persistDecision(tx, decided);
      this.applyDecision(app, decided, now);
      const view = applicationView(app, decided.view);
      this.announce(tx, ctx, view, decided.decision, false, {
        action: 'application.update',
        changes: {
          before,
          after: { amount: applicant.amount, termMonths: applicant.termMonths, status: app.status },
        },
      });
      return view;
    });
  }

  /** The applicant withdraws an application that is approved (offer not yet accepted) or under review. */
  async cancel(ctx: RequestScope, applicationId: string): Promise<ApplicationView> {
    return this.transition(ctx, applicationId, 'owner', async (tx, app, decision) => {
      const now = this.clock.now();
      const live =
        app.status === ApplicationStatus.REFERRED ||
        (app.status === ApplicationStatus.APPROVED && !this.expired(app, now));
      if (!live) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `An application that is ${this.statusOf(app, now)} cannot be cancelled.`,
          ['input', 'applicationId'],
        );
      }
      const before = app.status;
      app.status = ApplicationStatus.CANCELLED;
      app.updatedAt = now;
      app.version++;
      const view = applicationView(app, decision ? decisionView(decision) : null);
      const n = this.notifications;
      n.notify(
        tx,
        app.applicantId,
        NotificationKind.APPLICATION_CANCELLED,
        'Application cancelled',
        'You cancelled your application.',
        {
          applicationId: toGlobalId(APPLICATION_TYPE, app.id),
        },
      );
      this.emitUpdated(tx, view);
      this.audit.record(tx, ctx, {
        action: 'application.cancel',
        objectId: app.id,
        changes: { status: [before, app.status] },
      });
      return view;
    });
  }

  /** An admin decides a REFERRED application: approve (grade E, counter-offer rule) or decline, with a note. */
  async review(ctx: RequestScope, input: ReviewApplicationInput): Promise<ApplicationView> {
    const viewer = requireViewer(ctx);
    if (!viewer.isAdmin) throw forbidden();
    const note = input.note.trim();
    const errors = new FieldErrors();
    if (!note) errors.add(['input', 'note'], 'Say why: the note is part of the record.');
    if (input.note.length > MAX_TEXT) errors.add(['input', 'note'], `Use at most ${MAX_TEXT} characters.`);
    errors.throwIfAny();
    return this.transition(ctx, input.applicationId, 'admin', async (tx, app, current) => {
      if (app.status !== ApplicationStatus.REFERRED || !current) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'Only an application under review can be reviewed.',
          ['input', 'applicationId'],
        );
      }
      const now = this.clock.now();
      const applicant = this.applicantOf(app);
      const referred = this.asDomainDecision(current);
      const decision: Decision =
        input.outcome === 'APPROVED'
          ? approveReferred(referred, applicant)
          : {
              ...referred,
              outcome: 'DECLINED',
              grade: null,
              aprBp: null,
              approvedAmount: null,
              counterOffer: false,
            };
      const decided = this.toDecided(app.id, decision, applicant, now, {
        decidedBy: 'ADMIN',
        deciderId: viewer.userId,
        latencyMs: null,
      });
      this.persistDecision(tx, decided);
      const before = app.status;
      this.applyDecision(app, decided, now);
      app.reviewNote = note;
      const view = applicationView(app, decided.view);
      this.announce(tx, ctx, view, decision, true, {
        action: 'application.review',
        changes: { status: [before, app.status], outcome: input.outcome, note },
      });
      return view;
    });
  }

  /** One application, for its applicant or an admin; null for anyone else, as for a missing id. */
  async get(ctx: RequestScope, globalId: string): Promise<ApplicationView | null> {
    const viewer = requireViewer(ctx);
    const id = localId(globalId, APPLICATION_TYPE);
    if (!id) return null;
    const view = await this.load(ctx, id);
    if (!view || (view.applicantId !== viewer.userId && !viewer.isAdmin)) return null;
    return view;
  }

  /** For a live event already authorised by its audience; fresh from the database. */
  async loadForEvent(ctx: RequestScope, id: string): Promise<ApplicationView> {
    ctx.loaders.applicationById.clear(id);
    const view = await this.load(ctx, id);
    if (!view) throw new Error(`application ${id} of an event is missing`);
    return view;
  }

  async getDecision(ctx: RequestScope, id: string): Promise<DecisionView | null> {
    const viewer = requireViewer(ctx);
    const d = await ctx.em.findOne(CreditDecision, { id });
    if (!d) return null;
    const app = await ctx.em.findOne(CreditApplication, { id: d.applicationId }, { fields: ['applicantId'] });
    if (!app || (app.applicantId !== viewer.userId && !viewer.isAdmin)) return null;
    return decisionView(d);
  }

  /** The caller's applications, newest first. */
  listMine(ctx: RequestScope, userId: string, args: { first?: number | null; after?: string | null }) {
    const viewer = requireViewer(ctx);
    if (viewer.userId !== userId && !viewer.isAdmin) throw forbidden();
    return this.page(ctx, { applicantId: userId }, args, 'desc');
  }

  /** The admin queue: every applicant's applications, oldest first (first come, first reviewed). */
  queue(ctx: RequestScope, args: { status?: string | null; first?: number | null; after?: string | null }) {
    const viewer = requireViewer(ctx);
    if (!viewer.isAdmin) throw forbidden();
    return this.page(ctx, args.status ? { status: args.status } : {}, args, 'asc');
  }

  // ---- internals

  private expired(app: CreditApplication, now: Date): boolean {
    return !!app.offerExpiresAt && app.offerExpiresAt.getTime() <= now.getTime();
  }

  private statusOf(app: CreditApplication, now: Date): string {
    return app.status === ApplicationStatus.APPROVED && this.expired(app, now) ? 'EXPIRED' : app.status;
  }

  private applicantOf(app: CreditApplication): ApplicantInput {
    return applicantInput(
      {
        product: app.product as Product,
        amount: Number(app.amount),
        termMonths: app.termMonths,
        dateOfBirth: app.dateOfBirth,
        monthlyIncome: Number(app.monthlyIncome),
        monthlyDebt: Number(app.monthlyDebt),
        employmentStatus: app.employmentStatus as EmploymentStatus,
        creditScore: app.creditScore,
        alternativeData: app,
      },
      this.clock.today(),
    );
  }

  private asDomainDecision(d: CreditDecision): Decision {
    return {
      modelVersion: 'v1',
      outcome: d.outcome as Decision['outcome'],
      score: d.score,
      grade: d.grade as Decision['grade'],
      aprBp: d.aprBp,
      approvedAmount: d.approvedAmount === null ? null : Number(d.approvedAmount),
      counterOffer: d.counterOffer,
      reasons: d.reasons as Decision['reasons'],
      trace: d.trace as Decision['trace'],
    };
  }

  /** Scores the applicant; the latency recorded is the decision's own computation (scorecard and offer). */
  private automatedDecision(applicationId: string, applicant: ApplicantInput, now: Date): Decided {
    const started = process.hrtime.bigint();
    const decision = decide(applicant);
    const offer = offerFor(decision, applicant.product, applicant.termMonths, applicant.decisionDate);
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    return this.toDecided(
      applicationId,
      decision,
      applicant,
      now,
      { decidedBy: 'AUTOMATED', deciderId: null, latencyMs },
      offer,
    );
  }

  private toDecided(
    applicationId: string,
    decision: Decision,
    applicant: ApplicantInput,
    now: Date,
    by: { decidedBy: 'AUTOMATED' | 'ADMIN'; deciderId: string | null; latencyMs: number | null },
    offer = offerFor(decision, applicant.product, applicant.termMonths, applicant.decisionDate),
  ): Decided {
    const expiresAt = offer ? new Date(now.getTime() + OFFER_VALID_DAYS * 86_400_000) : null;
    const view: DecisionView = {
      id: uuidv7(),
      applicationId,
      outcome: decision.outcome,
      score: decision.score,
      grade: decision.grade,
      aprBp: decision.aprBp,
      approvedAmount: decision.approvedAmount,
      counterOffer: decision.counterOffer,
      reasons: decision.reasons,
      trace: decision.trace,
      modelVersion: decision.modelVersion,
      decidedBy: by.decidedBy,
      deciderId: by.deciderId,
      latencyMs: by.latencyMs,
      decidedAt: now.toISOString(),
      offer: offer && expiresAt ? { ...offer, expiresAt: expiresAt.toISOString() } : null,
    };
    return { decision, view };
  }

  /** Sets the application's status and offer expiry from its new decision. */
  private applyDecision(app: CreditApplication, decided: Decided, now: Date): void {
    app.status = decided.decision.outcome;
    app.decisionId = decided.view.id;
    app.offerExpiresAt = decided.view.offer ? new Date(decided.view.offer.expiresAt) : null;
    app.updatedAt = now;
  }

  private persistDecision(tx: Tx, decided: Decided): void {
    const v = decided.view;
    tx.em.persist(
      tx.em.create(CreditDecision, {
        id: v.id,
        applicationId: v.applicationId,
        outcome: v.outcome,
        score: v.score,
        grade: v.grade,
        aprBp: v.aprBp,
        approvedAmount: v.approvedAmount,
        counterOffer: v.counterOffer,
        reasons: v.reasons,
        trace: v.trace,
        modelVersion: v.modelVersion,
        decidedBy: v.decidedBy,
        deciderId: v.deciderId,
        latencyMs: v.latencyMs,
        decidedAt: new Date(v.decidedAt),
        offer: v.offer as unknown as Record<string, unknown> | null,
      }),
    );
  }

  private emitUpdated(tx: Tx, view: ApplicationView): void {
    tx.emit(this.updatedEvent(view));
  }

  /** The event names the application; subscribers read its current state (small events, no stale copies). */
  private updatedEvent(view: ApplicationView): NewEvent {
    return applicationUpdatedEvent(view.id, view.applicantId);
  }

  /** Live event, notification and audit entry for a new decision, in the transaction. */
  private announce(
    tx: Tx,
    ctx: RequestScope,
    view: ApplicationView,
    decision: Decision,
    reviewed: boolean,
    audit: { action: string; changes: Record<string, unknown> },
  ): void {
    const m = decisionMessage(decision, reviewed);
    this.notifications.notify(tx, view.applicantId, m.kind, m.title, m.body, {
      applicationId: toGlobalId(APPLICATION_TYPE, view.id),
    });
    this.emitUpdated(tx, view);
    this.audit.record(tx, ctx, { action: audit.action, objectId: view.id, changes: audit.changes });
  }

  /** Every row a new application writes, for one multi-insert statement. */
  private insertSpecs(
    ctx: RequestScope,
    app: CreditApplication,
    decided: Decided,
    view: ApplicationView,
    reviewed: boolean,
  ): InsertSpec[] {
    const v = decided.view;
    const m = decisionMessage(decided.decision, reviewed);
    const note = this.notifications.build(app.applicantId, m.kind, m.title, m.body, {
      applicationId: toGlobalId(APPLICATION_TYPE, app.id),
    });
    const outbox = [this.updatedEvent(view), note.event].map((e) => {
      const row = this.tx.outboxRow(e);
      return { ...row, audience: textArray(row.audience) };
    });
    return [
      {
        table: 'credit_application',
        rows: [
          {
            id: app.id,
            applicant_id: app.applicantId,
            product: app.product,
            status: app.status,
            amount: app.amount,
            term_months: app.termMonths,
            purpose: app.purpose,
            date_of_birth: app.dateOfBirth,
            monthly_income: app.monthlyIncome,
            monthly_debt: app.monthlyDebt,
            employment_status: app.employmentStatus,
            credit_score: app.creditScore,
            on_time_rent_months: app.onTimeRentMonths,
            on_time_utility_months: app.onTimeUtilityMonths,
            bank_account_age_months: app.bankAccountAgeMonths,
            overdrafts_last90days: app.overdraftsLast90Days,
            decision_id: app.decisionId,
            offer_expires_at: app.offerExpiresAt,
            review_note: null,
            version: 1,
            created_at: app.createdAt,
            updated_at: app.updatedAt,
          },
        ],
        casts: { date_of_birth: 'date' },
      },
      {
        table: 'credit_decision',
        rows: [
          {
            id: v.id,
            application_id: app.id,
            outcome: v.outcome,
            score: v.score,
            grade: v.grade,
            apr_bp: v.aprBp,
            approved_amount: v.approvedAmount,
            counter_offer: v.counterOffer,
            reasons: v.reasons,
            trace: v.trace,
            model_version: v.modelVersion,
            decided_by: v.decidedBy,
            decider_id: v.deciderId,
            latency_ms: v.latencyMs,
            decided_at: v.decidedAt,
            offer: v.offer,
          },
        ],
        casts: { reasons: 'jsonb', trace: 'jsonb', offer: 'jsonb' },
      },
      { table: 'notification', rows: [note.row], casts: { data: 'jsonb' } },
      { table: 'outbox_event', rows: outbox, casts: { audience: 'text[]', payload: 'jsonb' } },
      {
        table: 'audit_entry',
        rows: [
          this.audit.row(ctx, {
            action: 'application.submit',
            objectId: app.id,
            changes: { product: app.product, amount: Number(app.amount), outcome: v.outcome, score: v.score },
          }),
        ],
        casts: { changes: 'jsonb' },
      },
    ];
  }

  /**
   * Runs a state change on one application under a row lock, so concurrent transitions
   * serialise: the first wins, the others see its result and get INVALID_STATE.
   */
  private async transition(
    ctx: RequestScope,
    globalId: string,
    who: 'owner' | 'admin',
    work: (tx: Tx, app: CreditApplication, decision: CreditDecision | null) => Promise<ApplicationView>,
  ): Promise<ApplicationView> {
    const viewer = requireViewer(ctx);
    const id = localId(globalId, APPLICATION_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such application.', ['input', 'applicationId']);
    if (!id) throw notFound();
    return this.tx.run(ctx.em, async (tx) => {
      const app = await tx.em.findOne(CreditApplication, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!app) throw notFound();
      if (who === 'owner' && app.applicantId !== viewer.userId) throw notFound();
      const decision = app.decisionId ? await tx.em.findOne(CreditDecision, { id: app.decisionId }) : null;
      return work(tx, app, decision);
    });
  }

  private async load(ctx: RequestScope, id: string): Promise<ApplicationView | null> {
    const app = await ctx.loaders.applicationById.load(id);
    if (!app) return null;
    const decision = app.decisionId ? await ctx.loaders.decisionById.load(app.decisionId) : null;
    return applicationView(app, decision ? decisionView(decision) : null);
  }

  private async page(
    ctx: RequestScope,
    where: FilterQuery<CreditApplication>,
    args: PageArgs,
    order: 'asc' | 'desc',
  ): Promise<Connection<ApplicationView>> {
    const page = await findPage(ctx.em, CreditApplication, where, args, order);
    const apps = page.edges.map((e) => e.node);
    const decisions = await ctx.loaders.decisionById.loadMany(
      apps.map((a) => a.decisionId).filter((x): x is string => !!x),
    );
    const byId = new Map(
      decisions.filter((d): d is CreditDecision => d instanceof CreditDecision).map((d) => [d.id, d]),
    );
    for (const a of apps) ctx.loaders.applicationById.prime(a.id, a);
    return mapConnection(page, (a) =>
      applicationView(
        a,
        a.decisionId && byId.has(a.decisionId) ? decisionView(byId.get(a.decisionId)!) : null,
      ),
    );
  }
}
