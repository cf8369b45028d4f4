-- Bounds on money (issue: overflows and races could store amounts beyond 2^53, which no JSON
-- reader can represent exactly). No single amount, line or total above 10^15 minor units; sums
-- (paid so far) at most 2^53 - 1. Added NOT VALID: every new or changed row is checked, and a
-- database that already holds such a row still migrates (its reads do not fail either; see
-- toMinor in client.ts).

alter table invoices
  add constraint invoices_amounts_bounded check (
    subtotal_minor between -1000000000000000 and 1000000000000000
    and tax_minor between -1000000000000000 and 1000000000000000
    and total_minor between -1000000000000000 and 1000000000000000
    and amount_paid_minor between 0 and 9007199254740991
  ) not valid;

alter table invoice_lines
  add constraint invoice_lines_amounts_bounded check (
    unit_price_minor between 0 and 1000000000000000
    and net_minor between -1000000000000000 and 1000000000000000
    and tax_minor between -1000000000000000 and 1000000000000000
    and total_minor between -1000000000000000 and 1000000000000000
  ) not valid;

-- What a payment paid on its invoice and what became the customer's credit; they add up to what was
-- received. Payments recorded before the split paid their whole amount onto the invoice.
alter table payments
  add column applied_minor bigint,
  add column credit_minor bigint not null default 0;
update payments set applied_minor = amount_minor;
alter table payments
  alter column applied_minor set not null,
  add constraint payments_amounts_bounded check (
    amount_minor between 1 and 1000000000000000
    and applied_minor >= 0
    and credit_minor >= 0
    and applied_minor + credit_minor = amount_minor
  ) not valid;

alter table invoice_fees
  add constraint invoice_fees_bounded check (amount_minor between 0 and 1000000000000000) not valid;

alter table credit_notes
  add constraint credit_notes_bounded check (amount_minor between 0 and 1000000000000000) not valid;

alter table customer_credits
  add constraint customer_credits_bounded check (amount_minor between -1000000000000000 and 1000000000000000) not valid;

create index customer_credits_customer_currency on customer_credits (customer_id, currency);
