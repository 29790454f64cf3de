import { LockMode } from '@mikro-orm/core';
import type { FilterQuery, Knex } from '@mikro-orm/postgresql';
import { decide, type Decision } from '../../domain/applications/scorecard';
import { CreditApplication, CreditDecision } from '../../entities';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import { multiInsert, type InsertSpec } from '../../db/multi-insert';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode, forbidden } from '../../lib/errors';
import { localId } from '../../lib/global-id';
import { findPage, mapConnection, type Connection, type PageArgs } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { applicationView, decisionView, type ApplicationView, type DecisionView } from './application-view';
import { APPLICATION_TYPE, applicationUpdatedEvent } from './application-events';
import {
  applicantColumns,
  applicantInput,
  storedApplicant,
  updatedApplicant,
  validReviewNote,
  validateApplicant,
  type ReviewApplicationInput,
  type SubmitApplicationInput,
  type UpdateApplicationInput,
} from './application-input';
import { ApplicationInsert } from './application-insert';
import { CANCELLED_NOTICE, decisionNotice, noticeData, type Notice } from './application-notices';
import {
  applyDecision,
  asDomainDecision,
  automatedDecision,
  decisionData,
  offerExpired,
  reviewedDecision,
  statusAt,
  toDecided,
  type Decided,
} from './decision';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Transactions } from '../../db/transactions';
import type { RateLimiter } from '../identity/rate-limiter';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import type { NotificationService } from '../notifications/notification.service';

// What other features and the GraphQL layer import from here; each lives in its own module.
export { APPLICATION_TYPE, DECISION_TYPE, applicationUpdatedEvent } from './application-events';
export { OFFER_VALID_DAYS } from './decision';
export type {
  AlternativeDataInput,
  ReviewApplicationInput,
  SubmitApplicationInput,
  UpdateApplicationInput,
} from './application-input';

/**
 * Credit applications: the instant decision, offers, and the lifecycle (update while
 * referred, cancel, admin review). Access is checked first in every method; another
 * user's application answers exactly like a missing one.
 */
export class CreditApplicationService {
  /** The one-statement insert of a new application, built from the ORM's metadata on first use. */
  private insert: ApplicationInsert | null = null;

  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly knex: Knex,
    private readonly rateLimiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly mutations: IdempotentMutations,
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
    validateApplicant(applicant, input.purpose);
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
    const applicant = applicantInput(input, this.clock.today());
    validateApplicant(applicant, input.purpose);
    const write = async (db: Knex | Knex.Transaction): Promise<ApplicationView> => {
      const now = this.clock.now();
      const app = Object.assign(new CreditApplication(), {
        applicantId: viewer.userId,
        product: input.product,
        ...applicantColumns(applicant),
        purpose: input.purpose.trim(),
        dateOfBirth: applicant.dateOfBirth,
        createdAt: now,
        updatedAt: now,
      });
      const decided = automatedDecision(app.id, applicant, now);
      applyDecision(app, decided, now);
      const view = applicationView(app, decided.view);
      await multiInsert(db, this.insertSpecs(ctx, app, decided, view));
      return view;
    };

    const key = input.idempotencyKey;
    if (key == null) {
      const view = await write(this.knex);
      this.tx.eventsCommitted();
      return view;
    }
    const call = { operation: 'submitApplication', key, input: { ...input } };
    const outcome = await this.mutations.run<{ applicationId: string }, ApplicationView>(
      ctx,
      call,
      async (tx) => {
        const view = await write(tx.em.getTransactionContext<Knex.Transaction>()!);
        // Written by raw SQL, not `tx.emit`: the relay must still be kicked after the commit.
        tx.wroteEvents = true;
        return { stored: { applicationId: view.id }, local: view };
      },
    );
    if (!outcome.replayed) return outcome.local;
    const replay = await this.load(ctx, outcome.stored.applicationId);
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
      const applicant = applicantInput(updatedApplicant(app, input), this.clock.today());
      validateApplicant(applicant, input.purpose ?? undefined);
      const before = { amount: Number(app.amount), termMonths: app.termMonths, status: app.status };
      Object.assign(app, { ...applicantColumns(applicant), purpose: input.purpose?.trim() ?? app.purpose });
      const now = this.clock.now();
      const decided = automatedDecision(app.id, applicant, now);
      this.persistDecision(tx, decided);
      applyDecision(app, decided, now);
      const view = applicationView(app, decided.view);
      this.announce(tx, ctx, view, decisionNotice(decided.decision, false), {
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
        (app.status === ApplicationStatus.APPROVED && !offerExpired(app, now));
      if (!live) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `An application that is ${statusAt(app, now)} cannot be cancelled.`,
          ['input', 'applicationId'],
        );
      }
      const before = app.status;
      app.status = ApplicationStatus.CANCELLED;
      app.updatedAt = now;
      app.version++;
      const view = applicationView(app, decision ? decisionView(decision) : null);
      this.announce(tx, ctx, view, CANCELLED_NOTICE, {
        action: 'application.cancel',
        changes: { status: [before, app.status] },
      });
      return view;
    });
  }

  /** An admin decides a REFERRED application: approve (grade E, counter-offer rule) or decline, with a note. */
  async review(ctx: RequestScope, input: ReviewApplicationInput): Promise<ApplicationView> {
    const viewer = requireViewer(ctx);
    if (!viewer.isAdmin) throw forbidden();
    const note = validReviewNote(input);
    return this.transition(ctx, input.applicationId, 'admin', async (tx, app, current) => {
      if (app.status !== ApplicationStatus.REFERRED || !current) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'Only an application under review can be reviewed.',
          ['input', 'applicationId'],
        );
      }
      const now = this.clock.now();
      const applicant = applicantInput(storedApplicant(app), this.clock.today());
      const decision = reviewedDecision(input.outcome, asDomainDecision(current), applicant);
      const decided = toDecided(app.id, decision, applicant, now, {
        decidedBy: 'ADMIN',
        deciderId: viewer.userId,
        latencyMs: null,
      });
      this.persistDecision(tx, decided);
      const before = app.status;
      applyDecision(app, decided, now);
      app.reviewNote = note;
      const view = applicationView(app, decided.view);
      this.announce(tx, ctx, view, decisionNotice(decision, true), {
        action: 'application.review',
        // The note stays on the application (erasable), not in the append-only audit log: free text.
        changes: { status: [before, app.status], outcome: input.outcome, noteGiven: true },
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

  private persistDecision(tx: Tx, decided: Decided): void {
    tx.em.persist(tx.em.create(CreditDecision, decisionData(decided.view)));
  }

  /** Notification, live event and audit entry of a change, in the transaction. */
  private announce(
    tx: Tx,
    ctx: RequestScope,
    view: ApplicationView,
    notice: Notice,
    audit: { action: string; changes: Record<string, unknown> },
  ): void {
    this.notifications.notify(
      tx,
      view.applicantId,
      notice.kind,
      notice.title,
      notice.body,
      noticeData(view.id),
    );
    tx.emit(applicationUpdatedEvent(view.id, view.applicantId));
    this.audit.record(tx, ctx, { action: audit.action, objectId: view.id, changes: audit.changes });
  }

  /** Every row a new application writes, for one multi-insert statement. */
  private insertSpecs(
    ctx: RequestScope,
    app: CreditApplication,
    decided: Decided,
    view: ApplicationView,
  ): InsertSpec[] {
    this.insert ??= new ApplicationInsert(ctx.em.getMetadata());
    const v = decided.view;
    const m = decisionNotice(decided.decision, false);
    const note = this.notifications.build(app.applicantId, m.kind, m.title, m.body, noticeData(app.id));
    const events = [applicationUpdatedEvent(view.id, view.applicantId), note.event];
    return this.insert.specs({
      application: app,
      decision: decisionData(v),
      notification: note.row,
      events: events.map((e) => this.tx.outboxRow(e)),
      audit: this.audit.row(ctx, {
        action: 'application.submit',
        objectId: app.id,
        changes: { product: app.product, amount: Number(app.amount), outcome: v.outcome, score: v.score },
      }),
    });
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
