import {
  ActivityFailure,
  ChildWorkflowFailure,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import { addToTotals } from '../../src/domain/billing-run';
import { draftSearchAttributes } from '../../src/temporal/search-attributes';
import { invoiceWorkflowId } from '../../src/temporal/workflow-ids';
import { dbActivity } from '../activity-options';
import { INVOICE_REVISION } from '../invoice/messages';
import type { invoiceWorkflow } from '../invoice/workflow';
import { type BillingRunInput, type BillingRunProgress, billingRunProgressQuery, cancelBillingRunSignal } from './messages';

const db = proxyActivities<Activities>(dbActivity);

/**
 * Customers and currencies planned per page. Each page costs about 6 history events per invoice
 * (activity scheduled, started, completed; child initiated, started) plus a few: a run continues as
 * new after every page, so its history stays far below Temporal's 51,200-event and 50 MB limits and
 * its pending children below the 2,000 a workflow may have (limit.numPendingChildExecutions), however
 * many customers it bills.
 */
export const PAGE_SIZE = 200;
/** Invoices being made at once: a sliding window, well below the 2,000 pending activities a workflow may have. */
export const WINDOW = 20;

const START: BillingRunProgress = { after: null, pages: 0, planned: 0, created: 0, failed: 0, totals: [], cancelled: false };

/**
 * A billing run: every pending charge of the period or earlier becomes a line of one invoice per
 * customer and currency, and each invoice then lives its own life in the ordinary invoice workflow
 * (approval policy, gapless number, email, dunning). Workflow id: `billing-run:<runId>`.
 *
 * plan a page → make its invoices, `WINDOW` at a time → record progress → continue as new → … until
 * no customer is left or the run is cancelled. A dry run stores previews instead of invoices.
 */
export async function billingRunWorkflow(input: BillingRunInput): Promise<BillingRunProgress> {
  const progress: BillingRunProgress = { ...START, ...input.resume };
  setHandler(billingRunProgressQuery, () => progress);
  setHandler(cancelBillingRunSignal, () => {
    progress.cancelled = true;
  });

  const page = progress.cancelled ? [] : await planPage(input, progress);
  progress.planned += page.length;
  await inWindows(page, WINDOW, async (group) => {
    if (progress.cancelled) return;
    try {
      const made = await (input.dryRun ? preview(input, group) : bill(input, group));
      if (!made) return;
      progress.created += 1;
      progress.totals = addToTotals(progress.totals, group.currency, made.totalMinor);
    } catch (error) {
      if (!(error instanceof ActivityFailure || error instanceof ChildWorkflowFailure)) throw error;
      progress.failed += 1;
      log.warn('a customer of the run could not be billed', { runId: input.runId, ...group, error: error.message });
    }
  });
  const last = page[page.length - 1];
  progress.after = last ?? progress.after;
  progress.pages += 1;

  const done = progress.cancelled || page.length < PAGE_SIZE;
  await db.recordBillingRunProgress({
    runId: input.runId,
    seq: progress.pages,
    progress: countsOf(progress),
    ...(done ? { end: { status: progress.cancelled ? 'cancelled' : 'completed', finishedAt: new Date().toISOString() } } : {}),
  });
  if (done) return progress;
  return continueAsNew<typeof billingRunWorkflow>({ ...input, resume: progress });
}

type Group = { customerId: string; currency: string };

/** What the run's row records of its progress. */
function countsOf({ planned, created, failed, totals }: BillingRunProgress) {
  return { planned, created, failed, totals };
}

/** The next page of customers; a database gone for good ends the run as failed (its row says so), then fails it. */
async function planPage(input: BillingRunInput, progress: BillingRunProgress): Promise<Group[]> {
  try {
    return await db.planBillingRunPage({ period: input.period, customerIds: input.customerIds, after: progress.after, limit: PAGE_SIZE });
  } catch (error) {
    if (error instanceof ActivityFailure) {
      await db.recordBillingRunProgress({ runId: input.runId, seq: progress.pages + 1, progress: countsOf(progress), end: { status: 'failed', finishedAt: new Date().toISOString() } });
    }
    throw error;
  }
}

/** Records the invoice with its charges claimed, then starts its workflow (which outlives the run). */
async function bill(input: BillingRunInput, group: Group): Promise<{ totalMinor: number } | null> {
  const made = await db.billCustomer({ runId: input.runId, period: input.period, group, createdBy: input.createdBy });
  if (!made) return null;
  const { draft, customer, policy } = made;
  try {
    await startChild<typeof invoiceWorkflow>('invoiceWorkflow', {
      workflowId: invoiceWorkflowId(draft.id),
      args: [{ draft, customer, policy, settings: input.settings, revision: INVOICE_REVISION }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: draftSearchAttributes(draft),
    });
  } catch (error) {
    // Started before (a run restarted by hand): the invoice is there and running.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return { totalMinor: draft.totalMinor };
}

function preview(input: BillingRunInput, group: Group): Promise<{ totalMinor: number } | null> {
  return db.previewCustomer({ runId: input.runId, period: input.period, group });
}

/** Runs `work` over `items` with at most `size` at once, in order of start (deterministic). */
async function inWindows<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
}
