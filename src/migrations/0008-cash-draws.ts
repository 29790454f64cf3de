import { Migration } from '@mikro-orm/migrations';

/**
 * Cash draws from a credit line (SPEC section 4): a draw's payout remembers the term of the
 * plan it becomes, and the money is in transit on the ledger between the request (when the
 * available credit drops) and the provider's answer.
 */
export class Migration0008CashDraws extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table "disbursement" add column "term_months" int null;

insert into "ledger_account" ("code", "name", "type") values
  ('platform:draws_in_transit', 'Cash draws being paid out', 'LIABILITY');
`);
  }
}
