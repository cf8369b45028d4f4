import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, Person } from '../../src/domain/actor';
import type { CustomerSnapshot } from '../../src/domain/customer';
import type { DunningPolicy } from '../../src/domain/dunning';
import type { DraftChanges, InvoiceDraft, InvoiceState, PaymentMethod, RefundRecord } from '../../src/domain/invoice';
import type { LineInput } from '../../src/domain/lines';

/** The invoice workflow's input, its commands (Updates), and its state query. */

export interface InvoiceSettings {
  /** ISO 8601 duration after which an unanswered approval goes to the second approver. */
  approvalEscalationAfter: string;
  /** Prefix of the invoice number series ("INV" → INV-2026-000042). */
  numberPrefix: string;
}

export interface InvoiceWorkflowInput {
  draft: InvoiceDraft;
  customer: CustomerSnapshot;
  policy: DunningPolicy;
  settings: InvoiceSettings;
  /**
   * The state to carry on from, already stored: continue-as-new's, or a billing run's invoice that
   * was approved by policy and issued as the run recorded it (src/db/run-invoices.ts).
   */
  resume?: InvoiceState;
  /**
   * The code the invoice runs, given by whoever starts it (INVOICE_REVISION) so that a new invoice
   * pays for no patch markers: each `patched()` costs two history events (its marker and core's
   * TemporalChangeVersion upsert). Invoices started before it existed have none and decide by
   * their patch markers (workflow.ts).
   */
  revision?: InvoiceRevision;
}

/**
 * 2: the gapless number and the open state in one write, only changed search attributes upserted,
 * the email of an invoice approved by policy as a local activity in the same workflow task.
 * 3: an invoice started issued (a billing run's, approved by policy) is sent from there; the email
 * activity stores the delivery with its timeline event itself (no write of the workflow's after
 * it); a person's approval and the issue it allows are one write.
 * 4: a paid invoice's workflow stays open for the settlement window (src/domain/settlement.ts) so
 * refunds, credit notes and chargebacks reach it; a refund may make it due again.
 * See docs/performance.md.
 */
export type InvoiceRevision = 2 | 3 | 4;
export const INVOICE_REVISION: InvoiceRevision = 4;

/** Invoices started before the lifecycle existed had only a draft (see workflows/invoice/legacy-v1.ts). */
export type LegacyInvoiceWorkflowInput = Pick<InvoiceWorkflowInput, 'draft' | 'resume'> & Partial<InvoiceWorkflowInput>;

/** A person's command, as the api authenticated them, or a system's (a Stripe dispute); the workflow checks the actor again. */
export type DecisionCommand = Actor & {
  reason?: string | null;
};
export interface SubmitCommand extends Person, DraftChanges {}
/** A payment comes from a person (recorded by hand) or from a system (Stripe, a bank statement line). */
export type PaymentCommand = Actor & {
  amountMinor: number;
  method: PaymentMethod;
  reference: string;
  receivedAt: string;
};
export interface PaymentResult {
  duplicate: boolean;
  state: InvoiceState;
}

/**
 * Money given back on a payment. Without `reference` billflow makes the refund: through Stripe for a
 * card payment Stripe recorded (its idempotency key from the invoice and `requestKey`), else it only
 * records it. With `reference` (Stripe's re_... id) the refund was made elsewhere and is recorded once.
 */
export type RefundCommand = Actor & {
  amountMinor: number;
  reason: string;
  paymentReference?: string;
  reference?: string;
  requestKey?: string;
};
export interface RefundResult {
  duplicate: boolean;
  /** The refund as recorded (the earlier one for a repeat). */
  refund: RefundRecord | null;
  state: InvoiceState;
}

/** A credit note for an amount, or for lines (priced like an invoice's); `requestKey` makes a repeat issue none. */
export interface CreditNoteCommand extends Person {
  amountMinor?: number;
  lines?: LineInput[];
  reason: string;
  requestKey: string;
}
export interface CreditNoteResult {
  duplicate: boolean;
  number: string;
  state: InvoiceState;
}

/** A card payment that failed (Stripe): on the timeline once per reference. */
export type PaymentFailureCommand = Actor & {
  reference: string;
  message: string;
  at: string;
};

export const invoiceStateQuery = defineQuery<InvoiceState>('invoiceState');
export const approveUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('approve');
export const rejectUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('reject');
export const requestChangesUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('requestChanges');
export const submitUpdate = defineUpdate<InvoiceState, [SubmitCommand]>('submit');
export const recordPaymentUpdate = defineUpdate<PaymentResult, [PaymentCommand]>('recordPayment');
export const voidUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('void');
export const disputeUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('dispute');
export const resolveDisputeUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('resolveDispute');
export const writeOffUpdate = defineUpdate<InvoiceState, [DecisionCommand]>('writeOff');
export const refundUpdate = defineUpdate<RefundResult, [RefundCommand]>('refund');
export const creditNoteUpdate = defineUpdate<CreditNoteResult, [CreditNoteCommand]>('creditNote');
export const paymentFailureUpdate = defineUpdate<{ duplicate: boolean }, [PaymentFailureCommand]>('recordPaymentFailure');
