-- Customers, invoices with their lines, and the append-only audit trail.
-- Money is bigint minor units of the row's currency; never numeric, never float.

create table customers (
  id                   text primary key,
  name                 text not null,
  email                text not null,
  currency             char(3) not null,
  locale               text not null,
  payment_terms_days   integer not null check (payment_terms_days between 0 and 3650),
  tax_rate_bps         integer check (tax_rate_bps between 0 and 100000),
  dunning_policy_id    text,
  approval             text not null check (approval in ('always', 'never', 'policy')),
  external_id          text unique,
  created_by           text not null,
  created_at           timestamptz not null
);

create index customers_created_at_id on customers (created_at, id);

create table invoices (
  id                   text primary key,
  customer_id          text not null references customers (id),
  number               text unique,
  status               text not null,
  currency             char(3) not null,
  prices_include_tax   boolean not null,
  subtotal_minor       bigint not null,
  tax_minor            bigint not null,
  total_minor          bigint not null,
  amount_paid_minor    bigint not null default 0,
  dunning_level        integer not null default 0,
  due_at               timestamptz,
  payment_terms_days   integer not null,
  dunning_policy_id    text,
  approval             text not null,
  memo                 text,
  created_by           text not null,
  created_at           timestamptz not null,
  issued_at            timestamptz,
  updated_at           timestamptz not null,
  -- Which workflow step last wrote this row, so a replayed activity cannot move it backwards.
  version              integer not null default 0
);

create index invoices_status_created on invoices (status, created_at, id);
create index invoices_customer_created on invoices (customer_id, created_at, id);
create index invoices_created_at_id on invoices (created_at, id);

create table invoice_lines (
  invoice_id           text not null references invoices (id),
  position             integer not null,
  description          text not null,
  quantity             text not null,
  unit_price_minor     bigint not null,
  tax_rate_bps         integer not null,
  discount_bps         integer not null default 0,
  net_minor            bigint not null,
  tax_minor            bigint not null,
  total_minor          bigint not null,
  primary key (invoice_id, position)
);

-- Append-only: every state change with who, when and why. event_key makes an activity that runs
-- twice write the event once.
create table audit_events (
  id                   bigint generated always as identity primary key,
  event_key            text not null unique,
  entity_type          text not null,
  entity_id            text not null,
  type                 text not null,
  actor                text not null,
  detail               jsonb not null default '{}'::jsonb,
  at                   timestamptz not null
);

create index audit_events_entity on audit_events (entity_type, entity_id, at, id);

create function audit_events_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_events is append-only';
end;
$$;

create trigger audit_events_no_update_or_delete
before update or delete on audit_events
for each row execute function audit_events_append_only();

-- Idempotency-Key records for API writes that create something.
create table idempotency_keys (
  principal            text not null,
  key                  text not null,
  request_hash         text not null,
  response_status      integer,
  response_body        jsonb,
  created_at           timestamptz not null default now(),
  primary key (principal, key)
);
