import type { CreditApplication, CreditDecision } from '../../entities';
import type { Offer } from '../../domain/applications/offer';

/**
 * Applications and decisions as the API shows them, JSON-safe (ISO strings, cents as
 * numbers), so the same value is returned by queries and carried in live events.
 */
export interface OfferView extends Offer {
  expiresAt: string;
}

export interface DecisionView {
  id: string;
  applicationId: string;
  outcome: string;
  score: number;
  grade: string | null;
  aprBp: number | null;
  approvedAmount: number | null;
  counterOffer: boolean;
  reasons: { code: string; description: string }[];
  trace: { component: string; points: number; maxPoints: number }[];
  modelVersion: string;
  decidedBy: 'AUTOMATED' | 'ADMIN';
  deciderId: string | null;
  latencyMs: number | null;
  decidedAt: string;
  offer: OfferView | null;
}

export interface ApplicationView {
  id: string;
  applicantId: string;
  /** As stored; see `effectiveStatus` for what clients see. */
  status: string;
  product: string;
  purpose: string;
  requestedAmount: number;
  termMonths: number | null;
  reviewNote: string | null;
  offerExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  decision: DecisionView | null;
}

const iso = (d: Date | string | null): string | null =>
  d == null ? null : d instanceof Date ? d.toISOString() : d;

export function decisionView(d: CreditDecision): DecisionView {
  return {
    id: d.id,
    applicationId: d.applicationId,
    outcome: d.outcome,
    score: d.score,
    grade: d.grade,
    aprBp: d.aprBp,
    approvedAmount: d.approvedAmount === null ? null : Number(d.approvedAmount),
    counterOffer: d.counterOffer,
    reasons: d.reasons,
    trace: d.trace,
    modelVersion: d.modelVersion,
    decidedBy: d.decidedBy as DecisionView['decidedBy'],
    deciderId: d.deciderId,
    latencyMs: d.latencyMs,
    decidedAt: iso(d.decidedAt)!,
    offer: d.offer as OfferView | null,
  };
}

export function applicationView(a: CreditApplication, decision: DecisionView | null): ApplicationView {
  return {
    id: a.id,
    applicantId: a.applicantId,
    status: a.status,
    product: a.product,
    purpose: a.purpose,
    requestedAmount: Number(a.amount),
    termMonths: a.termMonths,
    reviewNote: a.reviewNote,
    offerExpiresAt: iso(a.offerExpiresAt),
    createdAt: iso(a.createdAt)!,
    updatedAt: iso(a.updatedAt)!,
    decision,
  };
}

/**
 * An approval whose offer has lapsed is EXPIRED for everyone at once, even before the daily
 * job records it.
 */
export function effectiveStatus(v: Pick<ApplicationView, 'status' | 'offerExpiresAt'>, now: Date): string {
  if (v.status === 'APPROVED' && v.offerExpiresAt && Date.parse(v.offerExpiresAt) <= now.getTime())
    return 'EXPIRED';
  return v.status;
}
