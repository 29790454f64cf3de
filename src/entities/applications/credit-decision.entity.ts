import { Check, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

/**
 * One decision on an application, kept forever so it can be explained later: the score,
 * the scorecard trace, the reasons, who decided and, for approvals, the offer as shown.
 */
@Entity({ tableName: 'credit_decision' })
@Index({ properties: ['applicationId', 'id'] })
/** Decisions made in a period (decision latency in the portfolio metrics and the dashboard). */
@Index({ properties: ['decidedAt'] })
@Check({ name: 'credit_decision_score_check', expression: 'score >= 0 and score <= 1000' })
export class CreditDecision {
  [OptionalProps]?: 'deciderId' | 'latencyMs' | 'offer' | 'grade' | 'aprBp' | 'approvedAmount';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  applicationId!: string;

  @Property({ type: 'text' })
  outcome!: string;

  @Property({ type: 'integer' })
  score!: number;

  @Property({ type: 'text', nullable: true })
  grade: string | null = null;

  @Property({ type: 'integer', nullable: true })
  aprBp: number | null = null;

  @Property({ type: 'bigint', runtimeType: 'number', nullable: true })
  approvedAmount: number | null = null;

  @Property({ type: 'boolean' })
  counterOffer!: boolean;

  @Property({ type: 'jsonb' })
  reasons!: { code: string; description: string }[];

  @Property({ type: 'jsonb' })
  trace!: { component: string; points: number; maxPoints: number }[];

  @Property({ type: 'text' })
  modelVersion!: string;

  /** AUTOMATED, or ADMIN with the admin in `deciderId`. */
  @Property({ type: 'text' })
  decidedBy!: string;

  @Property({ type: 'uuid', nullable: true })
  deciderId: string | null = null;

  /** How long the automated decision took; null for an admin's. */
  @Property({ type: 'double precision', nullable: true })
  latencyMs: number | null = null;

  @Property({ type: 'timestamptz' })
  decidedAt!: Date;

  /** The offer (amount, term, APR, payment, schedule, disclosure, expiry) as computed at decision time. */
  @Property({ type: 'jsonb', nullable: true })
  offer: Record<string, unknown> | null = null;
}
