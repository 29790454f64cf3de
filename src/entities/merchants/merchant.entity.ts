import { Check, Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum MerchantStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}

/**
 * A business that sells on credit at checkout (SPEC section 8): one per MERCHANT user,
 * created at sign-up and verified at once in the sandbox. A suspended merchant's keys and
 * checkouts stop working.
 */
@Entity({ tableName: 'merchant' })
export class Merchant {
  [OptionalProps]?: 'website' | 'settlementAccountRef' | 'suspendedReason' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid', unique: true })
  userId!: string;

  @Property({ type: 'text' })
  businessName!: string;

  @Property({ type: 'text', nullable: true })
  website: string | null = null;

  /** Where settlements are paid (the bank account's reference at the provider). */
  @Property({ type: 'text', nullable: true })
  settlementAccountRef: string | null = null;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'timestamptz' })
  verifiedAt!: Date;

  @Property({ type: 'text', nullable: true })
  suspendedReason: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/** A merchant's server-to-server key: only the SHA-256 of the secret is kept. */
@Entity({ tableName: 'api_key' })
@Index({ properties: ['merchantId', 'id'] })
export class ApiKey {
  [OptionalProps]?: 'createdAt' | 'revokedAt' | 'lastUsedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  merchantId!: string;

  @Property({ type: 'text' })
  name!: string;

  /** Hex SHA-256 of the whole secret; looked up by equality, so no prefix can be timed. */
  @Property({ type: 'text', unique: true })
  secretHash!: string;

  /** The first characters of the secret (`mk_` and four more), to recognise a key in lists. */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}

export enum CheckoutStatus {
  OPEN = 'OPEN',
  COMPLETED = 'COMPLETED',
  REFUNDED = 'REFUNDED',
  EXPIRED = 'EXPIRED',
}

export enum CheckoutPlan {
  PAY_IN_4 = 'PAY_IN_4',
  MONTHLY_6 = 'MONTHLY_6',
  MONTHLY_12 = 'MONTHLY_12',
}

/**
 * A merchant's request to be paid (a payment link), open for one hour; confirmed by a shopper
 * with a plan on their credit line. The database keeps refunds within the amount.
 */
@Entity({ tableName: 'checkout' })
@Index({ properties: ['merchantId', 'id'] })
@Index({ properties: ['shopperId', 'id'] })
@Index({
  name: 'checkout_open_index',
  expression: `create index "checkout_open_index" on "checkout" ("expires_at") where "status" = 'OPEN'`,
})
@Check({ name: 'checkout_amounts', expression: 'amount > 0 and refunded >= 0 and refunded <= amount' })
export class Checkout {
  [OptionalProps]?:
    | 'refunded'
    | 'description'
    | 'shopperId'
    | 'accountId'
    | 'planId'
    | 'plan'
    | 'completedAt'
    | 'completedOn'
    | 'createdAt'
    | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  merchantId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  refunded: number = 0;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text' })
  orderReference!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'uuid', nullable: true })
  shopperId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  accountId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  planId: string | null = null;

  /** The plan the shopper chose (CheckoutPlan). */
  @Property({ type: 'text', nullable: true })
  plan: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  /** The business day it was completed: the settlement it counts in. */
  @Property({ type: 'date', columnType: 'date', nullable: true })
  completedOn: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/** One refund of a checkout, on the business day it was made (the settlement it counts in). */
@Entity({ tableName: 'checkout_refund' })
@Index({ properties: ['checkoutId', 'id'] })
@Index({ properties: ['merchantId', 'refundedOn'] })
export class CheckoutRefund {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  checkoutId!: string;

  @Property({ type: 'uuid' })
  merchantId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  /** Taken off what the shopper still owed on the plan. */
  @Property({ type: 'bigint', runtimeType: 'number' })
  cancelled!: number;

  /** Already paid by the shopper: sent back to them through the gateway. */
  @Property({ type: 'bigint', runtimeType: 'number' })
  returned!: number;

  @Property({ type: 'date', columnType: 'date' })
  refundedOn!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

export enum SettlementStatus {
  PENDING = 'PENDING',
  PAID = 'PAID',
}

/**
 * What the platform owes a merchant for one business day (SPEC section 8): gross, refunds,
 * 3% fees, net. One per merchant and day, created and paid by the next day's daily job.
 */
@Entity({ tableName: 'merchant_settlement' })
@Index({ properties: ['merchantId', 'id'] })
@Unique({ name: 'merchant_settlement_one_a_day', properties: ['merchantId', 'date'] })
@Index({
  name: 'merchant_settlement_pending_index',
  expression: `create index "merchant_settlement_pending_index" on "merchant_settlement" ("attempted_at") where "status" = 'PENDING'`,
})
export class MerchantSettlement {
  [OptionalProps]?: 'createdAt' | 'attemptedAt' | 'paidAt' | 'failureReason';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  merchantId!: string;

  @Property({ type: 'date', columnType: 'date' })
  date!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  gross!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  refunds!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  fees!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  net!: number;

  @Property({ type: 'text' })
  status!: string;

  /** The provider's last refusal, while it is retried. */
  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** Real time of the last request to the gateway: a PENDING one older than that is asked again. */
  @Property({ type: 'timestamptz', nullable: true })
  attemptedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  paidAt: Date | null = null;
}

/** Where a merchant receives webhooks; the signing secret is kept encrypted (it must sign). */
@Entity({ tableName: 'webhook_endpoint' })
@Index({ properties: ['merchantId', 'id'] })
export class WebhookEndpoint {
  [OptionalProps]?: 'createdAt' | 'disabledAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  merchantId!: string;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'text[]' })
  events!: string[];

  /** The signing secret, AES-256-GCM (base64 of iv, tag, ciphertext). */
  @Property({ type: 'text' })
  secretEncrypted!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  disabledAt: Date | null = null;
}

export enum DeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

/**
 * One webhook owed to one endpoint, written in the transaction of its cause. Its id is the
 * event's `id` (stable across retries); `body` is the exact JSON sent every time.
 */
@Entity({ tableName: 'webhook_delivery' })
@Index({ properties: ['endpointId', 'id'] })
@Index({
  name: 'webhook_delivery_due_index',
  expression: `create index "webhook_delivery_due_index" on "webhook_delivery" ("next_attempt_at") where "status" = 'PENDING'`,
})
export class WebhookDelivery {
  [OptionalProps]?: 'status' | 'attempts' | 'lockedUntil' | 'deliveredAt' | 'lastStatusCode';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  endpointId!: string;

  @Property({ type: 'uuid' })
  merchantId!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'text' })
  status: string = DeliveryStatus.PENDING;

  @Property({ type: 'integer' })
  attempts: number = 0;

  /** Real time. */
  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  /** Real time of the next attempt. */
  @Property({ type: 'timestamptz' })
  nextAttemptAt!: Date;

  /** A worker holds it until then (real time): one worker per delivery across instances. */
  @Property({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null = null;

  @Property({ type: 'integer', nullable: true })
  lastStatusCode: number | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null = null;
}

/** One attempt at a delivery: when, the receiver's status code (or the network error), how long. */
@Entity({ tableName: 'webhook_attempt' })
@Index({ properties: ['deliveryId', 'id'] })
export class WebhookAttempt {
  [OptionalProps]?: 'statusCode' | 'error';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  deliveryId!: string;

  @Property({ type: 'timestamptz' })
  attemptedAt!: Date;

  @Property({ type: 'integer', nullable: true })
  statusCode: number | null = null;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'integer' })
  durationMs!: number;
}
