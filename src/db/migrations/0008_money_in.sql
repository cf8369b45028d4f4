-- Money in: refunds, credit notes beyond the one a void issues, and the customer's pay page.
--
-- An invoice's amount due = total + late fees - amount_paid_minor - credited_minor (never below 0).
-- amount_paid_minor is what payments paid on the invoice less what refunds took back from it;
-- credited_minor is what its credit notes took off. Money beyond the amount due is the customer's
-- credit (customer_credits): over-payments, credit notes beyond what was due; refunds spend it first.

alter table invoices
  add column credited_minor bigint not null default 0 check (credited_minor between 0 and 1000000000000000),
  -- The customer's own page /pay/<token>: 256 random bits, one per invoice, never derived from its id.
  add column pay_token text not null unique default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

-- Money given back, once per (invoice, reference): a Stripe refund's id (re_...), else billflow's own.
create table refunds (
  invoice_id           text not null references invoices (id),
  reference            text not null,
  -- The payment it gives back (its reference on this invoice).
  payment_reference    text not null,
  amount_minor         bigint not null check (amount_minor between 1 and 1000000000000000),
  -- The part taken from the customer's credit; the rest (amount - from_credit) was taken back from
  -- the invoice's amount paid, so the invoice is due again by that much.
  from_credit_minor    bigint not null check (from_credit_minor >= 0 and from_credit_minor <= amount_minor),
  currency             char(3) not null,
  method               text not null,
  reason               text not null,
  recorded_by          text not null,
  recorded_at          timestamptz not null,
  primary key (invoice_id, reference),
  foreign key (invoice_id, payment_reference) references payments (invoice_id, reference)
);

create index refunds_recorded_at on refunds (recorded_at);

-- An invoice may have several credit notes now (the void's is one of them). applied_minor lowered
-- the amount due; credit_minor went to the customer's credit; applied + credit = amount.
alter table credit_notes drop constraint credit_notes_invoice_id_key;
alter table credit_notes
  -- The workflow's key for the credit note (its invoice and the command): a retry finds it.
  add column credit_key text unique,
  add column applied_minor bigint not null default 0,
  add column credit_minor bigint not null default 0,
  -- The lines credited, when given by line; null for an amount.
  add column lines jsonb;
update credit_notes set credit_key = 'void:' || invoice_id, applied_minor = amount_minor;
alter table credit_notes alter column credit_key set not null;
create index credit_notes_invoice on credit_notes (invoice_id, issued_at);
