-- Plans and subscriptions. A subscription's workflow (subscription:<id>) is its only writer after the
-- api created it: each change is written with the workflow's version, so a late or replayed write
-- never goes backwards. Its invoices carry subscription_id; one per period, its id derived from the
-- subscription and the period's start.

create table plans (
  code              text primary key,
  name              text not null,
  currency          char(3) not null,
  unit_price_minor  bigint not null check (unit_price_minor between 0 and 1000000000000000),
  interval          text not null,
  tax_rate_bps      integer not null check (tax_rate_bps between 0 and 10000),
  trial_days        integer not null default 0 check (trial_days between 0 and 3650),
  created_by        text not null,
  created_at        timestamptz not null
);

create table subscriptions (
  id                    text primary key,
  customer_id           text not null references customers (id),
  plan_code             text not null references plans (code),
  status                text not null check (status in ('trialing', 'active', 'cancelled')),
  trial_end             timestamptz,
  current_period_start  timestamptz,
  current_period_end    timestamptz,
  cancel_at             timestamptz,
  version               integer not null default 0,
  created_by            text not null,
  created_at            timestamptz not null,
  updated_at            timestamptz not null
);
create index subscriptions_customer on subscriptions (customer_id, created_at, id);
create index subscriptions_created on subscriptions (created_at, id);

-- What happened to a subscription, one row per version: its history.
create table subscription_events (
  subscription_id  text not null references subscriptions (id),
  version          integer not null,
  type             text not null,
  actor            text not null,
  detail           jsonb not null default '{}',
  at               timestamptz not null,
  primary key (subscription_id, version)
);

alter table invoices add column subscription_id text references subscriptions (id);
create index invoices_subscription on invoices (subscription_id, created_at, id) where subscription_id is not null;
