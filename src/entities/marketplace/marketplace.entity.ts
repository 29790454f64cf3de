import { Check, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum ListingStatus {
  OPEN = 'OPEN',
  FUNDED = 'FUNDED',
  EXPIRED = 'EXPIRED',
}

export enum NoteStatus {
  ACTIVE = 'ACTIVE',
  PAID_OFF = 'PAID_OFF',
  CHARGED_OFF = 'CHARGED_OFF',
  CANCELLED = 'CANCELLED',
}

/**
 * A marketplace loan offered to investors (SPEC section 7): one per loan account, for the
 * approved amount rounded down to $25. The database refuses to fund it past its amount,
 * whatever the concurrency.
 */
@Entity({ tableName: 'listing' })
@Index({ properties: ['status', 'id'] })
@Check({ name: 'listing_funded_within_amount', expression: 'funded >= 0 and funded <= amount' })
@Check({ name: 'listing_amount_in_notes', expression: 'amount > 0 and amount % 2500 = 0' })
export class Listing {
  [OptionalProps]?: 'funded' | 'investorCount' | 'fundedAt' | 'closedAt' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid', unique: true })
  accountId!: string;

  @Property({ type: 'uuid' })
  borrowerId!: string;

  @Property({ type: 'text' })
  grade!: string;

  @Property({ type: 'integer' })
  aprBp!: number;

  @Property({ type: 'integer' })
  termMonths!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  funded: number = 0;

  @Property({ type: 'integer' })
  investorCount: number = 0;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  fundedAt: Date | null = null;

  /** When it stopped being OPEN (funded or expired). */
  @Property({ type: 'timestamptz', nullable: true })
  closedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/**
 * An investor's share of one listing, in $25 multiples. What it has received so far is kept
 * gross (principal and interest) with the servicing fees deducted from it.
 */
@Entity({ tableName: 'note' })
@Index({ properties: ['listingId', 'id'] })
@Index({ properties: ['investorId', 'id'] })
@Check({ name: 'note_amount_in_units', expression: 'amount >= 2500 and amount % 2500 = 0' })
@Check({
  name: 'note_received_within_amount',
  expression: 'principal_received >= 0 and principal_received <= amount',
})
export class Note {
  [OptionalProps]?: 'principalReceived' | 'interestReceived' | 'feesPaid' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  listingId!: string;

  @Property({ type: 'uuid' })
  investorId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  principalReceived: number = 0;

  @Property({ type: 'bigint', runtimeType: 'number' })
  interestReceived: number = 0;

  @Property({ type: 'bigint', runtimeType: 'number' })
  feesPaid: number = 0;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/**
 * An investor's uninvested cash, kept in step with their ledger account in the same
 * transaction. The database refuses a negative balance, whatever the concurrency.
 */
@Entity({ tableName: 'investor_account' })
@Check({ name: 'investor_cash_not_negative', expression: 'cash >= 0' })
export class InvestorAccount {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  cash: number = 0;
}

export enum CashMovementKind {
  DEPOSIT = 'DEPOSIT',
  WITHDRAWAL = 'WITHDRAWAL',
}

/**
 * Money an investor moves in or out through the gateway: committed PENDING first (its id is
 * the provider's idempotency key), then settled, like payments and disbursements.
 */
@Entity({ tableName: 'cash_movement' })
@Index({ properties: ['userId', 'id'] })
@Index({
  name: 'cash_movement_pending_index',
  expression: `create index "cash_movement_pending_index" on "cash_movement" ("attempted_at") where "status" = 'PENDING'`,
})
export class CashMovement {
  [OptionalProps]?: 'createdAt' | 'failureReason' | 'attemptedAt' | 'settledAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text' })
  kind!: string;

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
