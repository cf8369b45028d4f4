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
  /** The billing run that made it; absent or null for an invoice made by hand. */
  billingRunId?: string | null;
  /** The subscription that billed it; absent or null otherwise. */
  subscriptionId?: string | null;
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

export interface DraftChanges {
  lines?: LineInput[];
  memo?: string | null;
  dueAt?: string | null;
}

/** A draft after changes were requested: lines repriced, totals derived again. */
export function reviseDraft(draft: InvoiceDraft, changes: DraftChanges): InvoiceDraft {
  const lines = changes.lines ? priceLines(changes.lines, draft.pricesIncludeTax) : draft.lines;
  return {
    ...draft,
    lines,
    ...totalsOf(lines),
    memo: changes.memo === undefined ? draft.memo : changes.memo,
    dueAt: changes.dueAt === undefined ? draft.dueAt : changes.dueAt,
  };
}

/** The commands of API.md, and the states each may be given in. */
export type InvoiceCommand =
  | 'approve'
  | 'reject'
  | 'requestChanges'
  | 'submit'
  | 'recordPayment'
  | 'void'
  | 'dispute'
  | 'resolveDispute'
  | 'writeOff'
  | 'refund'
  | 'creditNote'
  | 'recordPaymentFailure';

const ALLOWED_IN: Record<InvoiceCommand, readonly InvoiceStatus[]> = {
  approve: ['pending_approval'],
  reject: ['pending_approval'],
  requestChanges: ['pending_approval'],
  submit: ['draft'],
  recordPayment: ['open', 'overdue', 'disputed'],
  void: ['draft', 'pending_approval', 'open', 'overdue', 'disputed'],
  // A paid invoice can be disputed too: a card payment's chargeback comes after the money.
  dispute: ['open', 'overdue', 'paid'],
  resolveDispute: ['disputed'],
  writeOff: ['overdue', 'disputed'],
  refund: ['open', 'overdue', 'disputed', 'paid'],
  creditNote: ['open', 'overdue', 'disputed', 'paid'],
  recordPaymentFailure: ['open', 'overdue', 'disputed'],
};

export function isAllowed(command: InvoiceCommand, status: InvoiceStatus): boolean {
  return ALLOWED_IN[command].includes(status);
}

export function allowedStatuses(command: InvoiceCommand): readonly InvoiceStatus[] {
  return ALLOWED_IN[command];
}

export type ApprovalDecisionKind = 'approved' | 'rejected' | 'changes_requested' | 'auto_approved';

export interface ApprovalRecord {
  principal: string;
  decision: ApprovalDecisionKind;
  at: string;
  reason: string | null;
}

export const PAYMENT_METHODS = ['bank_transfer', 'card', 'cash', 'check', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface PaymentRecord {
  reference: string;
  /** What was received. */
  amountMinor: number;
  /** The part that paid this invoice (at most what was due when it was applied). */
  appliedMinor: number;
  /** The rest: the customer's credit. appliedMinor + creditMinor = amountMinor. */
  creditMinor: number;
  method: PaymentMethod;
  receivedAt: string;
  recordedBy: string;
  recordedAt: string;
}

/**
 * Money given back on one of the invoice's payments. It comes first out of the customer's credit
 * (what they paid or were credited beyond what they owe); the rest is taken back from the invoice's
 * amount paid, so the invoice is due again by that much.
 */
export interface RefundRecord {
  /** Once per invoice: Stripe's refund id (re_...), or billflow's own for a refund it only records. */
  reference: string;
  paymentReference: string;
  amountMinor: number;
  fromCreditMinor: number;
  method: PaymentMethod;
  reason: string;
  recordedBy: string;
  recordedAt: string;
  /** The request that made it (the workflow's own record: a repeated request refunds nothing). */
  requestKey?: string;
}

/**
 * A credit note on an issued invoice (its own gapless series): up to the amount due lowers it, the
 * rest is the customer's credit. appliedMinor + creditMinor = amountMinor.
 */
export interface CreditNoteRecord {
  number: string;
  /** The command's key: the same request twice issues one credit note. */
  key: string;
  amountMinor: number;
  appliedMinor: number;
  creditMinor: number;
  reason: string;
  /** The lines credited, when credited by line; null for an amount. */
  lines: PricedLine[] | null;
  issuedBy: string;
  issuedAt: string;
}

/** A card payment that failed (from Stripe): on the timeline, once per reference; the invoice stays as it is. */
export interface PaymentFailureRecord {
  reference: string;
  message: string;
  at: string;
}

export interface FeeRecord {
  /** The dunning step (0-based) that charged it: one fee per step at most. */
  step: number;
  amountMinor: number;
  at: string;
}

export interface DeliveryState {
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

export interface DunningProgress {
  /** Index of the next policy step to run (steps are skipped, not sent, when their time predates the invoice). */
  nextStep: number;
  /** Time spent in disputes: the remaining steps move later by this much. */
  pausedMs: number;
  pausedAt: string | null;
}

/** The live state of an invoice as its workflow holds it (returned by the state query). */
export interface InvoiceState {
  draft: InvoiceDraft;
  status: InvoiceStatus;
  number: string | null;
  issuedAt: string | null;
  dueAt: string | null;
  amountPaidMinor: number;
  /** Reminder steps sent so far. */
  dunningLevel: number;
  approvals: ApprovalRecord[];
  payments: PaymentRecord[];
  refunds: RefundRecord[];
  creditNotes: CreditNoteRecord[];
  /** What credit notes took off the amount due (their appliedMinor). */
  creditedMinor: number;
  paymentFailures: PaymentFailureRecord[];
  fees: FeeRecord[];
  delivery: DeliveryState;
  /** The credit note that cancelled a voided invoice. */
  creditNoteNumber: string | null;
  /** Where a dispute returns to when resolved. */
  disputedFrom: InvoiceStatus | null;
  dunning: DunningProgress;
  /** When an unanswered approval was escalated to the second approver. */
  approvalEscalatedAt: string | null;
  /** Grows by one at every recorded change: the read model ignores writes older than it holds. */
  version: number;
}

/**
 * The invoice as its readers see it (the api, documents, reports): the same whether it comes from
 * the workflow's state or from PostgreSQL's read model. The rest of InvoiceState is the workflow's
 * own bookkeeping.
 */
export type InvoiceFacts = Pick<
  InvoiceState,
  | 'draft'
  | 'status'
  | 'number'
  | 'issuedAt'
  | 'dueAt'
  | 'amountPaidMinor'
  | 'dunningLevel'
  | 'approvals'
  | 'payments'
  | 'refunds'
  | 'creditNotes'
  | 'creditedMinor'
  | 'fees'
  | 'delivery'
  | 'creditNoteNumber'
>;

export function initialInvoiceState(draft: InvoiceDraft): InvoiceState {
  return {
    draft,
    status: 'draft',
    number: null,
    issuedAt: null,
    dueAt: draft.dueAt,
    amountPaidMinor: 0,
    dunningLevel: 0,
    approvals: [],
    payments: [],
    refunds: [],
    creditNotes: [],
    creditedMinor: 0,
    paymentFailures: [],
    fees: [],
    delivery: { status: 'pending', attempts: 0, lastError: null, sentAt: null },
    creditNoteNumber: null,
    disputedFrom: null,
    dunning: { nextStep: 0, pausedMs: 0, pausedAt: null },
    approvalEscalatedAt: null,
    version: 0,
  };
}

/** The due date an invoice takes when issued at `issuedAt`: its own, or its payment terms from then. */
export function dueDateOf(draft: Pick<InvoiceDraft, 'dueAt' | 'paymentTermsDays'>, issuedAt: string): string {
  return draft.dueAt ?? new Date(Date.parse(issuedAt) + draft.paymentTermsDays * 86_400_000).toISOString();
}

/**
 * A draft approved by policy and issued in one step, as a billing run stores it (src/db/run-invoices.ts)
 * and starts its workflow from: the same state, at the same version, that the workflow reaches when it
 * approves by policy and issues by itself.
 */
export function issuedByPolicy(draft: InvoiceDraft, issue: { approval: ApprovalRecord; number: string; issuedAt: string }): InvoiceState {
  return {
    ...initialInvoiceState(draft),
    status: 'open',
    number: issue.number,
    issuedAt: issue.issuedAt,
    dueAt: dueDateOf(draft, issue.issuedAt),
    approvals: [issue.approval],
    version: 1,
  };
}

export function feesMinor(state: Pick<InvoiceState, 'fees'>): number {
  return state.fees.reduce((sum, fee) => sum + fee.amountMinor, 0);
}

/** What the customer still owes: lines plus late fees, less payments and credit notes; never negative. */
export function outstandingMinor(a: { totalMinor: number; feesMinor: number; amountPaidMinor: number; creditedMinor?: number }): number {
  return Math.max(0, a.totalMinor + a.feesMinor - a.amountPaidMinor - (a.creditedMinor ?? 0));
}

/** The parts of an invoice its balance is made of (invoices started before credit notes have no creditedMinor). */
export type InvoiceBalance = Pick<InvoiceState, 'draft' | 'amountPaidMinor' | 'fees'> & { creditedMinor?: number };

export function amountDueMinor(state: InvoiceBalance): number {
  return outstandingMinor({ totalMinor: state.draft.totalMinor, feesMinor: feesMinor(state), amountPaidMinor: state.amountPaidMinor, creditedMinor: state.creditedMinor });
}

/**
 * Applies a payment to the invoice's balance as it is now: up to the amount due pays the invoice,
 * the rest becomes the customer's credit. Payments are applied one at a time, so what was applied
 * never exceeds what was owed, and applied + credit always equals what was received.
 */
export function splitPayment(state: InvoiceBalance, amountMinor: number): { appliedMinor: number; creditMinor: number } {
  const appliedMinor = Math.min(amountMinor, amountDueMinor(state));
  return { appliedMinor, creditMinor: amountMinor - appliedMinor };
}

/** What was paid beyond the amount owed (invoices paid before payments were split): the customer's credit. */
export function overpaidMinor(state: Pick<InvoiceState, 'draft' | 'amountPaidMinor' | 'fees'>): number {
  return Math.max(0, state.amountPaidMinor - state.draft.totalMinor - feesMinor(state));
}

/** The changeable part of an invoice row, as the workflow holds it at one version: what a change stores. */
export interface InvoiceSnapshot {
  invoiceId: string;
  version: number;
  status: InvoiceStatus;
  amountPaidMinor: number;
  dunningLevel: number;
  dueAt: string | null;
  creditNoteNumber: string | null;
  /** Absent in snapshots of invoices started before credit notes: 0. */
  creditedMinor?: number;
  at: string;
}

export function snapshotOf(state: InvoiceState, at: string): InvoiceSnapshot {
  return {
    invoiceId: state.draft.id,
    version: state.version,
    status: state.status,
    amountPaidMinor: state.amountPaidMinor,
    dunningLevel: state.dunningLevel,
    dueAt: state.dueAt,
    creditNoteNumber: state.creditNoteNumber,
    creditedMinor: state.creditedMinor ?? 0,
    at,
  };
}
