import type { InvoiceStatus } from '../domain/invoice';
import type { Sql } from './client';
import { toIso, toMinor } from './client';

/**
 * The invoice as its customer's pay page (/pay/:token) shows it, found by the page's token. Reads
 * only: paying goes through Stripe and the invoice's workflow.
 */
export interface PayPageInvoice {
  id: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  customerName: string;
  customerLocale: string;
  issuedAt: string | null;
  dueAt: string | null;
  /** Each line's amount is net (after discount, before tax): the column adds up to the subtotal, as in the email. */
  lines: { description: string; quantity: string; unitPriceMinor: number; netMinor: number }[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  feesMinor: number;
  paidMinor: number;
  creditedMinor: number;
  /** total + fees - paid - credited, never below 0 (0008_money_in.sql). */
  dueMinor: number;
}

/** A pay token as 0008_money_in.sql makes them: 256 random bits as 64 lowercase hex digits. */
export const PAY_TOKEN = /^[0-9a-f]{64}$/;

/** Whether `text` could be a pay token: anything else is a 404 without a query. */
export function couldBePayToken(text: string): boolean {
  return PAY_TOKEN.test(text);
}

interface PayPageRow {
  id: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  customer_name: string;
  customer_locale: string;
  issued_at: Date | null;
  due_at: Date | null;
  subtotal_minor: string;
  tax_minor: string;
  total_minor: string;
  fees_minor: string;
  amount_paid_minor: string;
  credited_minor: string;
}

/** The issued invoice whose pay token this is; null for an unknown token or an invoice without a number yet. */
export async function findInvoiceByPayToken(sql: Sql, token: string): Promise<PayPageInvoice | null> {
  if (!couldBePayToken(token)) return null;
  const [row] = await sql<PayPageRow[]>`
    select i.id, i.number, i.status, i.currency, c.name as customer_name, c.locale as customer_locale,
           i.issued_at, i.due_at, i.subtotal_minor, i.tax_minor, i.total_minor, i.amount_paid_minor, i.credited_minor,
           coalesce((select sum(f.amount_minor) from invoice_fees f where f.invoice_id = i.id), 0) as fees_minor
    from invoices i
    join customers c on c.id = i.customer_id
    where i.pay_token = ${token}
      and i.number is not null`;
  if (!row) return null;
  const lines = await sql<{ description: string; quantity: string; unit_price_minor: string; net_minor: string }[]>`
    select description, quantity, unit_price_minor, net_minor
    from invoice_lines
    where invoice_id = ${row.id}
    order by position`;
  const totalMinor = toMinor(row.total_minor);
  const feesMinor = toMinor(row.fees_minor);
  const paidMinor = toMinor(row.amount_paid_minor);
  const creditedMinor = toMinor(row.credited_minor);
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    currency: row.currency,
    customerName: row.customer_name,
    customerLocale: row.customer_locale,
    issuedAt: toIso(row.issued_at),
    dueAt: toIso(row.due_at),
    lines: lines.map((l) => ({ description: l.description, quantity: l.quantity, unitPriceMinor: toMinor(l.unit_price_minor), netMinor: toMinor(l.net_minor) })),
    subtotalMinor: toMinor(row.subtotal_minor),
    taxMinor: toMinor(row.tax_minor),
    totalMinor,
    feesMinor,
    paidMinor,
    creditedMinor,
    dueMinor: Math.max(0, totalMinor + feesMinor - paidMinor - creditedMinor),
  };
}

/** The invoice's pay token (every invoice row has one), for the link in its emails; null if there is no such invoice. */
export async function payTokenOf(sql: Sql, invoiceId: string): Promise<string | null> {
  const [row] = await sql<{ pay_token: string }[]>`
    select pay_token
    from invoices
    where id = ${invoiceId}`;
  return row?.pay_token ?? null;
}

/** The customer's page of an invoice: PUBLIC_BASE_URL/pay/<token>. */
export function payPageUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/pay/${token}`;
}
