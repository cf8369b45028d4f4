import {
  log,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import { previousPeriod } from '../../src/domain/billing-period';
import { BillingRunIdKey } from '../../src/temporal/search-attributes';
import { billingRunWorkflowId } from '../../src/temporal/workflow-ids';
import { dbActivity } from '../activity-options';
import type { billingRunWorkflow } from '../billing-run/workflow';
import type { ScheduledBillingRunInput, ScheduledBillingRunResult } from './messages';

const db = proxyActivities<Activities>(dbActivity);

/** Set by the Schedule on each workflow it starts: the nominal time it fired (a trigger's: the trigger's). */
const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * A billing schedule's action: bills the month just ended in the schedule's time zone, by running
 * that period's billing run as a child. The child's id is the period's (`billing-run:run_<period>`,
 * as POST /billing-runs starts it) and is never reused, so a schedule, its triggers and a manual run
 * bill a period once between them: whichever comes second finds the run and ends here.
 */
export async function scheduledBillingRunWorkflow(input: ScheduledBillingRunInput): Promise<ScheduledBillingRunResult> {
  const period = previousPeriod(scheduledTime(input), input.timeZone);
  const runId = `run_${period}`;

  const stored = await db.recordScheduledBillingRun({ runId, period, createdBy: input.createdBy });
  if (stored.status !== 'running') return alreadyBilled(input, runId, period, stored.status);

  let run;
  try {
    run = await startChild<typeof billingRunWorkflow>('billingRunWorkflow', {
      workflowId: billingRunWorkflowId(runId),
      args: [{ runId, period, customerIds: null, dryRun: false, createdBy: input.createdBy, settings: input.settings }],
      // A period is billed once: its run's id is never reused, not even after the run has closed.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // The run is the business process; ending this wrapper (a deleted schedule) must not end it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: BillingRunIdKey, value: runId }],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return alreadyBilled(input, runId, period, 'running');
    throw error;
  }
  log.info('scheduled billing run started', { scheduleName: input.scheduleName, runId, period });
  // Waiting keeps the schedule's overlap policy meaningful: the next firing waits for this run.
  await run.result();
  return { runId, period, outcome: 'started' };
}

function scheduledTime(input: ScheduledBillingRunInput): Date {
  if (input.scheduledAt !== undefined) return new Date(input.scheduledAt);
  const info = workflowInfo();
  return info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
}

function alreadyBilled(input: ScheduledBillingRunInput, runId: string, period: string, status: string): ScheduledBillingRunResult {
  log.info('the period has a billing run already', { scheduleName: input.scheduleName, runId, period, status });
  return { runId, period, outcome: 'already-billed' };
}
