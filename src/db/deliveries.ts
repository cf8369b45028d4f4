import type { Sql, Tx } from './client';
import { toIso } from './client';

export interface Delivery {
  invoiceId: string;
  /** "invoice", "reminder-1", "approval-request", …: one delivery per invoice and step. */
  step: string;
  recipient: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  messageId: string;
  sentAt: string | null;
}

/** Records an attempt's outcome; a delivery once sent stays sent. */
export async function upsertDelivery(sql: Sql | Tx, d: Delivery): Promise<void> {
  await sql`
    insert into invoice_deliveries (invoice_id, step, recipient, status, attempts, last_error, message_id, sent_at)
    values (${d.invoiceId}, ${d.step}, ${d.recipient}, ${d.status}, ${d.attempts}, ${d.lastError}, ${d.messageId}, ${d.sentAt})
    on conflict (invoice_id, step) do update
    set status = excluded.status,
        attempts = greatest(invoice_deliveries.attempts, excluded.attempts),
        last_error = coalesce(excluded.last_error, invoice_deliveries.last_error),
        sent_at = excluded.sent_at
    where invoice_deliveries.status <> 'sent'`;
}

export interface DeliveryRow {
  invoice_id: string;
  step: string;
  recipient: string;
  status: Delivery['status'];
  attempts: number;
  last_error: string | null;
  message_id: string;
  sent_at: Date | string | null;
}

/** A row as postgres.js returns it, or as to_jsonb gives it (timestamps as strings). */
export const toDelivery = (r: DeliveryRow): Delivery => ({
  invoiceId: r.invoice_id,
  step: r.step,
  recipient: r.recipient,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  messageId: r.message_id,
  sentAt: toIso(r.sent_at),
});

export async function findDelivery(sql: Sql, invoiceId: string, step: string): Promise<Delivery | null> {
  const [row] = await sql<DeliveryRow[]>`
    select *
    from invoice_deliveries
    where invoice_id = ${invoiceId}
      and step = ${step}`;
  return row ? toDelivery(row) : null;
}
