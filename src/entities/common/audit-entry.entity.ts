import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

/** Append-only (a database trigger refuses UPDATE, DELETE and TRUNCATE) record of a state-changing action: who, what, on which object, when. */
@Entity({ tableName: 'audit_entry' })
@Index({ properties: ['objectId', 'id'] })
@Index({ properties: ['actorId', 'id'] })
/** Entries in a period (active users in the portfolio metrics). */
@Index({ properties: ['at'] })
export class AuditEntry {
  [OptionalProps]?: 'at' | 'changes' | 'actorId' | 'requestId';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'timestamptz' })
  at: Date = new Date();

  /** Null for the system (daily job, bootstrap). */
  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  objectId!: string;

  @Property({ type: 'text', nullable: true })
  requestId: string | null = null;

  @Property({ type: 'jsonb', nullable: true })
  changes: Record<string, unknown> | null = null;
}
