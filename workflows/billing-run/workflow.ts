import {
  ActivityFailure,
  ChildWorkflowFailure,
  continueAsNew,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { RunInvoice } from '../../activities/billing-runs';
import { addToTotals } from '../../src/domain/billing-run';
import { draftSearchAttributes, startSearchAttributes } from '../../src/temporal/search-attributes';
import { invoiceWorkflowId } from '../../src/temporal/workflow-ids';
import { dbActivity } from '../activity-options';
import { INVOICE_REVISION } from '../invoice/messages';
import type { invoiceWorkflow } from '../invoice/workflow';
import { type BillingRunInput, type BillingRunProgress, billingRunProgressQuery, cancelBillingRunSignal } from './messages';
import { inWindows } from '../windows';

const db = proxyActivities<Activities>(dbActivity);

/**
 * Customers and currencies planned per page. A run continues as new after every page, so its
 * history stays far below Temporal's 51,200-event and 50 MB limits (about 70 events a page: each
 * batch's activity and workflow task), however many customers it bills. Runs started before
 * batches start each invoice as a child (two events each, and a pending child until continue-as-new):
 * a page keeps them below the 2,000 pending children a workflow may have (limit.numPendingChildExecutions).
 */
export const PAGE_SIZE = 200;
/**
 * Customers billed by one activity: its three events and workflow task serve them all. Each
 * customer is billed in its own transaction, so a retried batch finds the work already done.
 */
export const BATCH_SIZE = 20;
/** Batches being billed at once: a sliding window of 40 invoices, well below the 2,000 pending activities a workflow may have. */
export const BATCH_WINDOW = 2;
/** Invoices being made at once by runs started before batches (one activity per customer) and by dry runs. */
export const WINDOW = 20;
/** Runs started before batches bill one customer per activity (their histories say so). */
const BATCHES_PATCH = 'billing-run-batches';

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
  if (!input.dryRun && patched(BATCHES_PATCH)) await billInBatches(input, page, progress);
  else {
    await inWindows(page, WINDOW, async (group) => {
      if (progress.cancelled) return;
      const made = await count(input, progress, [group], () => (input.dryRun ? preview(input, group) : bill(input, group)));
      if (made) madeOne(progress, group, made);
    });
  }
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

/**
 * Bills the page `BATCH_SIZE` customers per activity, `BATCH_WINDOW` batches at once. The activity
 * records each invoice and starts its workflow: the run's history holds three events per batch,
 * not a child's two per invoice, and no pending children.
 */
async function billInBatches(input: BillingRunInput, page: readonly Group[], progress: BillingRunProgress): Promise<void> {
  const batches = Array.from({ length: Math.ceil(page.length / BATCH_SIZE) }, (_, i) => page.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE));
  await inWindows(batches, BATCH_WINDOW, async (groups) => {
    if (progress.cancelled) return;
    const outcomes = await count(input, progress, groups, () =>
      db.billCustomers({ runId: input.runId, period: input.period, groups, createdBy: input.createdBy, numberPrefix: input.settings.numberPrefix, settings: input.settings }),
    );
    for (const [i, outcome] of (outcomes ?? []).entries()) {
      const group = groups[i] as Group;
      if ('failed' in outcome) failedOne(input, progress, group, outcome.failed);
      else if (outcome.invoice) madeOne(progress, group, outcome.invoice);
    }
  });
}

/** Runs one step of the run; a step that failed for good counts its customers as failed, and the run goes on. */
async function count<T>(input: BillingRunInput, progress: BillingRunProgress, groups: readonly Group[], step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof ActivityFailure || error instanceof ChildWorkflowFailure)) throw error;
    for (const group of groups) failedOne(input, progress, group, error.message);
    return null;
  }
}

function madeOne(progress: BillingRunProgress, group: Group, made: { totalMinor: number }): void {
  progress.created += 1;
  progress.totals = addToTotals(progress.totals, group.currency, made.totalMinor);
}

function failedOne(input: BillingRunInput, progress: BillingRunProgress, group: Group, error: string): void {
  progress.failed += 1;
  log.warn('a customer of the run could not be billed', { runId: input.runId, ...group, error });
}

/** One customer per activity (runs started before batches): records the invoice, then starts its workflow. */
async function bill(input: BillingRunInput, group: Group): Promise<{ totalMinor: number } | null> {
  const made = await db.billCustomer({ runId: input.runId, period: input.period, group, createdBy: input.createdBy, numberPrefix: input.settings.numberPrefix });
  return made ? startInvoice(input, made) : null;
}

/**
 * Starts the workflow of an invoice the run recorded (which outlives the run), from the state
 * recorded: issued when approved by policy, else a draft waiting for a person.
 */
async function startInvoice(input: BillingRunInput, made: RunInvoice): Promise<{ totalMinor: number }> {
  const { draft, issued, customer, policy } = made;
  try {
    await startChild<typeof invoiceWorkflow>('invoiceWorkflow', {
      workflowId: invoiceWorkflowId(draft.id),
      args: [{ draft, customer, policy, settings: input.settings, revision: INVOICE_REVISION, ...(issued ? { resume: issued } : {}) }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: issued ? startSearchAttributes(issued) : draftSearchAttributes(draft),
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
