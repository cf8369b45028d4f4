import express, { Router } from 'express';
import Stripe from 'stripe';
import { AppError, ErrorCode, validationError } from '../../errors';
import { handleStripeEvent, type StripeWebhookDeps } from '../../services/stripe';

/** Stripe's events are small (a few kB); this bounds what an unverified caller can make billflow hash. */
const MAX_EVENT_BYTES = '512kb';

/**
 * POST /webhooks/stripe: Stripe's events, no API key. The `Stripe-Signature` header is checked over
 * the raw body exactly as it arrived (a parsed and re-serialized body would not match), with the
 * stripe package's default tolerance of 300 seconds: a bad or stale signature is a 400 and applies
 * nothing. A verified event is applied once (src/services/stripe.ts); one the invoice cannot take
 * yet is a 409, so Stripe delivers it again later.
 */
export function stripeWebhookRoutes(deps: StripeWebhookDeps & { webhookSecret: string | undefined }): Router {
  const router = Router();
  router.post('/webhooks/stripe', express.raw({ type: 'application/json', limit: MAX_EVENT_BYTES }), async (req, res) => {
    if (!deps.webhookSecret) throw new AppError({ code: ErrorCode.notFound, message: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)' });
    if (!Buffer.isBuffer(req.body)) throw new AppError({ code: ErrorCode.unsupportedMediaType, message: 'send the event as application/json' });
    const signature = req.get('stripe-signature');
    if (!signature) throw validationError('Stripe-Signature', 'is required');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(req.body, signature, deps.webhookSecret);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw validationError('Stripe-Signature', 'does not verify over the body with the webhook secret, or is too old');
      }
      // constructEvent parses the body after the signature verified: Stripe signed something that is not JSON.
      throw validationError('(body)', 'is not a Stripe event');
    }
    const result = await handleStripeEvent(deps, event);
    if (result.outcome === 'deferred') {
      throw new AppError({ code: ErrorCode.conflict, message: `the invoice cannot take this event yet: ${result.detail ?? ''}`, extra: { eventId: event.id } });
    }
    res.json({ received: true, eventId: event.id, outcome: result.outcome, repeat: result.repeat, ...(result.invoiceId ? { invoiceId: result.invoiceId } : {}) });
  });
  return router;
}
