import { Check, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum AccountKind {
  CREDIT_LINE = 'CREDIT_LINE',
  PERSONAL_LOAN = 'PERSONAL_LOAN',
}

export enum AccountStatus {
  PENDING_FUNDING = 'PENDING_FUNDING',
  PENDING_DISBURSEMENT = 'PENDING_DISBURSEMENT',
  ACTIVE = 'ACTIVE',
  PAID_OFF = 'PAID_OFF',
  CHARGED_OFF = 'CHARGED_OFF',
  CLOSED = 'CLOSED',
}

/**
 * A credit line or a loan, opened by accepting an offer (at most one per application).
 * `availableCredit` is kept in step with the ledger in the same transaction and the
 * database refuses to let it go below zero, whatever the concurrency.
 */
@Entity({ tableName: 'credit_account' })
@Index({ properties: ['ownerId', 'id'] })
/** Accounts opened in a period (originations in the portfolio metrics and the dashboard). */
@Index({ properties: ['openedAt'] })
@Check({ name: 'credit_account_available_not_negative', expression: 'available_credit >= 0' })
@Index({
  name: 'credit_account_pending_closure_index',
  expression: `create index "credit_account_pending_closure_index" on "credit_account" ("closure_requested_at" desc, "id" desc) where "closure_requested_at" is not null and "status" <> 'CLOSED'`,
})
export class CreditAccount {
  [OptionalProps]?:
    | 'createdAt'
    | 'updatedAt'
    | 'daysPastDue'
    | 'fundingSource'
    | 'availableCredit'
    | 'termMonths'
    | 'closureRequestedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'uuid', unique: true })
  applicationId!: string;

  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'integer' })
  aprBp!: number;

  /** Credit lines: the limit. Loans: the principal. */
  @Property({ type: 'bigint', runtimeType: 'number' })
  creditLimit!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  availableCredit: number = 0;

  /** Loans: the term of the plan that starts at disbursement. */
  @Property({ type: 'integer', nullable: true })
  termMonths: number | null = null;

  /** Loans: PLATFORM or MARKETPLACE. */
  @Property({ type: 'text', nullable: true })
  fundingSource: string | null = null;

  @Property({ type: 'integer' })
  daysPastDue: number = 0;

  @Property({ type: 'timestamptz' })
  openedAt!: Date;

  /**
   * When the owner asked to close it (SPEC section 4): its card is frozen and it closes by
   * itself in the transaction that brings what it owes to zero. Null: never asked.
   */
  @Property({ type: 'timestamptz', nullable: true })
  closureRequestedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
