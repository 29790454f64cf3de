import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../lib/ids';

/** Money paid out to a borrower (a platform loan's principal). */
@Entity({ tableName: 'disbursement' })
@Index({ properties: ['accountId', 'id'] })
export class Disbursement {
  [OptionalProps]?: 'createdAt' | 'failureReason';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
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

/** One run of the daily job per business day: the claim that makes it run once. */
@Entity({ tableName: 'daily_job_run' })
export class DailyJobRun {
  [OptionalProps]?: 'finishedAt';

  @PrimaryKey({ type: 'date', columnType: 'date' })
  day!: string;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;

  @Property({ type: 'jsonb', nullable: true })
  summary: Record<string, unknown> | null = null;
}
