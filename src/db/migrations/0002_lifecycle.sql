-- The invoice lifecycle: dunning policies, gapless numbering, approvals, deliveries, payments,
-- late fees, credit notes and customer credit.

create table dunning_policies (
  id                   text primary key,
  name                 text not null,
  steps                jsonb not null,
  created_by           text not null,
  created_at           timestamptz not null
);

insert into dunning_policies (id, name, steps, created_by, created_at)
values (
  'default',
  'Default: reminder 3 days before, then friendly, firm, final notice and collections',
  '[{"offset":"-P3D","template":"friendly"},{"offset":"P1D","template":"friendly"},{"offset":"P7D","template":"firm"},{"offset":"P14D","template":"final","lateFee":{"percentBps":200}},{"offset":"P30D","template":"collections"}]',
  'system',
  now()
);

-- One counter per series (e.g. INV-2026, CN-2026). A number is taken inside the transaction that
-- writes it onto its invoice, under this row's lock: a rollback gives it back, so there are no gaps.
create table numbering_series (
  series               text primary key,
  last_value           bigint not null default 0
);

alter table invoices add column credit_note_number text;

create table invoice_approvals (
  invoice_id           text not null references invoices (id),
  seq                  integer not null,
  principal            text not null,
  decision             text not null check (decision in ('approved', 'rejected', 'changes_requested', 'auto_approved')),
  reason               text,
  at                   timestamptz not null,
  primary key (invoice_id, seq)
);

create table invoice_deliveries (
  invoice_id           text not null references invoices (id),
  step                 text not null,
  recipient            text not null,
  status               text not null check (status in ('pending', 'sent', 'failed')),
  attempts             integer not null default 0,
  last_error           text,
  message_id           text not null,
  sent_at              timestamptz,
  primary key (invoice_id, step)
);

create table payments (
  invoice_id           text not null references invoices (id),
  reference            text not null,
  amount_minor         bigint not null check (amount_minor > 0),
  currency             char(3) not null,
  method               text not null,
  received_at          timestamptz not null,
  recorded_by          text not null,
  recorded_at          timestamptz not null,
  primary key (invoice_id, reference)
);

create table invoice_fees (
  invoice_id           text not null references invoices (id),
  step                 integer not null,
  amount_minor         bigint not null check (amount_minor >= 0),
  at                   timestamptz not null,
  primary key (invoice_id, step)
);

create table credit_notes (
  number               text primary key,
  invoice_id           text not null unique references invoices (id),
  amount_minor         bigint not null,
  currency             char(3) not null,
  reason               text not null,
  issued_by            text not null,
  issued_at            timestamptz not null
);

-- Customer credit from over-payments (positive) and its use (negative); the balance is the sum.
create table customer_credits (
  entry_key            text primary key,
  customer_id          text not null references customers (id),
  invoice_id           text references invoices (id),
  amount_minor         bigint not null,
  currency             char(3) not null,
  at                   timestamptz not null
);

create index customer_credits_customer on customer_credits (customer_id);
