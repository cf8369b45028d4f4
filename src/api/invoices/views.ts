import type { TimelineEntry } from '../../db/audit';
import {
  amountDueMinor,
  type ApprovalRecord,
  type DeliveryState,
  type FeeRecord,
  feesMinor,
  type InvoiceFacts,
  type PaymentRecord,
} from '../../domain/invoice';
import type { PricedLine } from '../../domain/lines';

/** The invoice as API.md shows it. */
export interface InvoiceView {
  id: string;
  number: string | null;
  status: string;
  dunningLevel: number;
  customerId: string;
  currency: string;
  pricesIncludeTax: boolean;
  lines: PricedLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  feesMinor: number;
  amountPaidMinor: number;
  amountDueMinor: number;
  dueAt: string | null;
  issuedAt: string | null;
  memo: string | null;
  createdBy: string;
  createdAt: string;
  creditNoteNumber: string | null;
  /** The billing run that made it; null for an invoice made by hand. */
  billingRunId: string | null;
  approvals: ApprovalRecord[];
  payments: PaymentRecord[];
  fees: FeeRecord[];
  delivery: DeliveryState;
  timeline: TimelineEntry[];
}

/** One row of `GET /invoices`: the invoice without its lines and the lists that hang off it. */
export type InvoiceSummaryView = Omit<InvoiceView, 'lines' | 'approvals' | 'payments' | 'fees' | 'timeline'>;

/** From the invoice's facts, whether the workflow answered them (just now) or PostgreSQL stored them. */
export function invoiceView(invoice: InvoiceFacts, timeline: TimelineEntry[]): InvoiceView {
  const d = invoice.draft;
  return {
    id: d.id,
    number: invoice.number,
    status: invoice.status,
    dunningLevel: invoice.dunningLevel,
    customerId: d.customerId,
    currency: d.currency,
    pricesIncludeTax: d.pricesIncludeTax,
    lines: d.lines,
    subtotalMinor: d.subtotalMinor,
    taxMinor: d.taxMinor,
    totalMinor: d.totalMinor,
    feesMinor: feesMinor(invoice),
    amountPaidMinor: invoice.amountPaidMinor,
    amountDueMinor: amountDueMinor(invoice),
    dueAt: invoice.dueAt,
    issuedAt: invoice.issuedAt,
    memo: d.memo,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    creditNoteNumber: invoice.creditNoteNumber,
    billingRunId: d.billingRunId ?? null,
    approvals: invoice.approvals,
    payments: invoice.payments,
    fees: invoice.fees,
    delivery: invoice.delivery,
    timeline,
  };
}

export function invoiceSummaryView(invoice: InvoiceFacts): InvoiceSummaryView {
  const { lines: _lines, approvals: _a, payments: _p, fees: _f, timeline: _t, ...summary } = invoiceView(invoice, []);
  return summary;
}
