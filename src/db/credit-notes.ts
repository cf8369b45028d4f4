import type { Sql, Tx } from './client';
import { type InvoiceEventRecord, type InvoiceSnapshot, writeInvoiceSnapshot } from './invoices';
import { seriesFor, takeNextNumber } from './numbering';
import { addCredit } from './payments';

export interface CreditNoteRequest {
  invoiceId: string;
  amountMinor: number;
  currency: string;
  reason: string;
  issuedBy: string;
  issuedAt: string;
}

/**
 * Issues the credit note that cancels a voided invoice, once: a retry finds it and returns its
 * number. Credit notes have their own gapless series (e.g. CN-2026-000001).
 */
export async function issueCreditNote(sql: Sql, args: CreditNoteRequest): Promise<string> {
  return sql.begin((tx) => issueCreditNoteIn(tx, args));
}

async function issueCreditNoteIn(tx: Tx, args: CreditNoteRequest): Promise<string> {
  await tx`
    select id
    from invoices
    where id = ${args.invoiceId}
    for update`;
  const [existing] = await tx<{ number: string }[]>`
    select number
    from credit_notes
    where invoice_id = ${args.invoiceId}`;
  if (existing) return existing.number;
  const number = await takeNextNumber(tx, seriesFor('CN', args.issuedAt));
  await tx`
    insert into credit_notes (number, invoice_id, amount_minor, currency, reason, issued_by, issued_at)
    values (${number}, ${args.invoiceId}, ${args.amountMinor}, ${args.currency}, ${args.reason}, ${args.issuedBy}, ${args.issuedAt})`;
  return number;
}

/**
 * Voids an invoice in one transaction: its credit note when it was issued, the customer's credit
 * for what was paid on it, and its new state with the timeline event. Returns the credit note's
 * number (null for a draft).
 */
export async function voidInvoice(
  sql: Sql,
  args: {
    customerId: string;
    currency: string;
    creditNote: { amountMinor: number; reason: string; issuedBy: string; issuedAt: string } | null;
    creditMinor: number;
    snapshot: InvoiceSnapshot;
    event: InvoiceEventRecord;
  },
): Promise<string | null> {
  const { invoiceId } = args.snapshot;
  return sql.begin(async (tx) => {
    const number = args.creditNote ? await issueCreditNoteIn(tx, { invoiceId, currency: args.currency, ...args.creditNote }) : null;
    if (args.creditMinor > 0) {
      await addCredit(tx, { key: `void:${invoiceId}`, customerId: args.customerId, invoiceId, amountMinor: args.creditMinor, currency: args.currency, at: args.snapshot.at });
    }
    await writeInvoiceSnapshot(tx, { ...args.snapshot, creditNoteNumber: number }, { ...args.event, detail: { ...args.event.detail, creditNoteNumber: number } });
    return number;
  });
}
