import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log is append-only in the database, as journal lines are (SPEC section 11): no
 * row is ever changed or removed, whatever the application does. Personal data is never
 * written into it (entries name objects and users by opaque id), so erasing a person
 * (`deleteMyAccount`) never needs to touch it.
 */
export class Migration0010AuditLog extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function audit_entry_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit entries are append-only' using errcode = '42501';
end $$;

create trigger audit_entry_no_change before update or delete on audit_entry
  for each row execute function audit_entry_append_only();

create trigger audit_entry_no_truncate before truncate on audit_entry
  for each statement execute function audit_entry_append_only();

create index "audit_entry_actor_id_id_index" on "audit_entry" ("actor_id", "id");
`);
  }
}
