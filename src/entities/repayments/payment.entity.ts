import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum PaymentSource {
  /** Collected through the payment gateway (`makePayment`). */
  GATEWAY = 'GATEWAY',
  /** Reward points redeemed as a statement or travel credit: no money moves. */
  REWARDS = 'REWARDS',
  /** What the owner had paid of a refunded purchase, applied to what else the account owes. */
  REFUND = 'REFUND',
  /** Charged on a checkout plan's due date (or at checkout, a pay-in-4's first part) from the payment method on file. */
  AUTOPAY = 'AUTOPAY',
}

/**
 * A repayment into an account: through the payment gateway (`makePayment`), or reward points
 * applied like one. A gateway payment is committed PENDING first (its id is the provider's
 * idempotency key), then settled with the provider's answer.
 */
@Entity({ tableName: 'payment' })
@Index({ properties: ['accountId', 'id'] })
/** Money collected in a period (payments today on the live dashboard). */
@Index({
  name: 'payment_succeeded_settled_at_index',
  expression: `create index "payment_succeeded_settled_at_index" on "payment" ("settled_at") where "status" = 'SUCCEEDED'`,
})
@Unique({ name: 'payment_autopay_once_a_day', properties: ['installmentId', 'autopayOn'] })
@Index({
  name: 'payment_pending_index',
  expression: `create index "payment_pending_index" on "payment" ("attempted_at") where "status" = 'PENDING'`,
})
export class Payment {
  [OptionalProps]?:
    | 'createdAt'
    | 'failureReason'
    | 'prepayment'
    | 'source'
    | 'attemptedAt'
    | 'settledAt'
    | 'planId'
    | 'installmentId'
    | 'autopayOn';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  /** PENDING, SUCCEEDED or FAILED. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text' })
  source: string = PaymentSource.GATEWAY;

  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'bigint', runtimeType: 'number' })
  prepayment: number = 0;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** Real time of the last request to the gateway: a PENDING record older than that is asked again. */
  @Property({ type: 'timestamptz', nullable: true })
  attemptedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  settledAt: Date | null = null;

  /** A payment on one plan only (autopay of a checkout plan): allocated to that plan's installments. */
  @Property({ type: 'uuid', nullable: true })
  planId: string | null = null;

  /** Autopay: the installment it was charged for, and the business day of the attempt (one a day). */
  @Property({ type: 'uuid', nullable: true })
  installmentId: string | null = null;

  @Property({ type: 'date', columnType: 'date', nullable: true })
  autopayOn: string | null = null;
}
