import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum PlanKind {
  MONTHLY = 'MONTHLY',
  PAY_IN_4 = 'PAY_IN_4',
  INTEREST_FREE_45 = 'INTEREST_FREE_45',
}

export enum PlanStatus {
  ACTIVE = 'ACTIVE',
  PAID_OFF = 'PAID_OFF',
  CHARGED_OFF = 'CHARGED_OFF',
  /** An INTEREST_FREE_45 plan replaced by a monthly plan for what was still unpaid of it. */
  CONVERTED = 'CONVERTED',
}

export enum InstallmentStatus {
  SCHEDULED = 'SCHEDULED',
  PARTIALLY_PAID = 'PARTIALLY_PAID',
  PAID = 'PAID',
  LATE = 'LATE',
}

@Entity({ tableName: 'installment_plan' })
@Index({ properties: ['accountId', 'id'] })
@Index({ properties: ['sourceTransactionId'] })
export class InstallmentPlan {
  [OptionalProps]?: 'createdAt' | 'sourceTransactionId' | 'checkoutId';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'integer' })
  aprBp!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  principal!: number;

  @Property({ type: 'date', columnType: 'date' })
  startDate!: string;

  /** The card purchase it was converted from, if any. */
  @Property({ type: 'uuid', nullable: true })
  sourceTransactionId: string | null = null;

  /** The merchant checkout it pays for, if any: its installments are charged by autopay. */
  @Property({ type: 'uuid', nullable: true })
  checkoutId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@Entity({ tableName: 'installment' })
@Index({ properties: ['planId', 'number'] })
// The daily job's work list: installments not yet paid, by due date.
@Index({
  name: 'installment_open_due_index',
  expression: `create index "installment_open_due_index" on "installment" ("due_date") where "status" <> 'PAID'`,
})
export class Installment {
  [OptionalProps]?:
    | 'fee'
    | 'paid'
    | 'paidFee'
    | 'paidInterest'
    | 'paidPrincipal'
    | 'paidAt'
    | 'status'
    | 'interestRecognized'
    | 'reminded';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  planId!: string;

  @Property({ type: 'integer' })
  number!: number;

  @Property({ type: 'date', columnType: 'date' })
  dueDate!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  principal!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  interest!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  fee: number = 0;

  /** Total paid; the parts below say where it went (fee, then interest, then principal). */
  @Property({ type: 'bigint', runtimeType: 'number' })
  paid: number = 0;

  @Property({ type: 'bigint', runtimeType: 'number' })
  paidFee: number = 0;

  @Property({ type: 'bigint', runtimeType: 'number' })
  paidInterest: number = 0;

  @Property({ type: 'bigint', runtimeType: 'number' })
  paidPrincipal: number = 0;

  @Property({ type: 'text' })
  status: string = InstallmentStatus.SCHEDULED;

  @Property({ type: 'timestamptz', nullable: true })
  paidAt: Date | null = null;

  /** Interest is income once the installment is due (or paid early); posted once. */
  @Property({ type: 'boolean' })
  interestRecognized: boolean = false;

  /** The 3-days-before reminder went out. */
  @Property({ type: 'boolean' })
  reminded: boolean = false;
}
