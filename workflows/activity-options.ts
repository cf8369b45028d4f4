import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Named presets rather than one-off timeouts. Retries are unlimited in count but bounded in time by
 * the schedule-to-close timeout; permanent failures are thrown non-retryable by the activities.
 */
export const dbActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
