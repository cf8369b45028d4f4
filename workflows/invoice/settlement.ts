import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { isSystem } from '../../src/domain/actor';
import type { CreditNoteRecord, RefundRecord } from '../../src/domain/invoice';
import { priceLines, totalsOf } from '../../src/domain/lines';
import { MAX_AMOUNT_MINOR } from '../../src/domain/money';
import { afterCreditNote, afterRefund, creditableMinor, paymentToRefund, refundableMinor } from '../../src/domain/settlement';
import { assertText, db, type InvoiceContext, nowIso, OPERATORS, PAYERS, refuse, refuseDomainError, stripe } from './context';
import { type CreditNoteCommand, creditNoteUpdate, type PaymentFailureCommand, paymentFailureUpdate, type RefundCommand, refundUpdate } from './messages';

/**
 * Refunds, credit notes and failed card payments. Each is applied one at a time against the
 * invoice as it is then, stored before it changes the state, and once per reference or key.
 */
export function acceptSettlements(invoice: InvoiceContext): void {
  acceptRefunds(invoice);
  acceptCreditNotes(invoice);
  acceptPaymentFailures(invoice);
}

/** Refunds: through Stripe for a card payment Stripe recorded, recorded as they are for the rest. */
function acceptRefunds(invoice: InvoiceContext): void {
  // A refund is the same refund when it has the same reference, or came from the same request.
  const earlier = (cmd: RefundCommand) =>
    invoice.state.refunds.find((r) => (cmd.reference !== undefined && r.reference === cmd.reference) || (cmd.requestKey !== undefined && r.requestKey === cmd.requestKey));
  const repeat = (refund: RefundRecord | undefined) => ({ duplicate: true, refund: refund ?? null, state: invoice.state });

  setHandler(
    refundUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        if (earlier(cmd)) return repeat(earlier(cmd));
        invoice.assertAllowed('refund');
        const { state, customer } = invoice;
        const currency = state.draft.currency;
        const payment = paymentOf(invoice, cmd);
        const byStripe = cmd.reference === undefined && payment.method === 'card' && payment.recordedBy === 'system:stripe';
        // Every check comes before Stripe is asked: once Stripe has paid money back, billflow must
        // record it. What the refund takes from the customer's credit is taken first, under a key of
        // its own, so that a refund on another invoice cannot spend it meanwhile.
        const creditKey = `refund:${invoice.invoiceId}:${cmd.reference ?? `request:${cmd.requestKey ?? ''}`}`;
        const { heldMinor: fromCreditMinor } = await invoice.store(() =>
          db.holdRefundCredit({ key: creditKey, customerId: customer.id, invoiceId: invoice.invoiceId, currency, maxMinor: cmd.amountMinor, at: nowIso() }),
        );
        const release = async () => {
          if (fromCreditMinor > 0) await invoice.store(() => db.releaseRefundCredit({ key: creditKey }));
        };
        const after = afterRefund(state, { amountMinor: cmd.amountMinor, fromCreditMinor }, Date.now());
        if (after.amountPaidMinor < 0) {
          await release();
          refuse('conflict', "the refund is more than the invoice and the customer's credit hold", { status: state.status });
        }
        let reference = cmd.reference ?? `refund:${cmd.requestKey ?? ''}`;
        if (byStripe) {
          try {
            const made = await invoice.store(() =>
              stripe.refundCardPayment({ invoiceId: invoice.invoiceId, paymentIntentId: payment.reference, amountMinor: cmd.amountMinor, idempotencyKey: `refund:${invoice.invoiceId}:${cmd.requestKey ?? ''}` }),
            );
            reference = made.refundId;
          } catch (error) {
            // Stripe said no (a conflict): no money moved, so the credit goes back. Any other failure
            // keeps it taken: the refund may have been made, and the same request again (its
            // idempotency key) finds it at Stripe and records it with the credit taken now.
            if (error instanceof ApplicationFailure && error.type === 'conflict') await release();
            throw error;
          }
          // Stripe's event about this refund was recorded first (a repeated request whose first try
          // timed out): that record took its own credit.
          const recorded = state.refunds.find((r) => r.reference === reference);
          if (recorded) {
            await release();
            return repeat(recorded);
          }
        }
        const refund: RefundRecord = {
          reference,
          paymentReference: payment.reference,
          amountMinor: cmd.amountMinor,
          fromCreditMinor,
          method: payment.method,
          reason: cmd.reason,
          recordedBy: cmd.principal,
          recordedAt: nowIso(),
          ...(cmd.requestKey !== undefined ? { requestKey: cmd.requestKey } : {}),
        };
        await invoice.commit(
          { ...after, refunds: [...state.refunds, refund] },
          {
            type: 'refunded',
            actor: cmd.principal,
            detail: { reference, paymentReference: payment.reference, amountMinor: refund.amountMinor, fromCreditMinor: refund.fromCreditMinor, reason: cmd.reason, method: refund.method },
          },
          (snapshot, event) => db.applyRefund({ customerId: customer.id, currency, refund, creditKey, snapshot, event }),
        );
        return { duplicate: false, refund, state: invoice.state };
      }),
    {
      validator: (cmd: RefundCommand) => {
        if (earlier(cmd)) return;
        invoice.assertCommand('refund', cmd, PAYERS);
        assertAmount(cmd.amountMinor);
        if (!cmd.reason.trim()) refuse('validation_failed', 'a reason is required', { path: 'reason' });
        assertText(cmd.reason, 'reason');
        if (cmd.reference !== undefined) assertText(cmd.reference, 'reference', 'single-line');
        if (cmd.reference === undefined && !cmd.requestKey) refuse('validation_failed', 'a refund billflow makes needs a request key', { path: 'requestKey' });
        if (!invoice.lock.busy) paymentOf(invoice, cmd);
      },
    },
  );
}

/** The payment a refund gives back: the one named (with enough left), else the latest with enough left. */
function paymentOf(invoice: InvoiceContext, cmd: RefundCommand) {
  const { state } = invoice;
  if (cmd.paymentReference !== undefined) {
    const named = state.payments.find((p) => p.reference === cmd.paymentReference);
    if (!named) refuse('validation_failed', `the invoice has no payment ${cmd.paymentReference}`, { path: 'paymentReference' });
    const left = refundableMinor(state, named.reference);
    if (cmd.amountMinor > left) refuse('validation_failed', `payment ${named.reference} has ${left} minor units left to refund`, { path: 'amountMinor' });
    return named;
  }
  const payment = paymentToRefund(state, cmd.amountMinor);
  if (!payment) {
    const most = Math.max(0, ...state.payments.map((p) => refundableMinor(state, p.reference)));
    refuse('validation_failed', `no payment on the invoice has ${cmd.amountMinor} minor units left to refund (at most ${most})`, { path: 'amountMinor' });
  }
  return payment;
}

/** Credit notes, in their own gapless series: they lower the amount due; beyond it, the customer's credit. */
function acceptCreditNotes(invoice: InvoiceContext): void {
  const issued = (key: string) => invoice.state.creditNotes.find((c) => c.key === key);

  setHandler(
    creditNoteUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        const earlier = issued(cmd.requestKey);
        if (earlier) return { duplicate: true, number: earlier.number, state: invoice.state };
        invoice.assertAllowed('creditNote');
        const { state, customer } = invoice;
        const { amountMinor, lines } = creditOf(invoice, cmd);
        const after = afterCreditNote(state, amountMinor);
        const note: Omit<CreditNoteRecord, 'number'> = {
          key: cmd.requestKey,
          amountMinor,
          appliedMinor: after.appliedMinor,
          creditMinor: after.creditMinor,
          reason: cmd.reason,
          lines,
          issuedBy: cmd.principal,
          issuedAt: nowIso(),
        };
        let number = '';
        await invoice.commit(
          { status: after.status, creditedMinor: after.creditedMinor },
          { type: 'credited', actor: cmd.principal, detail: { amountMinor, appliedMinor: note.appliedMinor, creditMinor: note.creditMinor, reason: cmd.reason } },
          async (snapshot, event) => {
            number = await db.applyCreditNote({ customerId: customer.id, currency: state.draft.currency, prefix: 'CN', creditNote: note, snapshot, event });
            return { creditNotes: [...state.creditNotes, { ...note, number }] };
          },
        );
        return { duplicate: false, number, state: invoice.state };
      }),
    {
      validator: (cmd: CreditNoteCommand) => {
        if (issued(cmd.requestKey)) return;
        invoice.assertCommand('creditNote', cmd, OPERATORS);
        if (!cmd.reason.trim()) refuse('validation_failed', 'a reason is required', { path: 'reason' });
        assertText(cmd.reason, 'reason');
        if (!invoice.lock.busy) creditOf(invoice, cmd);
      },
    },
  );
}

/** The amount a credit note takes off (given, or its lines' total), no more than can still be credited. */
function creditOf(invoice: InvoiceContext, cmd: CreditNoteCommand): { amountMinor: number; lines: CreditNoteRecord['lines'] } {
  const { state } = invoice;
  if ((cmd.amountMinor === undefined) === (cmd.lines === undefined)) refuse('validation_failed', 'give either amountMinor or lines', { path: 'amountMinor' });
  let amountMinor = cmd.amountMinor ?? 0;
  let lines: CreditNoteRecord['lines'] = null;
  if (cmd.lines) {
    try {
      lines = priceLines(cmd.lines, state.draft.pricesIncludeTax);
    } catch (error) {
      refuseDomainError(error, 'lines');
    }
    amountMinor = totalsOf(lines).totalMinor;
  }
  const path = cmd.lines ? 'lines' : 'amountMinor';
  assertAmount(amountMinor, path);
  const left = creditableMinor(state);
  if (amountMinor > left) refuse('validation_failed', `at most ${left} minor units of the invoice are left to credit`, { path });
  return { amountMinor, lines };
}

/** A failed card payment goes on the timeline once; the invoice stays in dunning. */
function acceptPaymentFailures(invoice: InvoiceContext): void {
  const seen = (reference: string) => invoice.state.paymentFailures.some((f) => f.reference === reference);

  setHandler(
    paymentFailureUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        if (seen(cmd.reference)) return { duplicate: true };
        invoice.assertAllowed('recordPaymentFailure');
        const failure = { reference: cmd.reference, message: cmd.message, at: cmd.at };
        await invoice.commit(
          { paymentFailures: [...invoice.state.paymentFailures, failure] },
          { type: 'payment_failed', actor: cmd.principal, detail: { reference: cmd.reference, message: cmd.message, at: cmd.at } },
        );
        return { duplicate: false };
      }),
    {
      validator: (cmd: PaymentFailureCommand) => {
        if (seen(cmd.reference)) return;
        if (!isSystem(cmd)) refuse('forbidden', 'only a payment provider reports failed payments');
        invoice.assertCommand('recordPaymentFailure', cmd, PAYERS);
        assertText(cmd.reference, 'reference', 'single-line');
        assertText(cmd.message, 'message');
      },
    },
  );
}

function assertAmount(amountMinor: number, path = 'amountMinor'): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > MAX_AMOUNT_MINOR) {
    refuse('validation_failed', `${path} must come to a whole number of minor units from 1 to ${MAX_AMOUNT_MINOR}`, { path });
  }
}
