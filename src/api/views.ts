import type { TimelineEntry } from '../db/audit';
import type { Delivery } from '../db/deliveries';
import type { InvoiceRecord } from '../db/invoices';
import {
  amountDueMinor,
  type ApprovalRecord,
  type DeliveryState,
  type FeeRecord,
  feesMinor,
  type InvoiceState,
  outstandingMinor,
  type PaymentRecord,
} from '../domain/invoice';
import type { PricedLine } from '../domain/lines';

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
  approvals: ApprovalRecord[];
  payments: PaymentRecord[];
  fees: FeeRecord[];
  delivery: DeliveryState;
  timeline: TimelineEntry[];
}

export interface StoredInvoice {
  record: InvoiceRecord;
  approvals: ApprovalRecord[];
  payments: PaymentRecord[];
  fees: FeeRecord[];
  delivery: Delivery | null;
  timeline: TimelineEntry[];
}

/** From the read model in PostgreSQL. */
export function invoiceView(s: StoredInvoice): InvoiceView {
  const r = s.record;
  const fees = feesMinor(s);
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    dunningLevel: r.dunningLevel,
    customerId: r.customerId,
    currency: r.currency,
    pricesIncludeTax: r.pricesIncludeTax,
    lines: r.lines,
    subtotalMinor: r.subtotalMinor,
    taxMinor: r.taxMinor,
    totalMinor: r.totalMinor,
    feesMinor: fees,
    amountPaidMinor: r.amountPaidMinor,
    amountDueMinor: outstandingMinor({ totalMinor: r.totalMinor, feesMinor: fees, amountPaidMinor: r.amountPaidMinor }),
    dueAt: r.dueAt,
    issuedAt: r.issuedAt,
    memo: r.memo,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    creditNoteNumber: r.creditNoteNumber,
    approvals: s.approvals,
    payments: s.payments,
    fees: s.fees,
    delivery: s.delivery
      ? { status: s.delivery.status, attempts: s.delivery.attempts, lastError: s.delivery.lastError, sentAt: s.delivery.sentAt }
      : { status: 'pending', attempts: 0, lastError: null, sentAt: null },
    timeline: s.timeline,
  };
}

/** From the workflow's live state: answers commands at once, before the read model catches up. */
export function invoiceViewFromState(state: InvoiceState, timeline: TimelineEntry[]): InvoiceView {
  const d = state.draft;
  return {
    id: d.id,
    number: state.number,
    status: state.status,
    dunningLevel: state.dunningLevel,
    customerId: d.customerId,
    currency: d.currency,
    pricesIncludeTax: d.pricesIncludeTax,
    lines: d.lines,
    subtotalMinor: d.subtotalMinor,
    taxMinor: d.taxMinor,
    totalMinor: d.totalMinor,
    feesMinor: feesMinor(state),
    amountPaidMinor: state.amountPaidMinor,
    amountDueMinor: amountDueMinor(state),
    dueAt: state.dueAt,
    issuedAt: state.issuedAt,
    memo: d.memo,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    creditNoteNumber: state.creditNoteNumber,
    approvals: state.approvals,
    payments: state.payments,
    fees: state.fees,
    delivery: state.delivery,
    timeline,
  };
}
