import { Migration } from '@mikro-orm/migrations';

/**
 * Live-event outbox at scale: replay filters by audience (GIN index), and the relay's
 * partial indexes stay free of dead entries. Every event is inserted and then updated
 * twice (cursor, published_at), and neither update can be HOT, so each leaves a dead entry
 * in the "no cursor yet" and "not published yet" indexes that every relay poll walks over
 * until the table is vacuumed. The default trigger (20% of the table dead) lets thousands
 * pile up on a large outbox; a fixed threshold vacuums it after a few hundred.
 */
export class Migration0006OutboxRetention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index "outbox_event_audience_index" on "outbox_event" using gin ("audience");

alter table "outbox_event" set (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 500,
  autovacuum_analyze_scale_factor = 0.02
);
`);
  }
}
