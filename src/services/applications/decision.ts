import {
  approveReferred,
  decide,
  type ApplicantInput,
  type Decision,
} from '../../domain/applications/scorecard';
import type { CreditApplication, CreditDecision } from '../../entities';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import { uuidv7 } from '../../lib/ids';
import type { DecisionView } from './application-view';
import { offerFor } from './offer-cache';

/** Offers stay open this long after the decision. */
export const OFFER_VALID_DAYS = 30;

/** A decision as the scorecard made it, and as it is stored and shown. */
export interface Decided {
  decision: Decision;
  view: DecisionView;
}

/** Who decided: the scorecard (with its own computation time) or an admin. */
export interface DecidedBy {
  decidedBy: 'AUTOMATED' | 'ADMIN';
  deciderId: string | null;
  latencyMs: number | null;
}

/** A decision with its id, decider and offer (open for OFFER_VALID_DAYS from `now`). */
export function toDecided(
  applicationId: string,
  decision: Decision,
  applicant: ApplicantInput,
  now: Date,
  by: DecidedBy,
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

/** Scores the applicant; the latency recorded is the decision's own computation (scorecard and offer). */
export function automatedDecision(applicationId: string, applicant: ApplicantInput, now: Date): Decided {
  const started = process.hrtime.bigint();
  const decision = decide(applicant);
  const offer = offerFor(decision, applicant.product, applicant.termMonths, applicant.decisionDate);
  const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
  return toDecided(
    applicationId,
    decision,
    applicant,
    now,
    { decidedBy: 'AUTOMATED', deciderId: null, latencyMs },
    offer,
  );
}

/**
 * An admin's outcome for a referred decision: an approval follows the review rule (grade E,
 * counter-offer when DTI needs it); a decline keeps the score and reasons and offers nothing.
 */
export function reviewedDecision(
  outcome: 'APPROVED' | 'DECLINED',
  referred: Decision,
  applicant: ApplicantInput,
): Decision {
  if (outcome === 'APPROVED') return approveReferred(referred, applicant);
  return {
    ...referred,
    outcome: 'DECLINED',
    grade: null,
    aprBp: null,
    approvedAmount: null,
    counterOffer: false,
  };
}

/** A stored decision as the scorecard's value. */
export function asDomainDecision(d: CreditDecision): Decision {
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

/** The stored decision's data, for the ORM and for the one-statement insert alike. */
export function decisionData(v: DecisionView) {
  return {
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
  } satisfies Partial<Record<keyof CreditDecision, unknown>>;
}

/** Sets the application's status and offer expiry from its new decision. */
export function applyDecision(app: CreditApplication, d: Decided, now: Date): void {
  app.status = d.decision.outcome;
  app.decisionId = d.view.id;
  app.offerExpiresAt = d.view.offer ? new Date(d.view.offer.expiresAt) : null;
  app.updatedAt = now;
}

/** Whether an application's offer has lapsed at `now` (the daily job may not have recorded it yet). */
export function offerExpired(app: CreditApplication, now: Date): boolean {
  return !!app.offerExpiresAt && app.offerExpiresAt.getTime() <= now.getTime();
}

/** The status people see: an approval whose offer lapsed is EXPIRED. */
export function statusAt(app: CreditApplication, now: Date): string {
  return app.status === ApplicationStatus.APPROVED && offerExpired(app, now) ? 'EXPIRED' : app.status;
}
