import { Migration } from '@mikro-orm/migrations';

/** Credit applications and their decisions. */
export class Migration0002Applications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table "credit_application" ("id" uuid not null, "applicant_id" uuid not null, "product" text not null, "status" text not null, "amount" bigint not null, "term_months" int null, "purpose" text not null, "date_of_birth" date not null, "monthly_income" bigint not null, "monthly_debt" bigint not null, "employment_status" text not null, "credit_score" int null, "on_time_rent_months" int not null, "on_time_utility_months" int not null, "bank_account_age_months" int not null, "overdrafts_last90days" int not null, "decision_id" uuid null, "offer_expires_at" timestamptz null, "review_note" text null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "credit_application_pkey" primary key ("id"), constraint credit_application_money_check check (amount > 0 and monthly_income >= 0 and monthly_debt >= 0), constraint credit_application_status_allowed check (status ~ '^(APPROVED|DECLINED|REFERRED|CANCELLED|EXPIRED|ACCEPTED)$'::text));
create index "credit_application_status_id_index" on "credit_application" ("status", "id");
create index "credit_application_applicant_id_id_index" on "credit_application" ("applicant_id", "id");

create table "credit_decision" ("id" uuid not null, "application_id" uuid not null, "outcome" text not null, "score" int not null, "grade" text null, "apr_bp" int null, "approved_amount" bigint null, "counter_offer" boolean not null, "reasons" jsonb not null, "trace" jsonb not null, "model_version" text not null, "decided_by" text not null, "decider_id" uuid null, "latency_ms" double precision null, "decided_at" timestamptz not null, "offer" jsonb null, constraint "credit_decision_pkey" primary key ("id"), constraint credit_decision_score_check check (score >= 0 and score <= 1000));
create index "credit_decision_application_id_id_index" on "credit_decision" ("application_id", "id");
`);
  }
}
