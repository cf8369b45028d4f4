import type { CreditNoteRecord } from '../domain/invoice';
import type { Sql, Tx } from './client';
import { toIso, toMinor } from './client';
import { type InvoiceEventRecord, type InvoiceSnapshot, writeInvoiceSnapshot } from './invoices';
import { seriesFor, takeNextNumber } from './numbering';
import { addCredit } from './payments';

export interface CreditNoteRequest {
  invoiceId: string;
  amountMinor: number;
  /** What it lowered the amount due by (all of it when not given); the rest went to the customer's credit. */
  appliedMinor?: number;
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
  const key = `void:${args.invoiceId}`;
  const [existing] = await tx<{ number: string }[]>`
    select number
    from credit_notes
    where credit_key = ${key}`;
  if (existing) return existing.number;
  const number = await takeNextNumber(tx, seriesFor('CN', args.issuedAt));
  const applied = args.appliedMinor ?? args.amountMinor;
  await tx`
    insert into credit_notes (number, invoice_id, amount_minor, applied_minor, credit_minor, currency, reason, issued_by, issued_at, credit_key)
    values (${number}, ${args.invoiceId}, ${args.amountMinor}, ${applied}, ${args.amountMinor - applied}, ${args.currency}, ${args.reason}, ${args.issuedBy}, ${args.issuedAt}, ${key})`;
  return number;
}

/**
 * Issues a credit note on an issued invoice, once per key, in one transaction with what follows
 * from it: the number from the gapless series, the customer's credit for the part beyond the
 * amount due, and the invoice's new state with its timeline event. A retry returns the number.
 */
export async function applyCreditNote(
  sql: Sql,
  args: {
    customerId: string;
    currency: string;
    prefix: string;
    creditNote: Omit<CreditNoteRecord, 'number'>;
    snapshot: InvoiceSnapshot;
    event: InvoiceEventRecord;
  },
): Promise<string> {
  const { snapshot, creditNote: c } = args;
  const key = `${snapshot.invoiceId}:${c.key}`;
  return sql.begin(async (tx) => {
    await tx`
      select id
      from invoices
      where id = ${snapshot.invoiceId}
      for update`;
    const [existing] = await tx<{ number: string }[]>`
      select number
      from credit_notes
      where credit_key = ${key}`;
    const number = existing?.number ?? (await takeNextNumber(tx, seriesFor(args.prefix, c.issuedAt)));
    if (!existing) {
      await tx`
        insert into credit_notes (number, invoice_id, amount_minor, applied_minor, credit_minor, currency, reason, lines, issued_by, issued_at, credit_key)
        values (${number}, ${snapshot.invoiceId}, ${c.amountMinor}, ${c.appliedMinor}, ${c.creditMinor}, ${args.currency}, ${c.reason},
                ${c.lines === null ? null : tx.json(c.lines as unknown as Parameters<typeof tx.json>[0])}, ${c.issuedBy}, ${c.issuedAt}, ${key})`;
      if (c.creditMinor > 0) {
        await addCredit(tx, { key: `credit-note:${number}`, customerId: args.customerId, invoiceId: snapshot.invoiceId, amountMinor: c.creditMinor, currency: args.currency, at: c.issuedAt });
      }
    }
    await writeInvoiceSnapshot(tx, snapshot, { ...args.event, detail: { ...args.event.detail, creditNoteNumber: number } });
    return number;
  });
}

interface CreditNoteRow {
  number: string;
  credit_key: string;
  amount_minor: string;
  applied_minor: string;
  credit_minor: string;
  reason: string;
  lines: CreditNoteRecord['lines'];
  issued_by: string;
  issued_at: Date;
}

/** The credit notes of an invoice as its workflow holds them (the void's is the invoice's creditNoteNumber). */
export async function invoiceCreditNotes(sql: Sql, invoiceId: string): Promise<CreditNoteRecord[]> {
  const rows = await sql<CreditNoteRow[]>`
    select number, credit_key, amount_minor, applied_minor, credit_minor, reason, lines, issued_by, issued_at
    from credit_notes
    where invoice_id = ${invoiceId}
      and credit_key <> ${`void:${invoiceId}`}
    order by issued_at, number`;
  return rows.map((r) => ({
    number: r.number,
    key: r.credit_key.slice(invoiceId.length + 1),
    amountMinor: toMinor(r.amount_minor),
    appliedMinor: toMinor(r.applied_minor),
    creditMinor: toMinor(r.credit_minor),
    reason: r.reason,
    lines: r.lines,
    issuedBy: r.issued_by,
    issuedAt: toIso(r.issued_at) ?? '',
  }));
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
    creditNote: { amountMinor: number; appliedMinor: number; reason: string; issuedBy: string; issuedAt: string } | null;
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

/** A credit note as GET /credit-notes/:id shows it: its own facts and its invoice's number. */
export interface StoredCreditNote {
  number: string;
  invoiceId: string;
  invoiceNumber: string | null;
  customerId: string;
  amountMinor: number;
  appliedMinor: number;
  creditMinor: number;
  currency: string;
  reason: string;
  lines: CreditNoteRecord['lines'];
  issuedBy: string;
  issuedAt: string;
}

interface StoredCreditNoteRow {
  number: string;
  invoice_id: string;
  invoice_number: string | null;
  customer_id: string;
  amount_minor: string;
  applied_minor: string;
  credit_minor: string;
  currency: string;
  reason: string;
  lines: CreditNoteRecord['lines'];
  issued_by: string;
  issued_at: Date;
}

function toStoredCreditNote(r: StoredCreditNoteRow): StoredCreditNote {
  return {
    number: r.number,
    invoiceId: r.invoice_id,
    invoiceNumber: r.invoice_number,
    customerId: r.customer_id,
    amountMinor: toMinor(r.amount_minor),
    appliedMinor: toMinor(r.applied_minor),
    creditMinor: toMinor(r.credit_minor),
    currency: r.currency.trim(),
    reason: r.reason,
    lines: r.lines,
    issuedBy: r.issued_by,
    issuedAt: toIso(r.issued_at) ?? '',
  };
}

/** A credit note by its number (CN-2026-000001), the void's included; null when there is none. */
export async function findCreditNote(sql: Sql, number: string): Promise<StoredCreditNote | null> {
  const [row] = await sql<StoredCreditNoteRow[]>`
    select cn.number, cn.invoice_id, i.number as invoice_number, i.customer_id, cn.amount_minor, cn.applied_minor, cn.credit_minor,
           cn.currency, cn.reason, cn.lines, cn.issued_by, cn.issued_at
    from credit_notes cn
    join invoices i
      on i.id = cn.invoice_id
    where cn.number = ${number}`;
  return row ? toStoredCreditNote(row) : null;
}

/** Every credit note of an invoice, the void's included, in the order they were issued. */
export async function listCreditNotes(sql: Sql, invoiceId: string): Promise<StoredCreditNote[]> {
  const rows = await sql<StoredCreditNoteRow[]>`
    select cn.number, cn.invoice_id, i.number as invoice_number, i.customer_id, cn.amount_minor, cn.applied_minor, cn.credit_minor,
           cn.currency, cn.reason, cn.lines, cn.issued_by, cn.issued_at
    from credit_notes cn
    join invoices i
      on i.id = cn.invoice_id
    where cn.invoice_id = ${invoiceId}
    order by cn.issued_at, cn.number`;
  return rows.map(toStoredCreditNote);
}
