import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum PaymentSource {
  /** Collected through the payment gateway (`makePayment`). */
  GATEWAY = 'GATEWAY',
  /** Reward points redeemed as a statement or travel credit: no money moves. */
  REWARDS = 'REWARDS',
  /** What the owner had paid of a refunded purchase, applied to what else the account owes. */
  REFUND = 'REFUND',
}

/**
 * A repayment into an account: through the payment gateway (`makePayment`), or reward points
 * applied like one. A gateway payment is committed PENDING first (its id is the provider's
 * idempotency key), then settled with the provider's answer.
 */
@Entity({ tableName: 'payment' })
@Index({ properties: ['accountId', 'id'] })
@Index({
  name: 'payment_pending_index',
  expression: `create index "payment_pending_index" on "payment" ("attempted_at") where "status" = 'PENDING'`,
})
export class Payment {
  [OptionalProps]?: 'createdAt' | 'failureReason' | 'prepayment' | 'source' | 'attemptedAt' | 'settledAt';

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
}
