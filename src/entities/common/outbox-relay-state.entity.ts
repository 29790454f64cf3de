import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The relay's one row (id 1): the highest cursor it has published. Events are published in
 * cursor order, so every event with a cursor up to it has gone out and every later one has not.
 */
@Entity({ tableName: 'outbox_relay_state' })
export class OutboxRelayState {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id!: number;

  @Property({ type: 'bigint' })
  publishedThrough!: string;
}
