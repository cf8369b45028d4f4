import type { Sql } from './client';
import { toIso } from './client';

/** What became of a Stripe event (see 0009_stripe_events.sql). */
export type StripeEventOutcome = 'applied' | 'ignored' | 'deferred';

export interface StripeEventRecord {
  id: string;
  type: string;
  invoiceId: string | null;
  objectId: string | null;
  outcome: StripeEventOutcome;
  detail: string | null;
  receivedAt: string;
  appliedAt: string | null;
}

interface StripeEventRow {
  id: string;
  type: string;
  invoice_id: string | null;
  object_id: string | null;
  outcome: StripeEventOutcome;
  detail: string | null;
  received_at: Date;
  applied_at: Date | null;
}

function toRecord(row: StripeEventRow): StripeEventRecord {
  return {
    id: row.id,
    type: row.type,
    invoiceId: row.invoice_id,
    objectId: row.object_id,
    outcome: row.outcome,
    detail: row.detail,
    receivedAt: toIso(row.received_at) ?? '',
    appliedAt: toIso(row.applied_at),
  };
}

export async function findStripeEvent(sql: Sql, id: string): Promise<StripeEventRecord | null> {
  const [row] = await sql<StripeEventRow[]>`
    select id, type, invoice_id, object_id, outcome, detail, received_at, applied_at
    from stripe_events
    where id = ${id}`;
  return row ? toRecord(row) : null;
}

/**
 * Records what became of an event, once: a settled event (applied or ignored) is never rewritten,
 * so a delivery that raced another keeps the first outcome; a deferred one is replaced by the
 * outcome of a later delivery.
 */
export async function recordStripeEvent(
  sql: Sql,
  e: { id: string; type: string; invoiceId: string | null; objectId: string | null; outcome: StripeEventOutcome; detail: string | null; at: string },
): Promise<void> {
  const appliedAt = e.outcome === 'applied' ? e.at : null;
  await sql`
    insert into stripe_events (id, type, invoice_id, object_id, outcome, detail, received_at, applied_at)
    values (${e.id}, ${e.type}, ${e.invoiceId}, ${e.objectId}, ${e.outcome}, ${e.detail}, ${e.at}, ${appliedAt})
    on conflict (id) do update
    set invoice_id = excluded.invoice_id,
        object_id = excluded.object_id,
        outcome = excluded.outcome,
        detail = excluded.detail,
        applied_at = excluded.applied_at
    where stripe_events.outcome = 'deferred'`;
}

/** Whether an event of `type` about the Stripe object `objectId` was applied (a dispute's opening, say). */
export async function wasApplied(sql: Sql, type: string, objectId: string): Promise<boolean> {
  const rows = await sql`
    select 1
    from stripe_events
    where object_id = ${objectId}
      and type = ${type}
      and outcome = 'applied'
    limit 1`;
  return rows.length > 0;
}

export async function listStripeEvents(sql: Sql, invoiceId: string): Promise<StripeEventRecord[]> {
  const rows = await sql<StripeEventRow[]>`
    select id, type, invoice_id, object_id, outcome, detail, received_at, applied_at
    from stripe_events
    where invoice_id = ${invoiceId}
    order by received_at, id`;
  return rows.map(toRecord);
}

/**
 * The invoice a card payment went to, by its PaymentIntent id (the payment's reference): a dispute
 * or a refund names the PaymentIntent, not the invoice. Null when no payment has that reference.
 */
export async function invoiceOfCardPayment(sql: Sql, paymentIntentId: string): Promise<string | null> {
  const [row] = await sql<{ invoice_id: string }[]>`
    select invoice_id
    from payments
    where reference = ${paymentIntentId}
    order by received_at
    limit 1`;
  return row?.invoice_id ?? null;
}

/** Whether the invoice has recorded the payment with this reference. */
export async function hasPayment(sql: Sql, invoiceId: string, reference: string): Promise<boolean> {
  const rows = await sql`
    select 1
    from payments
    where invoice_id = ${invoiceId}
      and reference = ${reference}`;
  return rows.length > 0;
}
