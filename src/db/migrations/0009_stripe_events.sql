-- Stripe's webhook events, each id once: which invoice it was about and what became of it.
--   applied   its commands reached the invoice (a command the invoice already had counts: it was a repeat)
--   ignored   nothing to do: not billflow's (no invoice), a type billflow does not handle, a session
--             not paid yet, or an invoice that no longer takes commands; answered 200 so Stripe stops
--   deferred  the invoice cannot take it yet (say a dispute closed before it opened): answered 409 so
--             Stripe delivers it again; a later delivery replaces this row
create table stripe_events (
  id                   text primary key,
  type                 text not null,
  invoice_id           text,
  -- The Stripe object the event is about (pi_..., ch_..., dp_..., cs_...): finds a dispute's opening.
  object_id            text,
  outcome              text not null check (outcome in ('applied', 'ignored', 'deferred')),
  -- Why it was ignored or deferred, for the operator.
  detail               text,
  received_at          timestamptz not null default now(),
  applied_at           timestamptz
);

create index stripe_events_invoice on stripe_events (invoice_id, received_at);
create index stripe_events_object on stripe_events (object_id, type);

-- A Stripe dispute or refund names the PaymentIntent, not the invoice: find the payment by it.
create index payments_reference on payments (reference);
