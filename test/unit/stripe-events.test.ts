import type Stripe from 'stripe';
import { checkoutIdempotencyKey, planFor, type StripeEventPlan } from '../../src/services/stripe';

/**
 * What each Stripe event asks of billflow, read from the event alone: which invoice, which
 * reference, which amount, and which events wait or are not billflow's.
 */

const created = 1_780_000_000;
const at = new Date(created * 1000).toISOString();

function event(type: string, object: object, id = 'evt_1'): Stripe.Event {
  return { id, object: 'event', type, created, data: { object }, livemode: false, api_version: null, pending_webhooks: 1, request: null } as unknown as Stripe.Event;
}

const metadata = { invoiceId: 'inv_1' };
const session = (overrides: object = {}) => ({ id: 'cs_1', object: 'checkout.session', payment_intent: 'pi_1', payment_status: 'paid', amount_total: 11900, currency: 'eur', metadata, ...overrides });
const intent = (overrides: object = {}) => ({ id: 'pi_1', object: 'payment_intent', amount_received: 11900, currency: 'eur', metadata, last_payment_error: null, ...overrides });
const refund = (overrides: object = {}) => ({ id: 're_1', object: 'refund', amount: 500, status: 'succeeded', reason: null, payment_intent: 'pi_1', metadata: {}, ...overrides });
const charge = (overrides: object = {}) => ({
  id: 'ch_1',
  object: 'charge',
  payment_intent: 'pi_1',
  amount_captured: 11900,
  currency: 'eur',
  created: created - 100,
  metadata,
  refunds: { object: 'list', has_more: false, data: [refund(), refund({ id: 're_2', amount: 300, reason: 'duplicate' }), refund({ id: 're_3', status: 'failed' })] },
  ...overrides,
});
const dispute = (status: string, overrides: object = {}) => ({ id: 'dp_1', object: 'dispute', payment_intent: 'pi_1', charge: 'ch_1', reason: 'fraudulent', status, metadata: {}, ...overrides });

const table: [name: string, event: Stripe.Event, plan: Partial<StripeEventPlan> & { kind: StripeEventPlan['kind'] }][] = [
  [
    'a paid checkout session pays the PaymentIntent',
    event('checkout.session.completed', session()),
    { kind: 'payment', invoiceId: 'inv_1', paymentIntentId: 'pi_1', amountMinor: 11900, currency: 'eur', receivedAt: at },
  ],
  ['a session still processing waits', event('checkout.session.completed', session({ payment_status: 'unpaid' })), { kind: 'ignore' }],
  ['its later success pays', event('checkout.session.async_payment_succeeded', session()), { kind: 'payment', paymentIntentId: 'pi_1' }],
  ['a session without the invoice is not billflow\'s', event('checkout.session.completed', session({ metadata: {} })), { kind: 'ignore' }],
  ['an expanded PaymentIntent is read by its id', event('checkout.session.completed', session({ payment_intent: { id: 'pi_9' } })), { kind: 'payment', paymentIntentId: 'pi_9' }],
  ['a succeeded PaymentIntent pays what it received', event('payment_intent.succeeded', intent({ amount_received: 5000 })), { kind: 'payment', amountMinor: 5000, paymentIntentId: 'pi_1' }],
  ['a PaymentIntent without the invoice is ignored', event('payment_intent.succeeded', intent({ metadata: {} })), { kind: 'ignore' }],
  [
    'a failed attempt is one failure per charge',
    event('payment_intent.payment_failed', intent({ last_payment_error: { charge: 'ch_9', message: 'Your card was declined.' } })),
    { kind: 'paymentFailure', reference: 'pi_1:ch_9', message: 'Your card was declined.', at },
  ],
  ['a failure without a charge is one per event', event('payment_intent.payment_failed', intent(), 'evt_7'), { kind: 'paymentFailure', reference: 'pi_1:evt_7' }],
  [
    'a refunded charge lists the refunds that give money back, and proves the payment',
    event('charge.refunded', charge()),
    {
      kind: 'refunds',
      ref: { invoiceId: 'inv_1', paymentIntentId: 'pi_1' },
      charge: { id: 'ch_1', amountCapturedMinor: 11900, currency: 'eur', createdAt: new Date((created - 100) * 1000).toISOString() },
      refunds: [
        { id: 're_1', amountMinor: 500, reason: 'refunded in Stripe' },
        { id: 're_2', amountMinor: 300, reason: 'refunded in Stripe (duplicate)' },
      ],
    },
  ],
  ['a refunded charge without its refunds asks Stripe for them', event('charge.refunded', charge({ refunds: undefined })), { kind: 'refunds', refunds: null }],
  ['a refund event is one refund, its invoice found by the PaymentIntent', event('refund.created', refund()), { kind: 'refunds', ref: { invoiceId: null, paymentIntentId: 'pi_1' }, charge: null }],
  ['a failed refund gave nothing back', event('refund.updated', refund({ status: 'failed' })), { kind: 'ignore' }],
  ['a dispute opens', event('charge.dispute.created', dispute('needs_response')), { kind: 'dispute', ref: { invoiceId: null, paymentIntentId: 'pi_1' }, disputeId: 'dp_1' }],
  ['a won dispute', event('charge.dispute.closed', dispute('won')), { kind: 'disputeClosed', outcome: 'won', chargeback: null }],
  ['a closed inquiry keeps the money', event('charge.dispute.closed', dispute('warning_closed')), { kind: 'disputeClosed', outcome: 'won' }],
  [
    'a lost dispute takes its amount back from the payment',
    event('charge.dispute.closed', dispute('lost', { amount: 11900 })),
    { kind: 'disputeClosed', outcome: 'lost', chargeback: { reference: 'dp_1', paymentReference: 'pi_1', amountMinor: 11900 } },
  ],
  ['another type', event('invoice.paid', { id: 'in_1' }), { kind: 'ignore' }],
];

describe('planFor', () => {
  test.each(table)('%s', (_name, e, plan) => {
    expect(planFor(e)).toMatchObject(plan);
  });
});

describe('checkoutIdempotencyKey', () => {
  test('when the invoice and the amount due are the same, then the key is the same; a new amount due is a new session', () => {
    expect(checkoutIdempotencyKey({ id: 'inv_1', dueMinor: 11900 })).toBe(checkoutIdempotencyKey({ id: 'inv_1', dueMinor: 11900 }));
    expect(checkoutIdempotencyKey({ id: 'inv_1', dueMinor: 4000 })).not.toBe(checkoutIdempotencyKey({ id: 'inv_1', dueMinor: 11900 }));
    expect(checkoutIdempotencyKey({ id: 'inv_2', dueMinor: 11900 })).not.toBe(checkoutIdempotencyKey({ id: 'inv_1', dueMinor: 11900 }));
  });
});
