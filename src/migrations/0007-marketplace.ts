import { Migration } from '@mikro-orm/migrations';

/**
 * Peer-to-peer funding (SPEC section 7): listings, notes, investors' cash and their gateway
 * movements. The database guards the money: a listing is never funded past its amount, a
 * note is whole $25 units, an investor's cash never goes below zero. The platform's ledger
 * accounts of the marketplace; each investor's cash account is added at their first deposit.
 */
export class Migration0007Marketplace extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "cash_movement" ("id" uuid not null, "user_id" uuid not null, "kind" text not null, "amount" bigint not null, "status" text not null, "failure_reason" text null, "created_at" timestamptz not null, "attempted_at" timestamptz null, "settled_at" timestamptz null, constraint "cash_movement_pkey" primary key ("id"));
create index "cash_movement_pending_index" on "cash_movement" ("attempted_at") where "status" = 'PENDING';
create index "cash_movement_user_id_id_index" on "cash_movement" ("user_id", "id");

create table "investor_account" ("user_id" uuid not null, "cash" bigint not null default 0, constraint "investor_account_pkey" primary key ("user_id"), constraint investor_cash_not_negative check (cash >= 0));

create table "listing" ("id" uuid not null, "account_id" uuid not null, "borrower_id" uuid not null, "grade" text not null, "apr_bp" int not null, "term_months" int not null, "amount" bigint not null, "funded" bigint not null default 0, "investor_count" int not null default 0, "status" text not null, "expires_at" timestamptz not null, "funded_at" timestamptz null, "closed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "listing_pkey" primary key ("id"), constraint listing_amount_in_notes check (amount > 0 and amount % 2500 = 0), constraint listing_funded_within_amount check (funded >= 0 and funded <= amount));
alter table "listing" add constraint "listing_account_id_unique" unique ("account_id");
create index "listing_status_id_index" on "listing" ("status", "id");

create table "note" ("id" uuid not null, "listing_id" uuid not null, "investor_id" uuid not null, "amount" bigint not null, "status" text not null, "principal_received" bigint not null default 0, "interest_received" bigint not null default 0, "fees_paid" bigint not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "note_pkey" primary key ("id"), constraint note_received_within_amount check (principal_received >= 0 and principal_received <= amount), constraint note_amount_in_units check (amount >= 2500 and amount % 2500 = 0));
create index "note_investor_id_id_index" on "note" ("investor_id", "id");
create index "note_listing_id_id_index" on "note" ("listing_id", "id");

insert into "ledger_account" ("code", "name", "type") values
  ('platform:listing_escrow', 'Investor commitments to open listings', 'LIABILITY'),
  ('platform:notes_payable', 'Owed to note holders (principal of funded notes)', 'LIABILITY'),
  ('platform:note_interest_expense', 'Interest passed on to note holders', 'EXPENSE'),
  ('platform:servicing_fee_income', 'Servicing fees on note distributions', 'INCOME'),
  ('platform:withdrawals_in_transit', 'Investor withdrawals being paid out', 'LIABILITY');
`);
  }
}
