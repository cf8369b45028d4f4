import type { InvoiceDraft, InvoiceStatus } from '../domain/invoice';
import type { PricedLine } from '../domain/lines';
import { appendAuditEvent } from './audit';
import type { Sql } from './client';
import { toIso, toMinor } from './client';
import type { PageCursor } from './customers';

export interface InvoiceRecord {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  customerId: string;
  currency: string;
  pricesIncludeTax: boolean;
  lines: PricedLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  amountPaidMinor: number;
  dunningLevel: number;
  dueAt: string | null;
  paymentTermsDays: number;
  dunningPolicyId: string | null;
  approval: string;
  memo: string | null;
  createdBy: string;
  createdAt: string;
  issuedAt: string | null;
  updatedAt: string;
}

interface InvoiceRow {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  customer_id: string;
  currency: string;
  prices_include_tax: boolean;
  subtotal_minor: string;
  tax_minor: string;
  total_minor: string;
  amount_paid_minor: string;
  dunning_level: number;
  due_at: Date | null;
  payment_terms_days: number;
  dunning_policy_id: string | null;
  approval: string;
  memo: string | null;
  created_by: string;
  created_at: Date;
  issued_at: Date | null;
  updated_at: Date;
}

interface LineRow {
  invoice_id: string;
  position: number;
  description: string;
  quantity: string;
  unit_price_minor: string;
  tax_rate_bps: number;
  discount_bps: number;
  net_minor: string;
  tax_minor: string;
  total_minor: string;
}

function toLine(row: LineRow): PricedLine {
  return {
    description: row.description,
    quantity: row.quantity,
    unitPriceMinor: toMinor(row.unit_price_minor),
    taxRateBps: row.tax_rate_bps,
    discountBps: row.discount_bps,
    netMinor: toMinor(row.net_minor),
    taxMinor: toMinor(row.tax_minor),
    totalMinor: toMinor(row.total_minor),
  };
}

function toInvoice(row: InvoiceRow, lines: PricedLine[]): InvoiceRecord {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    customerId: row.customer_id,
    currency: row.currency,
    pricesIncludeTax: row.prices_include_tax,
    lines,
    subtotalMinor: toMinor(row.subtotal_minor),
    taxMinor: toMinor(row.tax_minor),
    totalMinor: toMinor(row.total_minor),
    amountPaidMinor: toMinor(row.amount_paid_minor),
    dunningLevel: row.dunning_level,
    dueAt: toIso(row.due_at),
    paymentTermsDays: row.payment_terms_days,
    dunningPolicyId: row.dunning_policy_id,
    approval: row.approval,
    memo: row.memo,
    createdBy: row.created_by,
    createdAt: toIso(row.created_at) ?? '',
    issuedAt: toIso(row.issued_at),
    updatedAt: toIso(row.updated_at) ?? '',
  };
}

/**
 * Writes a draft with its lines and its "created" audit event in one transaction. Idempotent: an
 * activity retried after a crash finds the row and changes nothing.
 */
export async function insertDraftInvoice(sql: Sql, d: InvoiceDraft): Promise<void> {
  await sql.begin(async (tx) => {
    const inserted = await tx`
      insert into invoices (id, customer_id, status, currency, prices_include_tax, subtotal_minor, tax_minor,
                            total_minor, due_at, payment_terms_days, dunning_policy_id, approval, memo,
                            created_by, created_at, updated_at)
      values (${d.id}, ${d.customerId}, 'draft', ${d.currency}, ${d.pricesIncludeTax}, ${d.subtotalMinor},
              ${d.taxMinor}, ${d.totalMinor}, ${d.dueAt}, ${d.paymentTermsDays}, ${d.dunningPolicyId},
              ${d.approval}, ${d.memo}, ${d.createdBy}, ${d.createdAt}, ${d.createdAt})
      on conflict (id) do nothing
      returning id`;
    if (inserted.length === 0) return;
    await tx`
      insert into invoice_lines ${tx(
        d.lines.map((line, position) => ({
          invoice_id: d.id,
          position,
          description: line.description,
          quantity: line.quantity,
          unit_price_minor: line.unitPriceMinor,
          tax_rate_bps: line.taxRateBps,
          discount_bps: line.discountBps ?? 0,
          net_minor: line.netMinor,
          tax_minor: line.taxMinor,
          total_minor: line.totalMinor,
        })),
      )}`;
    await appendAuditEvent(tx, {
      eventKey: `invoice:${d.id}:created`,
      entityType: 'invoice',
      entityId: d.id,
      type: 'created',
      actor: d.createdBy,
      detail: { totalMinor: d.totalMinor, currency: d.currency, lines: d.lines.length },
      at: d.createdAt,
    });
  });
}

export async function findInvoice(sql: Sql, id: string): Promise<InvoiceRecord | null> {
  const [row] = await sql<InvoiceRow[]>`
    select *
    from invoices
    where id = ${id}`;
  if (!row) return null;
  const lines = await sql<LineRow[]>`
    select *
    from invoice_lines
    where invoice_id = ${id}
    order by position`;
  return toInvoice(row, lines.map(toLine));
}

export interface InvoiceFilter {
  status: InvoiceStatus | null;
  customerId: string | null;
  limit: number;
  after: PageCursor | null;
}

/** A page of invoices without their lines (GET /invoices/:id has them). */
export async function listInvoices(sql: Sql, f: InvoiceFilter): Promise<InvoiceRecord[]> {
  const rows = await sql<InvoiceRow[]>`
    select *
    from invoices
    where ${f.status ? sql`status = ${f.status}` : sql`true`}
      and ${f.customerId ? sql`customer_id = ${f.customerId}` : sql`true`}
      and ${f.after ? sql`(created_at, id) > (${f.after.createdAt}, ${f.after.id})` : sql`true`}
    order by created_at, id
    limit ${f.limit}`;
  return rows.map((row) => toInvoice(row, []));
}
