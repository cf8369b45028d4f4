import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createStripeActivities } from '../../activities/stripe';
import { freePort } from '../../scripts/stack/ports';
import { createStripeClient } from '../../src/services/stripe';
import { testEnv } from '../support/test-env';

/**
 * refundCardPayment's retry rules: Stripe's refusal and a missing configuration fail for good (with
 * the reason), connection trouble and Stripe's own errors are left to Temporal's retries.
 */

const args = { invoiceId: 'inv_1', paymentIntentId: 'pi_1', amountMinor: 2500, idempotencyKey: 'refund:inv_1:rf_1' };

/** A Stripe that answers every request with `status` and `body`. */
async function stripeAnswering(status: number, body: object): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

test('when Stripe refunds, then the activity returns the refund id (stripe-mock)', async () => {
  const { refundCardPayment } = createStripeActivities({ stripe: createStripeClient({ secretKey: 'sk_test_123', apiBase: testEnv('stripeMock'), webhookSecret: undefined }) });
  expect(await refundCardPayment(args)).toEqual({ refundId: expect.stringMatching(/^re_/) });
});

test('when Stripe is not configured, then the refund fails for good as validation_failed saying so', async () => {
  const { refundCardPayment } = createStripeActivities({ stripe: null });
  const error = await failureOf(refundCardPayment(args));
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'validation_failed', nonRetryable: true, message: expect.stringContaining('Stripe is not configured') });
});

test('when Stripe refuses the request, then the refund fails for good with Stripe\'s message', async () => {
  const stripe = await stripeAnswering(400, { error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: 'Charge ch_1 has already been refunded.' } });
  try {
    const { refundCardPayment } = createStripeActivities({ stripe: createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url, webhookSecret: undefined }) });
    const error = await failureOf(refundCardPayment(args));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'conflict', nonRetryable: true, message: expect.stringContaining('Charge ch_1 has already been refunded.') });
  } finally {
    stripe.server.close();
  }
});

test.each([
  ['Stripe cannot be reached', async () => ({ url: `http://127.0.0.1:${await freePort()}`, stop: () => undefined })],
  [
    'Stripe fails with a 500',
    async () => {
      const s = await stripeAnswering(500, { error: { type: 'api_error', message: 'Something went wrong on our end.' } });
      return { url: s.url, stop: () => s.server.close() };
    },
  ],
])('when %s, then the error is left for Temporal to retry', async (_name, start) => {
  const stripe = await start();
  try {
    const { refundCardPayment } = createStripeActivities({ stripe: createStripeClient({ secretKey: 'sk_test_123', apiBase: stripe.url, webhookSecret: undefined }) });
    const error = await failureOf(refundCardPayment(args));
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(error).toBeInstanceOf(Error);
  } finally {
    stripe.stop();
  }
});
