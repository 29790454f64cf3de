import { Migration } from '@mikro-orm/migrations';

/** People, sessions, notifications, the outbox, idempotency keys and the audit log. */
export class Migration0001Foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "app_user" ("id" uuid not null, "email" text not null, "name" text not null, "password_hash" text not null, "roles" text[] not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "app_user_pkey" primary key ("id"));
alter table "app_user" add constraint "app_user_email_unique" unique ("email");

create table "refresh_token" ("id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" text not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, constraint "refresh_token_pkey" primary key ("id"));
alter table "refresh_token" add constraint "refresh_token_token_hash_unique" unique ("token_hash");
create index "refresh_token_family_id_index" on "refresh_token" ("family_id");

create table "notification" ("id" uuid not null, "user_id" uuid not null, "kind" text not null, "title" text not null, "body" text not null, "data" jsonb null, "read_at" timestamptz null, "created_at" timestamptz not null, constraint "notification_pkey" primary key ("id"));
create index "notification_user_id_id_index" on "notification" ("user_id", "id");

create table "outbox_event" ("id" bigserial primary key, "cursor" bigint null, "type" text not null, "audience" text[] not null, "object_id" text null, "payload" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null);
alter table "outbox_event" add constraint "outbox_event_cursor_unique" unique ("cursor");
create index "outbox_event_type_cursor_index" on "outbox_event" ("type", "cursor");
create index "outbox_event_unassigned_index" on "outbox_event" ("id") where "cursor" is null;
create index "outbox_event_unpublished_index" on "outbox_event" ("cursor") where "cursor" is not null and "published_at" is null;

create table "idempotency_key" ("user_id" uuid not null, "key" text not null, "operation" text not null, "request_hash" text not null, "result" jsonb null, "created_at" timestamptz not null, constraint "idempotency_key_pkey" primary key ("user_id", "key"));

create table "audit_entry" ("id" uuid not null, "at" timestamptz not null, "actor_id" uuid null, "action" text not null, "object_id" text not null, "request_id" text null, "changes" jsonb null, constraint "audit_entry_pkey" primary key ("id"));
create index "audit_entry_object_id_id_index" on "audit_entry" ("object_id", "id");
`);
  }
}
