-- Bank reconciliation: uploaded statements, their lines (each applied once, however often it is
-- uploaded), what each line pays, and the candidates offered for the lines waiting for a person.

create table bank_statements (
  id                   text primary key,
  format               text not null check (format in ('csv', 'camt.053')),
  -- Lines in the file; new_lines were stored under this statement, duplicates were stored before.
  lines                integer not null,
  new_lines            integer not null,
  duplicates           integer not null,
  -- Set once the workflow has matched every new line.
  matched              integer,
  unmatched            integer,
  ignored              integer,
  status               text not null check (status in ('matching', 'applying', 'done')),
  uploaded_by          text not null,
  uploaded_at          timestamptz not null,
  matched_at           timestamptz,
  finished_at          timestamptz
);

create table bank_statement_lines (
  -- Derived from the line's identity (the bank's reference, else a hash of its fields and its
  -- occurrence among identical lines of its file, scoped by account): a line uploaded again
  -- conflicts here and is a duplicate.
  id                   text primary key,
  statement_id         text not null references bank_statements (id),
  -- Position in its file (1-based): batches of the workflow are ranges of it.
  seq                  integer not null,
  account              text,
  bank_reference       text,
  booked_on            date not null,
  amount_minor         bigint not null check (amount_minor between -1000000000000000 and 1000000000000000),
  currency             char(3) not null,
  reference            text,
  payer                text,
  -- new -> matched (its allocations pending) -> applied; new -> unmatched | ignored;
  -- unmatched -> matched (a person chose) | ignored (a person said so).
  status               text not null check (status in ('new', 'matched', 'applied', 'unmatched', 'ignored')),
  -- 'number', 'payer', or the principal of the person who matched it.
  matched_by           text,
  reason               text,
  decided_by           text,
  decided_at           timestamptz,
  unique (statement_id, seq)
);

create index bank_statement_lines_unmatched on bank_statement_lines (booked_on, id) where status = 'unmatched';

-- What a line pays: one row per invoice, applied through the invoice's workflow with the
-- reference bank:<line id> (which the workflow records once per invoice).
create table bank_line_allocations (
  line_id              text not null references bank_statement_lines (id),
  invoice_id           text not null references invoices (id),
  position             integer not null,
  amount_minor         bigint not null check (amount_minor between 1 and 1000000000000000),
  status               text not null check (status in ('pending', 'applied', 'refused')),
  outcome              text,
  primary key (line_id, invoice_id)
);

create index bank_line_allocations_invoice on bank_line_allocations (invoice_id);

create table bank_line_candidates (
  line_id              text not null references bank_statement_lines (id),
  invoice_id           text not null references invoices (id),
  position             integer not null,
  reason               text not null,
  primary key (line_id, invoice_id)
);

-- Customers' names as payer keys (src/domain/payment-matching.ts payerKey), so lines join
-- customers by name in SQL. A cache: refreshed from customers (name changed, new customer)
-- before each statement is matched.
create table bank_payer_keys (
  customer_id          text primary key references customers (id),
  name                 text not null,
  payer_key            text not null
);

create index bank_payer_keys_key on bank_payer_keys (payer_key);
