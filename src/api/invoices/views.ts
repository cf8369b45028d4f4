import type { TimelineEntry } from '../../db/audit';
import {
  amountDueMinor,
  type ApprovalRecord,
  type CreditNoteRecord,
  type DeliveryState,
  type FeeRecord,
  feesMinor,
  type InvoiceFacts,
  type PaymentRecord,
  type RefundRecord,
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
  /** What payments paid on the invoice, less what refunds took back from it. */
  amountPaidMinor: number;
  /** What credit notes took off the amount due. */
  amountCreditedMinor: number;
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
  refunds: RefundView[];
  creditNotes: CreditNoteView[];
  fees: FeeRecord[];
  delivery: DeliveryState;
  /** The customer's own page, where they see and pay the invoice; null until it is issued. */
  paymentUrl: string | null;
  timeline: TimelineEntry[];
}

export type RefundView = Omit<RefundRecord, 'requestKey'>;
export type CreditNoteView = Omit<CreditNoteRecord, 'key'> & { pdfUrl: string };

/** One row of `GET /invoices`: the invoice without its lines and the lists that hang off it. */
export type InvoiceSummaryView = Omit<InvoiceView, 'lines' | 'approvals' | 'payments' | 'refunds' | 'creditNotes' | 'fees' | 'timeline' | 'paymentUrl'>;

/** From the invoice's facts, whether the workflow answered them (just now) or PostgreSQL stored them. */
export function invoiceView(invoice: InvoiceFacts, timeline: TimelineEntry[], paymentUrl: string | null = null): InvoiceView {
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
    amountCreditedMinor: invoice.creditedMinor,
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
    refunds: invoice.refunds.map(refundView),
    creditNotes: invoice.creditNotes.map(creditNoteView),
    fees: invoice.fees,
    delivery: invoice.delivery,
    paymentUrl,
    timeline,
  };
}

export function refundView({ requestKey: _key, ...refund }: RefundRecord): RefundView {
  return refund;
}

export function creditNoteView({ key: _key, ...note }: CreditNoteRecord): CreditNoteView {
  return { ...note, pdfUrl: `/credit-notes/${note.number}/pdf` };
}

export function invoiceSummaryView(invoice: InvoiceFacts): InvoiceSummaryView {
  const { lines: _lines, approvals: _a, payments: _p, refunds: _r, creditNotes: _c, fees: _f, timeline: _t, paymentUrl: _u, ...summary } = invoiceView(invoice, []);
  return summary;
}
