-- Charges: billable items (one-off fees, time entries, usage) waiting for the billing run of their
-- period, or a later one. A charge is billed at most once: its status leaves 'pending' in a single
-- conditional update, whether a run bills it or someone cancels it.

create table charges (
  id                   text primary key,
  customer_id          text not null references customers (id),
  status               text not null check (status in ('pending', 'billed', 'cancelled')),
  -- 'YYYY-MM': compared as text by billing runs ("on or before the run's period").
  period               text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and left(period, 4) <> '0000'),
  currency             char(3) not null,
  description          text not null,
  kind                 text not null check (kind in ('one_off', 'time', 'usage')),
  quantity             text not null check (quantity ~ '^[0-9]+(\.[0-9]{1,4})?$'),
  unit_price_minor     bigint not null check (unit_price_minor between 0 and 1000000000000000),
  tax_rate_bps         integer not null check (tax_rate_bps between 0 and 100000),
  amount_minor         bigint not null check (amount_minor between 0 and 1000000000000000),
  occurred_at          timestamptz not null,
  invoice_id           text references invoices (id),
  billing_run_id       text,
  created_by           text not null,
  created_at           timestamptz not null,
  cancelled_by         text,
  cancelled_at         timestamptz,
  constraint charges_billed_has_invoice check ((status = 'billed') = (invoice_id is not null)),
  constraint charges_cancelled_has_who_and_when check ((status = 'cancelled') = (cancelled_by is not null and cancelled_at is not null))
);

-- GET /charges, oldest first, by cursor (created_at, id); and the same for one customer.
create index charges_created_at_id on charges (created_at, id);
create index charges_customer_created on charges (customer_id, created_at, id);
-- Billing runs: the pending charges of a period or earlier, per customer (and currency).
create index charges_status_period_customer on charges (status, period, customer_id, currency);
