import { Migration } from '@mikro-orm/migrations';

/**
 * Account closure (SPEC section 4): when the owner asked to close an account that still owes
 * something, and the admins' list of closures still pending, newest request first.
 */
export class Migration0011AccountClosure extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table "credit_account" add column "closure_requested_at" timestamptz null;

create index "credit_account_pending_closure_index" on "credit_account" ("closure_requested_at" desc, "id" desc) where "closure_requested_at" is not null and "status" <> 'CLOSED';
`);
  }
}
