import { Migration } from '@mikro-orm/migrations';

/**
 * Merchants and pay-later at checkout (SPEC section 8): merchant profiles, API keys (only
 * hashes), checkouts and their refunds, daily settlements (one per merchant and day),
 * webhook endpoints and their durable deliveries with every attempt; checkout plans and
 * their autopay charges (one attempt per installment and day). The platform's fee income
 * account; each merchant's payable account is added when the merchant is created.
 */
export class Migration0009Merchants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "api_key" ("id" uuid not null, "merchant_id" uuid not null, "name" text not null, "secret_hash" text not null, "prefix" text not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));
alter table "api_key" add constraint "api_key_secret_hash_unique" unique ("secret_hash");
create index "api_key_merchant_id_id_index" on "api_key" ("merchant_id", "id");

create table "checkout" ("id" uuid not null, "merchant_id" uuid not null, "amount" bigint not null, "refunded" bigint not null default 0, "status" text not null, "order_reference" text not null, "description" text null, "expires_at" timestamptz not null, "shopper_id" uuid null, "account_id" uuid null, "plan_id" uuid null, "plan" text null, "completed_at" timestamptz null, "completed_on" date null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "checkout_pkey" primary key ("id"), constraint checkout_amounts check (amount > 0 and refunded >= 0 and refunded <= amount));
create index "checkout_open_index" on "checkout" ("expires_at") where "status" = 'OPEN';
create index "checkout_shopper_id_id_index" on "checkout" ("shopper_id", "id");
create index "checkout_merchant_id_id_index" on "checkout" ("merchant_id", "id");

create table "checkout_refund" ("id" uuid not null, "checkout_id" uuid not null, "merchant_id" uuid not null, "amount" bigint not null, "cancelled" bigint not null, "returned" bigint not null, "refunded_on" date not null, "created_at" timestamptz not null, constraint "checkout_refund_pkey" primary key ("id"));
create index "checkout_refund_merchant_id_refunded_on_index" on "checkout_refund" ("merchant_id", "refunded_on");
create index "checkout_refund_checkout_id_id_index" on "checkout_refund" ("checkout_id", "id");

create table "merchant" ("id" uuid not null, "user_id" uuid not null, "business_name" text not null, "website" text null, "settlement_account_ref" text null, "status" text not null, "verified_at" timestamptz not null, "suspended_reason" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "merchant_pkey" primary key ("id"));
alter table "merchant" add constraint "merchant_user_id_unique" unique ("user_id");

create table "merchant_settlement" ("id" uuid not null, "merchant_id" uuid not null, "date" date not null, "gross" bigint not null, "refunds" bigint not null, "fees" bigint not null, "net" bigint not null, "status" text not null, "failure_reason" text null, "created_at" timestamptz not null, "attempted_at" timestamptz null, "paid_at" timestamptz null, constraint "merchant_settlement_pkey" primary key ("id"));
create index "merchant_settlement_pending_index" on "merchant_settlement" ("attempted_at") where "status" = 'PENDING';
create index "merchant_settlement_merchant_id_id_index" on "merchant_settlement" ("merchant_id", "id");
alter table "merchant_settlement" add constraint "merchant_settlement_one_a_day" unique ("merchant_id", "date");

create table "webhook_attempt" ("id" uuid not null, "delivery_id" uuid not null, "attempted_at" timestamptz not null, "status_code" int null, "error" text null, "duration_ms" int not null, constraint "webhook_attempt_pkey" primary key ("id"));
create index "webhook_attempt_delivery_id_id_index" on "webhook_attempt" ("delivery_id", "id");

create table "webhook_delivery" ("id" uuid not null, "endpoint_id" uuid not null, "merchant_id" uuid not null, "type" text not null, "body" text not null, "status" text not null default 'PENDING', "attempts" int not null default 0, "created_at" timestamptz not null, "next_attempt_at" timestamptz not null, "locked_until" timestamptz null, "last_status_code" int null, "delivered_at" timestamptz null, constraint "webhook_delivery_pkey" primary key ("id"));
create index "webhook_delivery_due_index" on "webhook_delivery" ("next_attempt_at") where "status" = 'PENDING';
create index "webhook_delivery_endpoint_id_id_index" on "webhook_delivery" ("endpoint_id", "id");

create table "webhook_endpoint" ("id" uuid not null, "merchant_id" uuid not null, "url" text not null, "events" text[] not null, "secret_encrypted" text not null, "created_at" timestamptz not null, "disabled_at" timestamptz null, constraint "webhook_endpoint_pkey" primary key ("id"));
create index "webhook_endpoint_merchant_id_id_index" on "webhook_endpoint" ("merchant_id", "id");

alter table "installment_plan" add column "checkout_id" uuid null;

alter table "payment" add column "plan_id" uuid null, add column "installment_id" uuid null, add column "autopay_on" date null;
alter table "payment" add constraint "payment_autopay_once_a_day" unique ("installment_id", "autopay_on");

insert into "ledger_account" ("code", "name", "type") values
  ('platform:merchant_fee_income', 'Merchant fees (3% of settled sales)', 'INCOME');
`);
  }
}
