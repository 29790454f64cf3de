import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A live event, written in the same transaction as the change it announces. The relay
 * gives it a cursor (in the order events become visible, not the order they were
 * written) and publishes it; subscribers resume from a cursor.
 */
@Entity({ tableName: 'outbox_event' })
@Index({ properties: ['type', 'cursor'] })
// The relay's work queue: events without a cursor yet (what it published is one number,
// `OutboxRelayState`).
@Index({
  name: 'outbox_event_unassigned_index',
  expression: 'create index "outbox_event_unassigned_index" on "outbox_event" ("id") where "cursor" is null',
})
// Replay of a subscriber's own events filters on `audience @> array[userId]`.
@Index({
  name: 'outbox_event_audience_index',
  expression: 'create index "outbox_event_audience_index" on "outbox_event" using gin ("audience")',
})
export class OutboxEvent {
  [OptionalProps]?: 'cursor' | 'createdAt' | 'objectId';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** Assigned by the relay; unique and increasing in publication order. */
  @Property({ type: 'bigint', nullable: true, unique: true })
  cursor: string | null = null;

  /** The subscription field it feeds, e.g. `notificationReceived`. */
  @Property({ type: 'text' })
  type!: string;

  /** Users who may see it (admins see everything). */
  @Property({ type: 'text[]' })
  audience!: string[];

  /** The object it is about (a global id), for per-object subscriptions. */
  @Property({ type: 'text', nullable: true })
  objectId: string | null = null;

  @Property({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
