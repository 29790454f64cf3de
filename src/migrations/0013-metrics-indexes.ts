import { Migration } from '@mikro-orm/migrations';

/**
 * Portfolio metrics and the live dashboard (SPEC sections 10 and 11) ask "what happened
 * between two instants": each table they read by period gets an index on the instant it is
 * read by, so their statements read the period's rows instead of whole tables. The journal
 * (outstanding balance, delinquency) is summed whole, by the indexes it already has.
 */
export class Migration0013MetricsIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index "audit_entry_at_index" on "audit_entry" ("at");
create index "card_transaction_created_at_index" on "card_transaction" ("created_at");
create index "credit_account_opened_at_index" on "credit_account" ("opened_at");
create index "credit_application_created_at_index" on "credit_application" ("created_at");
create index "credit_decision_decided_at_index" on "credit_decision" ("decided_at");
create index "disbursement_loan_settled_at_index" on "disbursement" ("settled_at") where "kind" = 'LOAN' and "status" = 'SUCCEEDED';
create index "payment_succeeded_settled_at_index" on "payment" ("settled_at") where "status" = 'SUCCEEDED';
`);
  }
}
