import { amountDueMinor, feesMinor, type InvoiceState, type InvoiceStatus, isTerminal, type PaymentRecord } from './invoice';

/**
 * Money after an invoice is issued, beyond payments: refunds and credit notes. The rules keep one
 * identity true per customer and currency (test/unit/settlement-ledger.test.ts):
 *
 *   invoiced + the customer's credit = received − refunded + credited + written off + outstanding
 *
 * where no invoice's outstanding amount and no customer's credit is ever negative.
 */

/** How long a paid invoice's workflow waits for refunds, credit notes and chargebacks after its last change. */
export const SETTLEMENT_WINDOW_MS = 180 * 86_400_000;

/** An invoice's state as these rules read it (invoices started before refunds have none). */
export type SettlementState = Pick<InvoiceState, 'draft' | 'status' | 'dueAt' | 'amountPaidMinor' | 'fees' | 'payments'> &
  Partial<Pick<InvoiceState, 'refunds' | 'creditNotes' | 'creditedMinor'>>;

/** What is left to refund of a payment: what it received less what was refunded of it. */
export function refundableMinor(state: SettlementState, paymentReference: string): number {
  const payment = state.payments.find((p) => p.reference === paymentReference);
  if (!payment) return 0;
  const refunded = (state.refunds ?? []).filter((r) => r.paymentReference === paymentReference).reduce((sum, r) => sum + r.amountMinor, 0);
  return payment.amountMinor - refunded;
}

/** The payment a refund gives back when none is named: the latest with enough left to refund. */
export function paymentToRefund(state: SettlementState, amountMinor: number): PaymentRecord | null {
  for (let i = state.payments.length - 1; i >= 0; i -= 1) {
    const payment = state.payments[i] as PaymentRecord;
    if (refundableMinor(state, payment.reference) >= amountMinor) return payment;
  }
  return null;
}

/**
 * A refund of `amountMinor`, of which `fromCreditMinor` came out of the customer's credit: the rest
 * is taken back from what the invoice was paid, and a paid invoice is due again.
 */
export function afterRefund(
  state: SettlementState,
  refund: { amountMinor: number; fromCreditMinor: number },
  nowMs: number,
): { amountPaidMinor: number; status: InvoiceStatus } {
  const amountPaidMinor = state.amountPaidMinor - (refund.amountMinor - refund.fromCreditMinor);
  const due = amountDueMinor({ ...state, amountPaidMinor });
  const status = state.status === 'paid' && due > 0 ? unpaidStatus(state, nowMs) : state.status;
  return { amountPaidMinor, status };
}

/**
 * What a credit note may still take off: what was invoiced (lines and late fees) less every credit
 * note issued on it, also the parts that went to the customer's credit (a paid invoice's notes lower
 * nothing due, so counting only what they applied would let its notes credit it again and again).
 */
export function creditableMinor(state: SettlementState): number {
  const noted = (state.creditNotes ?? []).reduce((sum, note) => sum + note.amountMinor, 0);
  return state.draft.totalMinor + feesMinor(state) - Math.max(state.creditedMinor ?? 0, noted);
}

/**
 * Voiding an issued invoice: a credit note for what is left to credit, split as any credit note is
 * (up to the amount due it cancels what is owed; the rest, what was paid and not yet credited back,
 * becomes the customer's credit). Without earlier credit notes the credit is what was paid.
 */
export function voidSettlement(state: SettlementState): { amountMinor: number; appliedMinor: number; creditMinor: number } {
  const amountMinor = creditableMinor(state);
  const appliedMinor = Math.min(amountMinor, amountDueMinor(state));
  return { amountMinor, appliedMinor, creditMinor: amountMinor - appliedMinor };
}

/**
 * A credit note of `amountMinor`: up to the amount due lowers it, the rest is the customer's credit.
 * An open invoice it leaves owing nothing is settled (status paid, as a payment would leave it).
 */
export function afterCreditNote(
  state: SettlementState,
  amountMinor: number,
): { appliedMinor: number; creditMinor: number; creditedMinor: number; status: InvoiceStatus } {
  const appliedMinor = Math.min(amountMinor, amountDueMinor(state));
  const creditedMinor = (state.creditedMinor ?? 0) + appliedMinor;
  const settled = amountDueMinor({ ...state, creditedMinor }) === 0 && !isTerminal(state.status);
  return { appliedMinor, creditMinor: amountMinor - appliedMinor, creditedMinor, status: settled ? 'paid' : state.status };
}

/** Where an invoice that owes money again stands: overdue once its due date has passed, else open. */
export function unpaidStatus(state: Pick<InvoiceState, 'dueAt'>, nowMs: number): 'open' | 'overdue' {
  return state.dueAt !== null && Date.parse(state.dueAt) <= nowMs ? 'overdue' : 'open';
}

/** Where a resolved dispute leaves the invoice: paid when nothing is due, else open or overdue by its due date. */
export function afterDispute(state: SettlementState, nowMs: number): InvoiceStatus {
  return amountDueMinor(state) === 0 ? 'paid' : unpaidStatus(state, nowMs);
}

/** Fills in what states stored before refunds and credit notes lack, so one shape is handled everywhere. */
export function withSettlementDefaults(state: InvoiceState): InvoiceState {
  const stored = state as Partial<InvoiceState> & Omit<InvoiceState, 'refunds' | 'creditNotes' | 'creditedMinor' | 'paymentFailures'>;
  return {
    ...state,
    refunds: stored.refunds ?? [],
    creditNotes: stored.creditNotes ?? [],
    creditedMinor: stored.creditedMinor ?? 0,
    paymentFailures: stored.paymentFailures ?? [],
  };
}
