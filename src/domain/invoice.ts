import { type LineInput, type PricedLine, priceLines, totalsOf } from './lines';
import { type CurrencyCode, currencyExponent } from './money';

export const INVOICE_STATUSES = [
  'draft',
  'pending_approval',
  'rejected',
  'open',
  'overdue',
  'disputed',
  'paid',
  'void',
  'uncollectible',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** States an invoice never leaves: its workflow completes when it reaches one. */
export const TERMINAL_STATUSES: readonly InvoiceStatus[] = ['rejected', 'paid', 'void', 'uncollectible'];

export function isTerminal(status: InvoiceStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** How an invoice gets approved: always by a person, never, or as the approval policy decides. */
export type InvoiceApproval = 'required' | 'auto' | 'policy';

/** Everything a draft invoice is made of. Plain JSON: it is the invoice workflow's input. */
export interface InvoiceDraft {
  id: string;
  customerId: string;
  currency: CurrencyCode;
  pricesIncludeTax: boolean;
  lines: PricedLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  /** ISO 8601; when null the due date is set at issue from `paymentTermsDays`. */
  dueAt: string | null;
  paymentTermsDays: number;
  dunningPolicyId: string | null;
  approval: InvoiceApproval;
  memo: string | null;
  createdBy: string;
  createdAt: string;
}

export interface DraftRequest {
  customerId: string;
  currency: CurrencyCode;
  lines: LineInput[];
  pricesIncludeTax: boolean;
  dueAt: string | null;
  paymentTermsDays: number;
  dunningPolicyId: string | null;
  approval: InvoiceApproval;
  memo: string | null;
}

/** Prices the lines and derives the totals; the id, creator and time are passed in. */
export function createDraft(request: DraftRequest, meta: { id: string; createdBy: string; now: string }): InvoiceDraft {
  currencyExponent(request.currency);
  const lines = priceLines(request.lines, request.pricesIncludeTax);
  return {
    id: meta.id,
    customerId: request.customerId,
    currency: request.currency,
    pricesIncludeTax: request.pricesIncludeTax,
    lines,
    ...totalsOf(lines),
    dueAt: request.dueAt,
    paymentTermsDays: request.paymentTermsDays,
    dunningPolicyId: request.dunningPolicyId,
    approval: request.approval,
    memo: request.memo,
    createdBy: meta.createdBy,
    createdAt: meta.now,
  };
}

/** The live state of an invoice as its workflow holds it (returned by the state query). */
export interface InvoiceState {
  draft: InvoiceDraft;
  status: InvoiceStatus;
  number: string | null;
  issuedAt: string | null;
  dueAt: string | null;
  amountPaidMinor: number;
  dunningLevel: number;
}

export function initialInvoiceState(draft: InvoiceDraft): InvoiceState {
  return { draft, status: 'draft', number: null, issuedAt: null, dueAt: draft.dueAt, amountPaidMinor: 0, dunningLevel: 0 };
}

export function amountDueMinor(state: Pick<InvoiceState, 'draft' | 'amountPaidMinor'>): number {
  return Math.max(0, state.draft.totalMinor - state.amountPaidMinor);
}
