-- Tables of the baselines (the bare Apollo + pg server and pgbench), created in the bench
-- database beside the product's own. Four rows per "submit": the application, its
-- decision (with a small rule trace), an audit entry and an outbox event, roughly the
-- shape of what submitApplication writes.
create table if not exists bench_application (
  id uuid primary key,
  user_id uuid not null,
  product text not null,
  amount numeric(12, 2) not null,
  term_months int,
  purpose text not null,
  status text not null,
  created_at timestamptz not null default now()
);
create index if not exists bench_application_user on bench_application (user_id, created_at);

create table if not exists bench_decision (
  id uuid primary key,
  application_id uuid not null,
  outcome text not null,
  score int not null,
  grade text,
  apr numeric(5, 2),
  trace jsonb not null,
  decided_at timestamptz not null default now()
);
create index if not exists bench_decision_application on bench_decision (application_id);

create table if not exists bench_audit (
  id uuid primary key,
  actor_id uuid,
  action text not null,
  target_id uuid not null,
  changes jsonb,
  at timestamptz not null default now()
);

create table if not exists bench_outbox (
  id bigserial primary key,
  topic text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);
