import type { TimelineEntry } from '../db/audit';
import type { InvoiceRecord } from '../db/invoices';
import { amountDueMinor, type InvoiceState } from '../domain/invoice';

/** The invoice as API.md shows it. */
export interface InvoiceView {
  id: string;
  number: string | null;
  status: string;
  dunningLevel: number;
  customerId: string;
  currency: string;
  pricesIncludeTax: boolean;
  lines: InvoiceRecord['lines'];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  amountPaidMinor: number;
  amountDueMinor: number;
  dueAt: string | null;
  issuedAt: string | null;
  memo: string | null;
  createdBy: string;
  createdAt: string;
  approvals: unknown[];
  payments: unknown[];
  delivery: { status: 'pending' | 'sent' | 'failed'; attempts: number; lastError: string | null };
  timeline: TimelineEntry[];
}

export function invoiceView(record: InvoiceRecord, timeline: TimelineEntry[]): InvoiceView {
  return {
    id: record.id,
    number: record.number,
    status: record.status,
    dunningLevel: record.dunningLevel,
    customerId: record.customerId,
    currency: record.currency,
    pricesIncludeTax: record.pricesIncludeTax,
    lines: record.lines,
    subtotalMinor: record.subtotalMinor,
    taxMinor: record.taxMinor,
    totalMinor: record.totalMinor,
    amountPaidMinor: record.amountPaidMinor,
    amountDueMinor: Math.max(0, record.totalMinor - record.amountPaidMinor),
    dueAt: record.dueAt,
    issuedAt: record.issuedAt,
    memo: record.memo,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    approvals: [],
    payments: [],
    delivery: { status: 'pending', attempts: 0, lastError: null },
    timeline,
  };
}

/** The same view from the workflow's live state, for when the read model has not caught up yet. */
export function invoiceViewFromState(state: InvoiceState): InvoiceView {
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
    amountPaidMinor: state.amountPaidMinor,
    amountDueMinor: amountDueMinor(state),
    dueAt: state.dueAt,
    issuedAt: state.issuedAt,
    memo: d.memo,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    approvals: [],
    payments: [],
    delivery: { status: 'pending', attempts: 0, lastError: null },
    timeline: [{ at: d.createdAt, type: 'created', actor: d.createdBy, detail: { totalMinor: d.totalMinor, currency: d.currency, lines: d.lines.length } }],
  };
}
