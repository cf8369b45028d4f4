import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Named presets rather than one-off timeouts. Retries are unlimited in count but bounded in time by
 * the schedule-to-close timeout; permanent failures are thrown non-retryable by the activities.
 */
export const dbActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * Email: SMTP servers refuse for minutes at a time (greylisting, outages), so retries back off to
 * ten minutes; after the last attempt the invoice shows delivery "failed" with the error.
 */
export const emailActivity: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 3, maximumInterval: '10 minutes', maximumAttempts: 6 },
};

/**
 * The invoice email of an invoice approved by policy, as a local activity (see invoice/workflow.ts).
 * Its first retry already waits on a durable timer, so a refusing SMTP server never holds the
 * workflow task (and commands arriving meanwhile) for more than one attempt.
 */
export const emailLocalActivity: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '1 second',
  retry: emailActivity.retry,
};

/**
 * Stripe: a person waits for a refund, so retries (network trouble, Stripe's 5xx) stop after two
 * minutes; Stripe's idempotency key makes every retry the same refund. Refusals fail at once.
 */
export const stripeActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds' },
};
