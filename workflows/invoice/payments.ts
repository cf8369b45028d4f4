import { setHandler } from '@temporalio/workflow';
import { amountDueMinor, isTerminal, type PaymentRecord, splitPayment } from '../../src/domain/invoice';
import { isSystem } from '../../src/domain/actor';
import { MAX_AMOUNT_MINOR } from '../../src/domain/money';
import { assertText, db, type InvoiceContext, nowIso, PAYERS, refuse } from './context';
import { type PaymentCommand, recordPaymentUpdate } from './messages';

/**
 * Payments, one at a time against the balance as it is when each is applied: up to the amount due
 * pays the invoice, the rest is the customer's credit. A reference already recorded on the invoice
 * answers as a repeat and pays nothing (the database enforces it too).
 */
export function acceptPayments(invoice: InvoiceContext): void {
  const recorded = (reference: string) => invoice.state.payments.some((p) => p.reference === reference);

  setHandler(
    recordPaymentUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        if (recorded(cmd.reference)) return { duplicate: true, state: invoice.state };
        // The invoice may have been paid or voided while this payment waited for the lock.
        if (!moneyForAPaidInvoice(invoice, cmd)) invoice.assertAllowed('recordPayment');
        const { state, customer } = invoice;
        const split = splitPayment(state, cmd.amountMinor);
        const payment: PaymentRecord = {
          reference: cmd.reference,
          amountMinor: cmd.amountMinor,
          ...split,
          method: cmd.method,
          receivedAt: cmd.receivedAt,
          recordedBy: cmd.principal,
          recordedAt: nowIso(),
        };
        const next = { payments: [...state.payments, payment], amountPaidMinor: state.amountPaidMinor + split.appliedMinor };
        const paidInFull = amountDueMinor({ ...state, ...next }) === 0 && !isTerminal(state.status);
        await invoice.commit(
          { ...next, ...(paidInFull ? { status: 'paid' as const } : {}) },
          {
            type: paidInFull ? 'paid' : 'payment_received',
            actor: cmd.principal,
            detail: { reference: cmd.reference, amountMinor: cmd.amountMinor, method: cmd.method, appliedMinor: split.appliedMinor, creditMinor: split.creditMinor },
          },
          (snapshot, event) => db.applyPayment({ customerId: customer.id, currency: state.draft.currency, payment, snapshot, event }),
        );
        return { duplicate: false, state: invoice.state };
      }),
    {
      validator: (cmd: PaymentCommand) => {
        if (recorded(cmd.reference)) return;
        if (!moneyForAPaidInvoice(invoice, cmd)) invoice.assertCommand('recordPayment', cmd, PAYERS);
        if (!Number.isSafeInteger(cmd.amountMinor) || cmd.amountMinor <= 0 || cmd.amountMinor > MAX_AMOUNT_MINOR) {
          refuse('validation_failed', `amountMinor must be a whole number of minor units from 1 to ${MAX_AMOUNT_MINOR}`, { path: 'amountMinor' });
        }
        if (!cmd.reference.trim()) refuse('validation_failed', 'a reference is required', { path: 'reference' });
        assertText(cmd.reference, 'reference', 'single-line');
      },
    },
  );
}

/**
 * Money Stripe or the bank received for an invoice already paid (paid twice, by card and by
 * transfer) is not refused: it came in, so it is recorded, all of it the customer's credit, to be
 * refunded or used. A person recording a payment on a paid invoice is refused (409) as before.
 */
function moneyForAPaidInvoice(invoice: InvoiceContext, cmd: PaymentCommand): boolean {
  return invoice.revision >= 4 && isSystem(cmd) && (PAYERS.systems ?? []).includes(cmd.system) && invoice.state.status === 'paid';
}
