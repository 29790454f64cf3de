import { Migration } from '@mikro-orm/migrations';

/** Disbursements, payments and their allocations, the sandbox clock and the daily job's claims. */
export class Migration0004Repayments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "daily_job_run" ("day" date not null, "started_at" timestamptz not null, "finished_at" timestamptz null, "summary" jsonb null, constraint "daily_job_run_pkey" primary key ("day"));

create table "disbursement" ("id" uuid not null, "account_id" uuid not null, "owner_id" uuid not null, "amount" bigint not null, "status" text not null, "failure_reason" text null, "created_at" timestamptz not null, constraint "disbursement_pkey" primary key ("id"));
create index "disbursement_account_id_id_index" on "disbursement" ("account_id", "id");

create table "payment_allocation" ("id" uuid not null, "payment_id" uuid not null, "plan_id" uuid null, "installment_number" int null, "transaction_id" uuid null, "fee" bigint not null, "interest" bigint not null, "principal" bigint not null, constraint "payment_allocation_pkey" primary key ("id"));
create index "payment_allocation_payment_id_index" on "payment_allocation" ("payment_id");

create table "sandbox_clock" ("id" int not null, "offset_ms" bigint not null, constraint "sandbox_clock_pkey" primary key ("id"));

alter table "card_transaction" drop constraint card_transaction_amounts;

alter table "card_transaction" add column "paid" bigint not null default 0;
alter table "card_transaction" add constraint card_transaction_amounts check(amount > 0 and refunded >= 0 and refunded <= amount and paid >= 0);

alter table "credit_account" add column "term_months" int null;

alter table "installment" add column "paid_fee" bigint not null default 0, add column "paid_interest" bigint not null default 0, add column "paid_principal" bigint not null default 0, add column "interest_recognized" boolean not null default false, add column "reminded" boolean not null default false;

insert into "sandbox_clock" ("id", "offset_ms") values (1, 0);
insert into "ledger_account" ("code", "name", "type") values ('platform:credit_losses', 'Credit losses (charge-offs)', 'EXPENSE');
`);
  }
}
