import {
  type Client,
  isGrpcDeadlineError,
  QueryRejectedError,
  WorkflowClient,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { billingRunProgressQuery, cancelBillingRunSignal } from '../../workflows/billing-run/messages';
import { billingRunWorkflow } from '../../workflows/billing-run/workflow';
import type { Config } from '../config';
import {
  type BillingRun,
  type CurrencyTotal,
  findBillingRun,
  insertBillingRun,
  invoiceCountsByRun,
  knownCustomerIds,
  listBillingRuns,
  listRunInvoices,
  listRunPreviews,
  type PreviewCursor,
  type RunPreview,
  type RunProgress,
  runInvoiceCounts,
} from '../db/billing-runs';
import type { Sql } from '../db/client';
import type { PageCursor } from '../db/customers';
import type { Person } from '../domain/actor';
import { assertPeriod } from '../domain/charge';
import type { InvoiceFacts } from '../domain/invoice';
import { AppError, asValidationError, ErrorCode, notFound, validationError } from '../errors';
import { couldBeRowId, idFromSeed, newId } from '../ids';
import { BillingRunIdKey } from '../temporal/search-attributes';
import { billingRunWorkflowId } from '../temporal/workflow-ids';
import { factsOf } from './invoices';

/** A run names at most this many customers (its list travels in the workflow's input). */
export const MAX_RUN_CUSTOMERS = 10_000;

/** How long a reader waits for the run's live progress before taking the progress last recorded. */
const LIVE_PROGRESS_TIMEOUT_MS = 3_000;

/**
 * The billing run use cases, for every way in (the api now; schedules next). The run is done by its
 * workflow (`billing-run:<runId>`), which alone writes its progress; this module stores the run's
 * row, starts the workflow, cancels it, and reads what it did. Errors are AppErrors.
 */
export interface BillingRunService {
  /**
   * Starts a run, or answers the run already there: a real run's id is its period, so a period
   * posted again (or at the same time) finds the first one, whatever its customers; `created` is
   * true for exactly one of them.
   */
  start(request: BillingRunRequest): Promise<{ run: BillingRun; created: boolean }>;
  /** The run with its counts, live while it runs; 404 when no such run. */
  get(id: string): Promise<BillingRunReport>;
  /** Runs oldest first, their counts as last recorded. */
  list(page: { limit: number; after: PageCursor | null }): Promise<BillingRunReport[]>;
  /** Asks a running run to stop before its next invoice; 409 naming the status of one that ended. */
  cancel(id: string): Promise<BillingRun>;
  /** The stored run, without counts; null when no such run. */
  find(id: string): Promise<BillingRun | null>;
  /** A page of a real run's invoices, oldest first. */
  invoices(runId: string, limit: number, after: PageCursor | null): Promise<InvoiceFacts[]>;
  /** A page of a dry run's previews, by customer and currency. */
  previews(runId: string, limit: number, after: PreviewCursor | null): Promise<RunPreview[]>;
}

export interface BillingRunRequest {
  period: string;
  /** Only these customers; null for every customer with pending charges. */
  customerIds: string[] | null;
  dryRun: boolean;
  by: Person;
  now: string;
  /** From the request's Idempotency-Key: a retried dry run finds the run it started. */
  seed?: string | null;
}

/** A run as readers see it: what it planned and did, and what became of its invoices. */
export interface BillingRunReport {
  id: string;
  period: string;
  status: BillingRun['status'];
  dryRun: boolean;
  counts: { planned: number; created: number; issued: number; sent: number; failed: number };
  totals: CurrencyTotal[];
  startedAt: string;
  finishedAt: string | null;
}

/**
 * A real run is the period's own (`run_2026-10`): its id is the business key that makes a second
 * run of the period impossible. Dry runs are as many as asked for, and their ids say so.
 */
export function billingRunId(period: string, dryRun: boolean, seed: string | null): string {
  if (!dryRun) return `run_${period}`;
  const suffix = (seed ? idFromSeed('run', seed) : newId('run')).slice('run_'.length);
  return `run_${period}_dry_${suffix}`;
}

function reportOf(run: BillingRun, progress: RunProgress, invoices: { issued: number; sent: number }): BillingRunReport {
  return {
    id: run.id,
    period: run.period,
    status: run.status,
    dryRun: run.dryRun,
    counts: { planned: progress.planned, created: progress.created, issued: invoices.issued, sent: invoices.sent, failed: progress.failed },
    totals: progress.totals,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

export function createBillingRunService(sql: Sql, client: Client, config: Pick<Config, 'temporal' | 'approval' | 'invoiceNumberPrefix'>): BillingRunService {
  const handleOf = (runId: string) => client.workflow.getHandle(billingRunWorkflowId(runId));
  // Live progress is asked only of a run that is still open: a closed one has recorded its last page,
  // and asking it would replay its history on a worker.
  const openRuns = new WorkflowClient({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.dataConverter,
    queryRejectCondition: 'NOT_OPEN',
  });

  /** Validates the customers named, each by its index; refused before anything is written. */
  async function assertCustomers(customerIds: string[]): Promise<string[]> {
    if (customerIds.length > MAX_RUN_CUSTOMERS) throw validationError('customerIds', `at most ${MAX_RUN_CUSTOMERS} customers a run`);
    const known = await knownCustomerIds(sql, customerIds.filter(couldBeRowId));
    const unknown = customerIds.findIndex((id) => !known.has(id));
    if (unknown >= 0) throw validationError(`customerIds.${unknown}`, `customer ${customerIds[unknown]} does not exist`);
    return [...new Set(customerIds)];
  }

  /** Starts the run's workflow unless it was started before (by an earlier or a concurrent request). */
  async function ensureStarted(run: BillingRun): Promise<void> {
    try {
      await client.workflow.start(billingRunWorkflow, {
        workflowId: billingRunWorkflowId(run.id),
        taskQueue: config.temporal.taskQueue,
        args: [
          {
            runId: run.id,
            period: run.period,
            customerIds: run.customerIds,
            dryRun: run.dryRun,
            createdBy: run.createdBy,
            settings: { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix },
          },
        ],
        // A period is billed once: its run's id is never reused, not even after the run has closed.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        typedSearchAttributes: [{ key: BillingRunIdKey, value: run.id }],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  }

  /** The workflow's own count while the run is open (the row lags a page behind); else the row's. */
  async function progressOf(run: BillingRun): Promise<RunProgress> {
    if (run.status !== 'running') return run;
    try {
      const live = await client.connection.withDeadline(Date.now() + LIVE_PROGRESS_TIMEOUT_MS, () =>
        openRuns.getHandle(billingRunWorkflowId(run.id)).query(billingRunProgressQuery),
      );
      return { planned: live.planned, created: live.created, failed: live.failed, totals: live.totals };
    } catch (error) {
      // Closed since the row was read, never started (its start failed), or no worker answers in time.
      if (error instanceof WorkflowNotFoundError || error instanceof QueryRejectedError || isGrpcDeadlineError(error)) return run;
      throw error;
    }
  }

  async function load(id: string): Promise<BillingRun> {
    const run = couldBeRowId(id) ? await findBillingRun(sql, id) : null;
    if (!run) throw notFound('billing run', id);
    return run;
  }

  const ended = (run: BillingRun) =>
    new AppError({ code: ErrorCode.conflict, message: `the billing run is ${run.status}: only a running run can be cancelled`, extra: { status: run.status } });

  return {
    async start(request) {
      try {
        assertPeriod(request.period);
      } catch (error) {
        throw asValidationError(error);
      }
      const customerIds = request.customerIds === null ? null : await assertCustomers(request.customerIds);
      const { run, inserted } = await insertBillingRun(sql, {
        id: billingRunId(request.period, request.dryRun, request.seed ?? null),
        period: request.period,
        dryRun: request.dryRun,
        customerIds,
        createdBy: request.by.principal,
        startedAt: request.now,
      });
      // Also for a run found stored: the request that stored it may have failed before its start.
      // The workflow is started from the stored run, not from this request.
      if (run.status === 'running') await ensureStarted(run);
      return { run, created: inserted };
    },

    async get(id) {
      const run = await load(id);
      const [progress, invoices] = await Promise.all([progressOf(run), runInvoiceCounts(sql, run.id)]);
      return reportOf(run, progress, invoices);
    },

    async list(page) {
      const runs = await listBillingRuns(sql, page);
      const counts = await invoiceCountsByRun(sql, runs.map((r) => r.id));
      return runs.map((run) => reportOf(run, run, counts.get(run.id) ?? { issued: 0, sent: 0 }));
    },

    async cancel(id) {
      const run = await load(id);
      if (run.status !== 'running') throw ended(run);
      try {
        await handleOf(run.id).signal(cancelBillingRunSignal);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        const now = await load(id);
        if (now.status !== 'running') throw ended(now);
        throw new AppError({ code: ErrorCode.conflict, message: 'the billing run\'s workflow is not running', extra: { status: now.status } });
      }
      return run;
    },

    find: async (id) => (couldBeRowId(id) ? findBillingRun(sql, id) : null),

    invoices: async (runId, limit, after) =>
      (await listRunInvoices(sql, runId, limit, after)).map(({ delivery, ...record }) => factsOf({ record, approvals: [], payments: [], refunds: [], creditNotes: [], fees: [], delivery })),

    previews: (runId, limit, after) => listRunPreviews(sql, runId, limit, after),
  };
}
