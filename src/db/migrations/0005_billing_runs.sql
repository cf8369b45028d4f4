-- Billing runs: one per period (and any number of dry runs), each billing every pending charge of its
-- period or earlier, one invoice per customer and currency. The run's own row holds what it did so
-- far; what became of its invoices (issued, sent) is read from the invoices themselves.

create table billing_runs (
  id            text primary key,
  period        text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  dry_run       boolean not null,
  status        text not null check (status in ('running', 'completed', 'cancelled', 'failed')),
  customer_ids  jsonb,
  planned       integer not null default 0 check (planned >= 0),
  created       integer not null default 0 check (created >= 0),
  failed        integer not null default 0 check (failed >= 0),
  -- [{currency, totalMinor}], in currency order
  totals        jsonb not null default '[]',
  created_by    text not null,
  started_at    timestamptz not null,
  finished_at   timestamptz,
  -- The workflow's own progress is written with its page number: an older write never wins.
  progress_seq  integer not null default 0
);
create index billing_runs_started on billing_runs (started_at, id);

alter table invoices add column billing_run_id text references billing_runs (id);
create index invoices_billing_run on invoices (billing_run_id, created_at, id) where billing_run_id is not null;

-- What a dry run would create: one preview per customer and currency.
create table billing_run_previews (
  run_id        text not null references billing_runs (id),
  customer_id   text not null references customers (id),
  currency      char(3) not null,
  lines         jsonb not null,
  total_minor   bigint not null check (total_minor between 0 and 1000000000000000),
  created_at    timestamptz not null,
  primary key (run_id, customer_id, currency)
);

alter table charges add constraint charges_billing_run foreign key (billing_run_id) references billing_runs (id);
