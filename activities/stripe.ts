import { ApplicationFailure } from '@temporalio/activity';
import Stripe from 'stripe';
import { ErrorCode } from '../src/errors';

export interface StripeDeps {
  /** Null when Stripe is not configured: a card refund is then refused. */
  stripe?: Stripe | null;
}

/**
 * Stripe errors that no retry can change: Stripe answered and said no (4xx). Connection trouble,
 * Stripe's own 5xx (StripeAPIError) and rate limits are transient: Temporal retries them, and the
 * idempotency key makes every retry the same refund.
 */
function isRefusal(error: unknown): error is Stripe.errors.StripeError {
  return (
    error instanceof Stripe.errors.StripeCardError ||
    error instanceof Stripe.errors.StripeInvalidRequestError ||
    error instanceof Stripe.errors.StripeIdempotencyError ||
    error instanceof Stripe.errors.StripePermissionError ||
    error instanceof Stripe.errors.StripeAuthenticationError
  );
}

/** The invoice workflow's calls to Stripe. */
export function createStripeActivities(deps: StripeDeps) {
  return {
    /**
     * Gives back part or all of a card payment through Stripe, once per idempotency key (the
     * workflow derives it from the invoice and the refund command): Stripe answers a retried
     * request with the refund it already made.
     */
    refundCardPayment: async (args: { invoiceId: string; paymentIntentId: string; amountMinor: number; idempotencyKey: string }): Promise<{ refundId: string }> => {
      if (!deps.stripe) {
        throw ApplicationFailure.nonRetryable('Stripe is not configured (STRIPE_SECRET_KEY): a card payment cannot be refunded', ErrorCode.validationFailed);
      }
      try {
        const refund = await deps.stripe.refunds.create(
          { payment_intent: args.paymentIntentId, amount: args.amountMinor, metadata: { invoiceId: args.invoiceId } },
          { idempotencyKey: args.idempotencyKey },
        );
        return { refundId: refund.id };
      } catch (error) {
        if (isRefusal(error)) {
          // A conflict for the caller (409 with Stripe's reason): billflow took the request, Stripe's state refused it.
          throw ApplicationFailure.nonRetryable(`Stripe refused the refund: ${error.message}`, ErrorCode.conflict, { stripeCode: error.code ?? null });
        }
        throw error;
      }
    },
  };
}
