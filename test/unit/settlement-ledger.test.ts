import fc from 'fast-check';
import { amountDueMinor, feesMinor, initialInvoiceState, type InvoiceState, isAllowed, splitPayment } from '../../src/domain/invoice';
import { afterCreditNote, afterDispute, afterRefund, creditableMinor, paymentToRefund, refundableMinor, unpaidStatus, voidSettlement } from '../../src/domain/settlement';
import { sampleDraft } from '../support/invoices';

/**
 * One customer in one currency, driven through any sequence of invoices, payments, refunds, credit
 * notes, disputes, write-offs and voids by the same rules the invoice workflow applies
 * (src/domain/invoice.ts, src/domain/settlement.ts). After every step:
 *
 *   invoiced + credit = received − refunded + credited + written off + outstanding
 *
 * and no invoice owes less than nothing, no invoice holds less than nothing paid, and the customer's
 * credit (the only place money beyond what is owed may go) is never negative.
 */

type Op =
  | { kind: 'issue'; totalMinor: number }
  | { kind: 'pay'; invoice: number; amountMinor: number }
  | { kind: 'refund'; invoice: number; amountMinor: number }
  | { kind: 'creditNote'; invoice: number; amountMinor: number }
  | { kind: 'overdue'; invoice: number }
  | { kind: 'dispute'; invoice: number }
  | { kind: 'resolve'; invoice: number }
  | { kind: 'writeOff'; invoice: number }
  | { kind: 'void'; invoice: number };

const amount = fc.integer({ min: 1, max: 50_000 });
const which = fc.nat({ max: 7 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: amount.map((totalMinor) => ({ kind: 'issue' as const, totalMinor })) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pay' as const), invoice: which, amountMinor: amount }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), invoice: which, amountMinor: amount }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('creditNote' as const), invoice: which, amountMinor: amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overdue' as const), invoice: which }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dispute' as const), invoice: which }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resolve' as const), invoice: which }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('writeOff' as const), invoice: which }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), invoice: which }) },
);

class Ledger {
  readonly invoices: InvoiceState[] = [];
  credit = 0;
  received = 0;
  refunded = 0;
  credited = 0;
  writtenOff = 0;
  private now = Date.parse('2026-03-01T00:00:00Z');

  apply(o: Op): void {
    this.now += 3_600_000;
    if (o.kind === 'issue') return this.issue(o.totalMinor);
    const invoice = this.invoices[o.invoice % Math.max(1, this.invoices.length)];
    if (!invoice) return;
    switch (o.kind) {
      case 'pay':
        return this.pay(invoice, o.amountMinor);
      case 'refund':
        return this.refund(invoice, o.amountMinor);
      case 'creditNote':
        return this.creditNote(invoice, o.amountMinor);
      case 'overdue':
        if (invoice.status === 'open') invoice.status = 'overdue';
        return;
      case 'dispute':
        if (isAllowed('dispute', invoice.status)) Object.assign(invoice, { disputedFrom: invoice.status, status: 'disputed' });
        return;
      case 'resolve':
        if (isAllowed('resolveDispute', invoice.status)) invoice.status = afterDispute(invoice, this.now);
        return;
      case 'writeOff':
        if (!isAllowed('writeOff', invoice.status)) return;
        this.writtenOff += amountDueMinor(invoice);
        invoice.status = 'uncollectible';
        return;
      case 'void':
        return this.void(invoice);
    }
  }

  private issue(totalMinor: number): void {
    const draft = { ...sampleDraft(`inv_${this.invoices.length}`), subtotalMinor: totalMinor, taxMinor: 0, totalMinor };
    const dueAt = new Date(this.now + 10 * 86_400_000).toISOString();
    this.invoices.push({ ...initialInvoiceState(draft), status: 'open', number: `INV-${this.invoices.length}`, dueAt, issuedAt: new Date(this.now).toISOString() });
  }

  private pay(invoice: InvoiceState, amountMinor: number): void {
    if (!isAllowed('recordPayment', invoice.status)) return;
    const split = splitPayment(invoice, amountMinor);
    const reference = `p${invoice.payments.length}`;
    invoice.payments.push({ reference, amountMinor, ...split, method: 'card', receivedAt: '', recordedBy: 'test', recordedAt: '' });
    invoice.amountPaidMinor += split.appliedMinor;
    if (amountDueMinor(invoice) === 0) invoice.status = 'paid';
    this.credit += split.creditMinor;
    this.received += amountMinor;
  }

  private refund(invoice: InvoiceState, amountMinor: number): void {
    if (!isAllowed('refund', invoice.status)) return;
    const payment = paymentToRefund(invoice, amountMinor);
    if (!payment) return;
    expect(refundableMinor(invoice, payment.reference)).toBeGreaterThanOrEqual(amountMinor);
    const fromCreditMinor = Math.min(amountMinor, this.credit);
    const after = afterRefund(invoice, { amountMinor, fromCreditMinor }, this.now);
    // The workflow refuses a refund the invoice and the credit cannot hold; nothing changes.
    if (after.amountPaidMinor < 0) return;
    invoice.refunds.push({ reference: `r${invoice.refunds.length}`, paymentReference: payment.reference, amountMinor, fromCreditMinor, method: 'card', reason: 'x', recordedBy: 'test', recordedAt: '' });
    Object.assign(invoice, after);
    this.credit -= fromCreditMinor;
    this.refunded += amountMinor;
  }

  private creditNote(invoice: InvoiceState, amountMinor: number): void {
    if (!isAllowed('creditNote', invoice.status)) return;
    const amount = Math.min(amountMinor, creditableMinor(invoice));
    if (amount <= 0) return;
    const after = afterCreditNote(invoice, amount);
    invoice.creditNotes.push({ number: `CN-${invoice.creditNotes.length}`, key: `k${invoice.creditNotes.length}`, amountMinor: amount, appliedMinor: after.appliedMinor, creditMinor: after.creditMinor, reason: 'x', lines: null, issuedBy: 'test', issuedAt: '' });
    invoice.creditedMinor = after.creditedMinor;
    invoice.status = after.status;
    this.credit += after.creditMinor;
    this.credited += amount;
  }

  /** As the workflow voids: a credit note for what is left to credit, and what was paid becomes credit. */
  private void(invoice: InvoiceState): void {
    if (!isAllowed('void', invoice.status)) return;
    const note = voidSettlement(invoice);
    invoice.creditNotes.push({ number: 'CN-void', key: 'void', amountMinor: note.amountMinor, appliedMinor: note.appliedMinor, creditMinor: note.creditMinor, reason: 'void', lines: null, issuedBy: 'test', issuedAt: '' });
    this.credited += note.amountMinor;
    this.credit += note.creditMinor;
    invoice.status = 'void';
  }

  outstanding(): number {
    return this.invoices.filter((i) => i.status !== 'void' && i.status !== 'uncollectible').reduce((sum, i) => sum + amountDueMinor(i), 0);
  }

  invoiced(): number {
    return this.invoices.reduce((sum, i) => sum + i.draft.totalMinor + feesMinor(i), 0);
  }
}

describe('the settlement ledger', () => {
  it('invoiced + credit = received − refunded + credited + written off + outstanding, after every step', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const ledger = new Ledger();
        for (const o of ops) {
          ledger.apply(o);
          expect(ledger.invoiced() + ledger.credit).toBe(ledger.received - ledger.refunded + ledger.credited + ledger.writtenOff + ledger.outstanding());
          expect(ledger.credit).toBeGreaterThanOrEqual(0);
          for (const invoice of ledger.invoices) {
            expect(invoice.amountPaidMinor).toBeGreaterThanOrEqual(0);
            expect(invoice.creditedMinor).toBeGreaterThanOrEqual(0);
            expect(invoice.amountPaidMinor + invoice.creditedMinor).toBeLessThanOrEqual(invoice.draft.totalMinor + feesMinor(invoice));
            // Credit notes (the void's included) never credit more than was invoiced, however much was paid.
            expect(invoice.creditNotes.reduce((sum, note) => sum + note.amountMinor, 0)).toBeLessThanOrEqual(invoice.draft.totalMinor + feesMinor(invoice));
            // Paid means nothing is due, and nothing due on an open invoice means it was settled.
            if (invoice.status === 'paid') expect(amountDueMinor(invoice)).toBe(0);
            if (invoice.status === 'open' || invoice.status === 'overdue') expect(amountDueMinor(invoice)).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('refunds and credit notes on one invoice', () => {
  const invoice = (): InvoiceState => {
    const draft = { ...sampleDraft('inv_x'), subtotalMinor: 10_000, taxMinor: 0, totalMinor: 10_000 };
    return { ...initialInvoiceState(draft), status: 'open', number: 'INV-1', issuedAt: '2026-03-01T00:00:00Z', dueAt: '2026-03-31T00:00:00Z' };
  };
  const paid = (): InvoiceState => {
    const i = invoice();
    i.payments.push({ reference: 'pi_1', amountMinor: 10_000, appliedMinor: 10_000, creditMinor: 0, method: 'card', receivedAt: '', recordedBy: 'system:stripe', recordedAt: '' });
    return { ...i, amountPaidMinor: 10_000, status: 'paid' };
  };

  it('a refund with no credit to spend makes a paid invoice due again, overdue after its due date', () => {
    expect(afterRefund(paid(), { amountMinor: 4_000, fromCreditMinor: 0 }, Date.parse('2026-03-10T00:00:00Z'))).toEqual({ amountPaidMinor: 6_000, status: 'open' });
    expect(afterRefund(paid(), { amountMinor: 4_000, fromCreditMinor: 0 }, Date.parse('2026-04-10T00:00:00Z'))).toEqual({ amountPaidMinor: 6_000, status: 'overdue' });
  });

  it('a refund of credit (a credit note beyond the amount due) leaves a paid invoice paid', () => {
    const settled = paid();
    const note = afterCreditNote(settled, 3_000);
    expect(note).toEqual({ appliedMinor: 0, creditMinor: 3_000, creditedMinor: 0, status: 'paid' });
    expect(afterRefund(settled, { amountMinor: 3_000, fromCreditMinor: 3_000 }, Date.now())).toEqual({ amountPaidMinor: 10_000, status: 'paid' });
  });

  it('credit notes on a paid invoice, all of them credit, never add up to more than was invoiced; voiding it then credits only what is left', () => {
    const settled = paid();
    const first = afterCreditNote(settled, 10_000);
    expect(first).toMatchObject({ appliedMinor: 0, creditMinor: 10_000 });
    settled.creditNotes.push({ number: 'CN-1', key: 'a', amountMinor: 10_000, appliedMinor: 0, creditMinor: 10_000, reason: 'x', lines: null, issuedBy: 't', issuedAt: '' });
    expect(creditableMinor(settled)).toBe(0);
    // What was paid (10,000) is back with the customer as credit once, not twice.
    expect(voidSettlement(settled)).toEqual({ amountMinor: 0, appliedMinor: 0, creditMinor: 0 });
    expect(voidSettlement(paid())).toEqual({ amountMinor: 10_000, appliedMinor: 0, creditMinor: 10_000 });
  });

  it('a credit note lowers the amount due, settles an invoice it covers, and cannot credit more than was invoiced', () => {
    const open = invoice();
    expect(afterCreditNote(open, 2_500)).toEqual({ appliedMinor: 2_500, creditMinor: 0, creditedMinor: 2_500, status: 'open' });
    expect(afterCreditNote(open, 10_000)).toEqual({ appliedMinor: 10_000, creditMinor: 0, creditedMinor: 10_000, status: 'paid' });
    expect(creditableMinor({ ...open, creditedMinor: 2_500 })).toBe(7_500);
  });

  it('a refund gives back the latest payment with enough left, and never more than a payment received', () => {
    const i = invoice();
    i.payments.push(
      { reference: 'a', amountMinor: 6_000, appliedMinor: 6_000, creditMinor: 0, method: 'cash', receivedAt: '', recordedBy: 'o', recordedAt: '' },
      { reference: 'b', amountMinor: 2_000, appliedMinor: 2_000, creditMinor: 0, method: 'cash', receivedAt: '', recordedBy: 'o', recordedAt: '' },
    );
    expect(paymentToRefund(i, 2_000)?.reference).toBe('b');
    expect(paymentToRefund(i, 5_000)?.reference).toBe('a');
    i.refunds.push({ reference: 'r', paymentReference: 'a', amountMinor: 5_000, fromCreditMinor: 0, method: 'cash', reason: 'x', recordedBy: 'o', recordedAt: '' });
    expect(refundableMinor(i, 'a')).toBe(1_000);
    expect(paymentToRefund(i, 3_000)).toBeNull();
  });

  it('an invoice due again is overdue only once its due date has passed', () => {
    expect(unpaidStatus({ dueAt: '2026-03-31T00:00:00Z' }, Date.parse('2026-03-31T00:00:00Z'))).toBe('overdue');
    expect(unpaidStatus({ dueAt: null }, Date.now())).toBe('open');
  });
});
