import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The first result of a money-moving mutation under a client's key. Scoped per user;
 * kept at least 24 hours.
 */
@Entity({ tableName: 'idempotency_key' })
export class IdempotencyKey {
  [OptionalProps]?: 'createdAt' | 'result';

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'text' })
  operation!: string;

  /** SHA-256 of the operation's input without the key: same key, other input is refused. */
  @Property({ type: 'text' })
  requestHash!: string;

  /** What the first call produced (ids of its objects), replayed on a repeat. */
  @Property({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
