import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../lib/ids';

export enum DisbursementKind {
  /** A platform loan's principal. */
  LOAN = 'LOAN',
  /** Money the owner had paid that a refund or a late-settling payment left with nothing to pay. */
  RETURN = 'RETURN',
}

/**
 * Money paid out to an account's owner through the gateway: a loan's principal, or money
 * returned. Committed PENDING first (its id is the provider's idempotency key), then settled.
 */
@Entity({ tableName: 'disbursement' })
@Index({ properties: ['accountId', 'id'] })
@Index({
  name: 'disbursement_pending_index',
  expression: `create index "disbursement_pending_index" on "disbursement" ("attempted_at") where "status" = 'PENDING'`,
})
export class Disbursement {
  [OptionalProps]?: 'createdAt' | 'failureReason' | 'kind' | 'sourceId' | 'attemptedAt' | 'settledAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'text' })
  kind: string = DisbursementKind.LOAN;

  /** A return: the refund (card transaction) or payment whose money it returns. */
  @Property({ type: 'uuid', nullable: true })
  sourceId: string | null = null;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  /** PENDING, SUCCEEDED or FAILED. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** Real time of the last request to the gateway. */
  @Property({ type: 'timestamptz', nullable: true })
  attemptedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  settledAt: Date | null = null;
}

/** Where one payment went: one row per item it paid. */
@Entity({ tableName: 'payment_allocation' })
@Index({ properties: ['paymentId'] })
export class PaymentAllocation {
  [OptionalProps]?: 'planId' | 'installmentNumber' | 'transactionId';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  paymentId!: string;

  @Property({ type: 'uuid', nullable: true })
  planId: string | null = null;

  @Property({ type: 'integer', nullable: true })
  installmentNumber: number | null = null;

  @Property({ type: 'uuid', nullable: true })
  transactionId: string | null = null;

  @Property({ type: 'bigint', runtimeType: 'number' })
  fee!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  interest!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  principal!: number;
}

/** The sandbox clock's offset from real time, shared by every instance (one row). */
@Entity({ tableName: 'sandbox_clock' })
export class SandboxClockRow {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  offsetMs!: number;
}

/**
 * The daily job's run for one business day. Its claim is a lease: an instance holds it while
 * it works (renewing it), and a run that crashed or failed is picked up again once the lease
 * lapses, until one finishes.
 */
@Entity({ tableName: 'daily_job_run' })
export class DailyJobRun {
  [OptionalProps]?: 'finishedAt' | 'leaseUntil' | 'attempts';

  @PrimaryKey({ type: 'date', columnType: 'date' })
  day!: string;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;

  /** Real time until which the current attempt holds the day. */
  @Property({ type: 'timestamptz', nullable: true })
  leaseUntil: Date | null = null;

  @Property({ type: 'integer' })
  attempts: number = 1;

  @Property({ type: 'jsonb', nullable: true })
  summary: Record<string, unknown> | null = null;
}

/**
 * The simulated payment provider's own memory of the requests it served, by the caller's
 * reference (its idempotency key): asking again with the same reference answers the same and
 * moves money once. A real provider keeps this on its side.
 */
@Entity({ tableName: 'gateway_operation' })
export class GatewayOperation {
  [OptionalProps]?: 'reason' | 'createdAt';

  @PrimaryKey({ type: 'text' })
  reference!: string;

  /** CHARGE or PAYOUT. */
  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'boolean' })
  ok!: boolean;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  /** The provider's own id of the operation. */
  @Property({ type: 'text' })
  providerReference!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
