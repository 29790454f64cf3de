import { Migration } from '@mikro-orm/migrations';

/**
 * The relay publishes events strictly in cursor order, so "published" is one number: the
 * highest cursor published (`outbox_relay_state.published_through`), not a timestamp on
 * every event. Marking a batch becomes one single-row update instead of a second non-HOT
 * update of each event (which re-inserted it into all five of the table's indexes).
 */
export class Migration0014OutboxWatermark extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "outbox_relay_state" ("id" smallint not null, "published_through" bigint not null, constraint "outbox_relay_state_pkey" primary key ("id"));
insert into "outbox_relay_state" ("id", "published_through")
select 1, coalesce(
  (select min("cursor") - 1 from "outbox_event" where "cursor" is not null and "published_at" is null),
  (select max("cursor") from "outbox_event"),
  0);
drop index "outbox_event_unpublished_index";
alter table "outbox_event" drop column "published_at";
`);
  }
}
