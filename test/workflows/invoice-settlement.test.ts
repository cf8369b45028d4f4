import { ApplicationFailure } from '@temporalio/common';
import { systemActor } from '../../src/domain/actor';
import {
  creditNoteUpdate,
  disputeUpdate,
  invoiceStateQuery,
  paymentFailureUpdate,
  recordPaymentUpdate,
  refundUpdate,
  resolveDisputeUpdate,
} from '../../workflows/invoice/messages';
import { operator, refusal, TOTAL, useTimeSkipping, withInvoice } from '../support/invoice-harness';

/** Refunds, credit notes, chargebacks and failed card payments on the time-skipping server, with fake activities. */
const env = useTimeSkipping('test');
const stripe = systemActor('stripe');
const now = () => new Date().toISOString();
const cardPayment = { ...stripe, amountMinor: TOTAL, method: 'card' as const, reference: 'pi_1', receivedAt: '2026-01-01T00:00:00.000Z' };

test('when a paid card invoice is refunded in part, then Stripe refunds it once, the invoice is due again and back in dunning', async () => {
  const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    expect((await handle.executeUpdate(recordPaymentUpdate, { args: [cardPayment] })).state.status).toBe('paid');
    // The workflow stays for the settlement window, so the refund reaches it.
    const refund = { ...operator, amountMinor: 5000, reason: 'one seat cancelled', requestKey: 'rf_1' };
    const first = await handle.executeUpdate(refundUpdate, { args: [refund] });
    expect(first).toMatchObject({ duplicate: false, refund: { reference: expect.stringMatching(/^re_/), paymentReference: 'pi_1', amountMinor: 5000, fromCreditMinor: 0 } });
    expect(first.state).toMatchObject({ status: 'open', amountPaidMinor: TOTAL - 5000 });
    const again = await handle.executeUpdate(refundUpdate, { args: [refund] });
    expect(again).toMatchObject({ duplicate: true, refund: { reference: first.refund?.reference } });
    // Stripe's own event about the same refund records nothing more.
    const event = await handle.executeUpdate(refundUpdate, { args: [{ ...stripe, amountMinor: 5000, reason: 'requested_by_customer', reference: first.refund?.reference }] });
    expect(event.duplicate).toBe(true);
    await env().sleep('31 days');
    await until((s) => s.status === 'overdue' && s.dunningLevel > 0);
  });
  expect(fakes.argsOf('refundCardPayment')).toEqual([expect.objectContaining({ paymentIntentId: 'pi_1', amountMinor: 5000, idempotencyKey: expect.stringContaining('rf_1') })]);
  expect(fakes.argsOf('applyRefund')).toHaveLength(1);
});

test('when a refund gives back an over-payment, then it comes out of the customer credit and the invoice stays paid', async () => {
  const fakes = await withInvoice(env(), { approval: 'never', overrides: { holdRefundCredit: ({ maxMinor }: { maxMinor: number }) => Promise.resolve({ heldMinor: Math.min(maxMinor, 700) }) } }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: TOTAL + 700, method: 'bank_transfer', reference: 'TX-1', receivedAt: now() }] });
    const refund = await handle.executeUpdate(refundUpdate, { args: [{ ...operator, amountMinor: 700, reason: 'paid too much', requestKey: 'rf_2' }] });
    expect(refund).toMatchObject({ refund: { reference: 'refund:rf_2', fromCreditMinor: 700, method: 'bank_transfer' }, state: { status: 'paid', amountPaidMinor: TOTAL } });
    const tooMuch = await refusal(handle.executeUpdate(refundUpdate, { args: [{ ...operator, amountMinor: TOTAL + 1, reason: 'x', requestKey: 'rf_3' }] }));
    expect(tooMuch.type).toBe('validation_failed');
    expect(tooMuch.details?.[0]).toEqual({ path: 'amountMinor' });
  });
  // A bank transfer is refunded by hand: only recorded.
  expect(fakes.argsOf('refundCardPayment')).toHaveLength(0);
});

test('when Stripe refuses a card refund that took credit, then the refusal is answered and the credit taken goes back', async () => {
  const stripeSaysNo = () => Promise.reject(ApplicationFailure.nonRetryable('Stripe refused the refund: charge_already_refunded', 'conflict'));
  const fakes = await withInvoice(
    env(),
    { approval: 'never', overrides: { holdRefundCredit: ({ maxMinor }: { maxMinor: number }) => Promise.resolve({ heldMinor: Math.min(maxMinor, 300) }), refundCardPayment: stripeSaysNo } },
    async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      await handle.executeUpdate(recordPaymentUpdate, { args: [cardPayment] });
      const refused = await refusal(handle.executeUpdate(refundUpdate, { args: [{ ...operator, amountMinor: 1000, reason: 'returned', requestKey: 'rf_no' }] }));
      expect(refused).toMatchObject({ type: 'conflict', message: expect.stringMatching(/charge_already_refunded/) });
      expect((await handle.query(invoiceStateQuery)).refunds).toEqual([]);
    },
  );
  expect(fakes.argsOf('holdRefundCredit')).toEqual([expect.objectContaining({ key: expect.stringContaining('request:rf_no'), maxMinor: 1000 })]);
  expect(fakes.argsOf('releaseRefundCredit')).toEqual([{ key: fakes.argsOf<{ key: string }>('holdRefundCredit')[0]?.key }]);
  expect(fakes.argsOf('applyRefund')).toHaveLength(0);
});

test('when a card refund is more than the invoice and the credit it could take hold, then it is refused before Stripe is asked', async () => {
  // The payment is 100.00 on the invoice; the 20.00 of credit it once left was spent elsewhere.
  const fakes = await withInvoice(env(), { approval: 'never', overrides: { holdRefundCredit: () => Promise.resolve({ heldMinor: 0 }) } }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...cardPayment, amountMinor: TOTAL + 2000 }] });
    const refused = await refusal(handle.executeUpdate(refundUpdate, { args: [{ ...operator, amountMinor: TOTAL + 2000, reason: 'all of it', requestKey: 'rf_all' }] }));
    expect(refused).toMatchObject({ type: 'conflict' });
  });
  expect(fakes.argsOf('refundCardPayment')).toHaveLength(0);
  expect(fakes.argsOf('applyRefund')).toHaveLength(0);
});

test('when credit notes are issued, then each lowers the amount due, the one that covers it settles the invoice, and the rest is credit', async () => {
  const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    const first = await handle.executeUpdate(creditNoteUpdate, { args: [{ ...operator, amountMinor: 1000, reason: 'late delivery', requestKey: 'cn_1' }] });
    expect(first).toMatchObject({ duplicate: false, number: expect.stringMatching(/^CN-\d{4}-\d{6}$/), state: { status: 'open', creditedMinor: 1000 } });
    expect((await handle.executeUpdate(creditNoteUpdate, { args: [{ ...operator, amountMinor: 1000, reason: 'late delivery', requestKey: 'cn_1' }] })).duplicate).toBe(true);
    const byLine = await handle.executeUpdate(creditNoteUpdate, {
      args: [{ ...operator, lines: [{ description: 'Returned', quantity: '1', unitPriceMinor: 1000, taxRateBps: 0, discountBps: 0 }], reason: 'returned', requestKey: 'cn_2' }],
    });
    expect(byLine.state.creditNotes[1]).toMatchObject({ amountMinor: 1000, lines: [expect.objectContaining({ description: 'Returned', totalMinor: 1000 })] });
    const over = await refusal(handle.executeUpdate(creditNoteUpdate, { args: [{ ...operator, amountMinor: TOTAL, reason: 'all', requestKey: 'cn_3' }] }));
    expect(over).toMatchObject({ type: 'validation_failed', message: expect.stringMatching(/left to credit/) });
    const rest = await handle.executeUpdate(creditNoteUpdate, { args: [{ ...operator, amountMinor: TOTAL - 2000, reason: 'goodwill', requestKey: 'cn_4' }] });
    expect(rest.state).toMatchObject({ status: 'paid', creditedMinor: TOTAL });
  });
  const notes = fakes.argsOf<{ creditNote: { appliedMinor: number; creditMinor: number } }>('applyCreditNote').map((a) => a.creditNote);
  expect(notes.map((n) => [n.appliedMinor, n.creditMinor])).toEqual([
    [1000, 0],
    [1000, 0],
    [TOTAL - 2000, 0],
  ]);
});

test('when Stripe opens a chargeback on a paid invoice and it is won, then the invoice is paid again; a person cannot report a failed payment', async () => {
  await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    const failed = await handle.executeUpdate(paymentFailureUpdate, { args: [{ ...stripe, reference: 'pi_0:evt_1', message: 'card declined', at: now() }] });
    expect(failed.duplicate).toBe(false);
    expect((await handle.executeUpdate(paymentFailureUpdate, { args: [{ ...stripe, reference: 'pi_0:evt_1', message: 'card declined', at: now() }] })).duplicate).toBe(true);
    expect((await refusal(handle.executeUpdate(paymentFailureUpdate, { args: [{ ...operator, reference: 'x', message: 'y', at: now() }] }))).type).toBe('forbidden');
    await handle.executeUpdate(recordPaymentUpdate, { args: [cardPayment] });
    expect((await handle.executeUpdate(disputeUpdate, { args: [{ ...stripe, reason: 'fraudulent' }] })).status).toBe('disputed');
    expect((await handle.executeUpdate(resolveDisputeUpdate, { args: [{ ...stripe, reason: 'won' }] })).status).toBe('paid');
    const state = await handle.query(invoiceStateQuery);
    expect(state.paymentFailures).toEqual([expect.objectContaining({ reference: 'pi_0:evt_1', message: 'card declined' })]);
  });
});

test('when a paid invoice has no change for the settlement window, then its workflow completes and takes no more commands', async () => {
  await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: TOTAL, method: 'cash', reference: 'C-1', receivedAt: now() }] });
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'paid', amountPaidMinor: TOTAL });
    const described = await handle.describe();
    expect(described.closeTime && described.closeTime.getTime() - Date.parse(final.payments[0]?.recordedAt ?? '')).toBeGreaterThanOrEqual(180 * 86_400_000);
  });
});

test('when Stripe or the bank receive money for an invoice already paid, then it is recorded as the customer credit; a person is refused', async () => {
  const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.status === 'open');
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: TOTAL, method: 'bank_transfer', reference: 'TX-1', receivedAt: now() }] });
    const twice = await handle.executeUpdate(recordPaymentUpdate, { args: [cardPayment] });
    expect(twice).toMatchObject({ duplicate: false, state: { status: 'paid', amountPaidMinor: TOTAL } });
    expect(twice.state.payments[1]).toMatchObject({ reference: 'pi_1', appliedMinor: 0, creditMinor: TOTAL });
    const byHand = await refusal(handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 100, method: 'cash', reference: 'C-1', receivedAt: now() }] }));
    expect(byHand).toMatchObject({ type: 'conflict', details: [{ status: 'paid' }] });
  });
  expect(fakes.argsOf<{ payment: { creditMinor: number } }>('applyPayment').map((a) => a.payment.creditMinor)).toEqual([0, TOTAL]);
});
