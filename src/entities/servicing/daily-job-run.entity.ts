import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

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
