import { Migration } from '@mikro-orm/migrations';

/**
 * Money and safety (issue 8): every approved purchase is an INTEREST_FREE_45 plan of one
 * installment (existing ones are backfilled from what they owed), payments and payouts are
 * committed PENDING before the gateway is asked (the simulated provider remembers each
 * reference), redemptions are applied as payments, refunds can return money already paid,
 * and the daily job's claim is a lease.
 */
export class Migration0005MoneySafety extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "gateway_operation" ("reference" text not null, "kind" text not null, "amount" bigint not null, "ok" boolean not null, "reason" text null, "provider_reference" text not null, "created_at" timestamptz not null, constraint "gateway_operation_pkey" primary key ("reference"));

with src as (
  select t.*, gen_random_uuid() as new_plan_id, gen_random_uuid() as new_installment_id,
         t.amount - t.refunded - t.paid as unpaid
    from card_transaction t
   where t.status in ('APPROVED', 'REFUNDED') and t.plan_id is null and t.due_date is not null
), plans as (
  insert into installment_plan (id, account_id, owner_id, kind, status, apr_bp, principal, start_date, source_transaction_id, created_at)
  select new_plan_id, account_id, owner_id, 'INTEREST_FREE_45', case when unpaid > 0 then 'ACTIVE' else 'PAID_OFF' end,
         0, amount - refunded, due_date - 45, id, created_at
    from src
)
insert into installment (id, plan_id, number, due_date, principal, interest, fee, paid, paid_fee, paid_interest, paid_principal, status, paid_at, interest_recognized, reminded)
select new_installment_id, new_plan_id, 1, due_date, amount - refunded, 0, 0, paid, 0, 0, paid,
       case when unpaid <= 0 then 'PAID' when paid > 0 then 'PARTIALLY_PAID' else 'SCHEDULED' end,
       case when unpaid <= 0 then created_at end, true, false
  from src;

alter table "card_transaction" drop constraint card_transaction_amounts;
alter table "card_transaction" drop column "paid";
alter table "card_transaction" add column "kind" text not null default 'PURCHASE';
alter table "card_transaction" add constraint card_transaction_amounts check(amount > 0 and refunded >= 0 and refunded <= amount);

alter table "daily_job_run" add column "lease_until" timestamptz null, add column "attempts" int not null default 1;

alter table "disbursement" add column "kind" text not null default 'LOAN', add column "source_id" uuid null, add column "attempted_at" timestamptz null, add column "settled_at" timestamptz null;
create index "disbursement_pending_index" on "disbursement" ("attempted_at") where "status" = 'PENDING';

create index "installment_open_due_index" on "installment" ("due_date") where "status" <> 'PAID';
create index "installment_plan_source_transaction_id_index" on "installment_plan" ("source_transaction_id");

alter table "payment" add column "source" text not null default 'GATEWAY', add column "attempted_at" timestamptz null, add column "settled_at" timestamptz null;
create index "payment_pending_index" on "payment" ("attempted_at") where "status" = 'PENDING';

alter table "reward_redemption" add column "payment_id" uuid null, add column "points_clawed_back" int not null default 0;

insert into "ledger_account" ("code", "name", "type") values
  ('platform:customer_payable', 'Owed to customers (money being returned)', 'LIABILITY');
`);
  }
}
