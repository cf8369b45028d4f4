import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * What an activity that gave up failed with, or null for any other error. An ordinary activity's
 * failure arrives wrapped in an ActivityFailure; a local activity's own failure arrives as itself
 * (sdk-core wraps only a local activity's timeouts and cancellations). Call it only around code
 * that runs activities, where the workflow itself throws no ApplicationFailure.
 */
export function activityFailure(error: unknown): Error | null {
  if (error instanceof ActivityFailure) return error.cause ?? error;
  if (error instanceof ApplicationFailure) return error;
  return null;
}
