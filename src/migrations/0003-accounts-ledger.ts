import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts, cards, purchases, plans, rewards, payments and the double-entry ledger. The
 * ledger is guarded by the database itself: every journal entry must balance when its
 * transaction commits, and journal lines can never be changed or removed.
 */
export class Migration0003AccountsLedger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "card" ("id" uuid not null, "account_id" uuid not null, "owner_id" uuid not null, "pan_encrypted" text not null, "pan_hash" text not null, "last4" text not null, "expiry_month" int not null, "expiry_year" int not null, "status" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "card_pkey" primary key ("id"));
alter table "card" add constraint "card_pan_hash_unique" unique ("pan_hash");
create index "card_account_id_index" on "card" ("account_id");

create table "card_transaction" ("id" uuid not null, "card_id" uuid not null, "account_id" uuid not null, "owner_id" uuid not null, "amount" bigint not null, "refunded" bigint not null default 0, "status" text not null, "merchant_name" text not null, "category" text not null, "decline_reason" text null, "reward_points" int not null default 0, "reward_points_reversed" int not null default 0, "due_date" date null, "plan_id" uuid null, "created_at" timestamptz not null, constraint "card_transaction_pkey" primary key ("id"), constraint card_transaction_amounts check (amount > 0 and refunded >= 0 and refunded <= amount));
create index "card_transaction_card_id_id_index" on "card_transaction" ("card_id", "id");
create index "card_transaction_account_id_id_index" on "card_transaction" ("account_id", "id");

create table "credit_account" ("id" uuid not null, "owner_id" uuid not null, "application_id" uuid not null, "kind" text not null, "status" text not null, "apr_bp" int not null, "credit_limit" bigint not null, "available_credit" bigint not null default 0, "funding_source" text null, "days_past_due" int not null default 0, "opened_at" timestamptz not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "credit_account_pkey" primary key ("id"), constraint credit_account_available_not_negative check (available_credit >= 0));
alter table "credit_account" add constraint "credit_account_application_id_unique" unique ("application_id");
create index "credit_account_owner_id_id_index" on "credit_account" ("owner_id", "id");

create table "installment" ("id" uuid not null, "plan_id" uuid not null, "number" int not null, "due_date" date not null, "principal" bigint not null, "interest" bigint not null, "fee" bigint not null default 0, "paid" bigint not null default 0, "status" text not null default 'SCHEDULED', "paid_at" timestamptz null, constraint "installment_pkey" primary key ("id"));
create index "installment_plan_id_number_index" on "installment" ("plan_id", "number");

create table "installment_plan" ("id" uuid not null, "account_id" uuid not null, "owner_id" uuid not null, "kind" text not null, "status" text not null, "apr_bp" int not null, "principal" bigint not null, "start_date" date not null, "source_transaction_id" uuid null, "created_at" timestamptz not null, constraint "installment_plan_pkey" primary key ("id"));
create index "installment_plan_account_id_id_index" on "installment_plan" ("account_id", "id");

create table "journal_entry" ("id" uuid not null, "kind" text not null, "memo" text not null, "credit_account_id" uuid null, "ref_id" uuid null, "created_at" timestamptz not null, constraint "journal_entry_pkey" primary key ("id"));
create index "journal_entry_credit_account_id_id_index" on "journal_entry" ("credit_account_id", "id");

create table "journal_line" ("id" bigserial primary key, "entry_id" uuid not null, "ledger_code" text not null, "amount" bigint not null);
create index "journal_line_ledger_code_index" on "journal_line" ("ledger_code");
create index "journal_line_entry_id_index" on "journal_line" ("entry_id");

create table "ledger_account" ("code" text not null, "name" text not null, "type" text not null, "credit_account_id" uuid null, constraint "ledger_account_pkey" primary key ("code"));

create table "payment" ("id" uuid not null, "account_id" uuid not null, "owner_id" uuid not null, "amount" bigint not null, "status" text not null, "failure_reason" text null, "prepayment" bigint not null default 0, "created_at" timestamptz not null, constraint "payment_pkey" primary key ("id"));
create index "payment_account_id_id_index" on "payment" ("account_id", "id");

create table "reward_balance" ("user_id" uuid not null, "balance" int not null default 0, "lifetime_earned" int not null default 0, constraint "reward_balance_pkey" primary key ("user_id"), constraint reward_balance_not_negative check (balance >= 0));

create table "reward_entry" ("id" uuid not null, "user_id" uuid not null, "points" int not null, "reason" text not null, "ref_id" uuid null, "created_at" timestamptz not null, constraint "reward_entry_pkey" primary key ("id"));
create index "reward_entry_user_id_id_index" on "reward_entry" ("user_id", "id");

create table "reward_redemption" ("id" uuid not null, "user_id" uuid not null, "account_id" uuid not null, "kind" text not null, "points" int not null, "value" bigint not null, "created_at" timestamptz not null, constraint "reward_redemption_pkey" primary key ("id"));
create index "reward_redemption_user_id_id_index" on "reward_redemption" ("user_id", "id");

insert into "ledger_account" ("code", "name", "type") values
  ('platform:cash', 'Platform cash', 'ASSET'),
  ('platform:funding', 'Platform funding (capital)', 'EQUITY'),
  ('platform:interest_income', 'Interest income', 'INCOME'),
  ('platform:fee_income', 'Fee income', 'INCOME'),
  ('platform:rewards_liability', 'Rewards liability (points at 1 cent)', 'LIABILITY'),
  ('platform:rewards_expense', 'Rewards expense', 'EXPENSE'),
  ('platform:charity_reserve', 'Charity reserve', 'LIABILITY'),
  ('platform:charity_expense', 'Charity set-aside expense', 'EXPENSE');

create function journal_entry_balanced() returns trigger language plpgsql as $$
begin
  if (select coalesce(sum(amount), 0) from journal_line where entry_id = new.entry_id) <> 0 then
    raise exception 'journal entry % does not balance', new.entry_id using errcode = '23514';
  end if;
  return null;
end $$;

create constraint trigger journal_line_balanced after insert on journal_line
  deferrable initially deferred for each row execute function journal_entry_balanced();

create function journal_line_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'journal lines are append-only' using errcode = '42501';
end $$;

create trigger journal_line_no_change before update or delete on journal_line
  for each row execute function journal_line_append_only();
`);
  }
}
