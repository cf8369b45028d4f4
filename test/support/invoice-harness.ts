/** Runs one invoice workflow on the time-skipping server with fake activities, for test/workflows. */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Activities } from '../../activities';
import { DEFAULT_DUNNING_POLICY, type DunningPolicy } from '../../src/domain/dunning';
import { type DraftRequest, type InvoiceState, issuedByPolicy } from '../../src/domain/invoice';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes';
import { draftSearchAttributes, startSearchAttributes } from '../../src/temporal/search-attributes';
import type { CustomerSnapshot } from '../../src/domain/customer';
import { INVOICE_REVISION, invoiceStateQuery, type InvoiceWorkflowInput } from '../../workflows/invoice/messages';
import { invoiceWorkflow } from '../../workflows/invoice/workflow';
import { workflowBundle } from './billflow';
import { sampleCustomer, sampleDraft } from './invoices';
export { TOTAL } from './invoices';
import { fakeActivities } from './fake-activities';
import { testEnv } from './test-env';

/**
 * A time-skipping environment for a test file: one for the whole file, or a fresh one per test
 * where tests skip time. The Java test server can stop skipping time for good after a refused
 * Update or a query that meets a workflow task in flight, and one test must not stall the next.
 */
export function useTimeSkipping(scope: 'file' | 'test'): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  const [before, after] = scope === 'file' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testEnv('timeSkippingServer') } },
    });
    await registerSearchAttributes(env.connection, 'default');
  });
  after(async () => {
    await env?.teardown();
    env = undefined;
  });
  return () => {
    if (!env) throw new Error('the time-skipping environment is not running');
    return env;
  };
}

export const operator = { principal: 'olivia', role: 'operator' as const };
export const approver = { principal: 'arthur', role: 'approver' as const };


export interface Run {
  handle: WorkflowHandle<typeof invoiceWorkflow>;
  fakes: ReturnType<typeof fakeActivities>;
  /**
   * Polls the workflow's state (real time) until `predicate` holds. It queries only once the
   * activities have been quiet for a moment: the time-skipping test server stops skipping time for
   * good when a query arrives while a workflow task is in flight.
   */
  until: (predicate: (s: InvoiceState) => boolean) => Promise<InvoiceState>;
}

/** Starts an invoice on its own task queue with fake activities, runs `body`, stops the worker. */
export async function withInvoice(
  env: TestWorkflowEnvironment,
  options: {
    approval?: CustomerSnapshot['approval'];
    policy?: DunningPolicy;
    overrides?: Partial<Activities>;
    draft?: Partial<DraftRequest>;
    /** Started as a billing run starts an invoice it approved by policy and issued (src/db/run-invoices.ts). */
    issuedByRun?: boolean;
  },
  body: (run: Run) => Promise<void>,
): Promise<ReturnType<typeof fakeActivities>> {
  const fakes = fakeActivities(options.overrides);
  const taskQueue = `wf-${randomBytes(4).toString('hex')}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
  const id = `inv_${randomBytes(5).toString('hex')}`;
  const draft = options.issuedByRun ? { ...sampleDraft(id, options.draft), billingRunId: 'run_2026-10' } : sampleDraft(id, options.draft);
  const now = new Date().toISOString();
  const input: InvoiceWorkflowInput = {
    draft,
    customer: sampleCustomer(options.approval ?? 'always'),
    policy: options.policy ?? DEFAULT_DUNNING_POLICY,
    settings: { approvalEscalationAfter: 'P2D', numberPrefix: 'INV' },
    revision: INVOICE_REVISION,
    ...(options.issuedByRun
      ? { resume: issuedByPolicy(draft, { approval: { principal: 'system', decision: 'auto_approved', at: now, reason: 'below the threshold' }, number: 'INV-2026-000001', issuedAt: now }) }
      : {}),
  };
  await worker.runUntil(async () => {
    // As the api and the billing run start it: with the search attributes of the state it starts from.
    const handle = await env.client.workflow.start(invoiceWorkflow, {
      workflowId: `invoice:${id}`,
      taskQueue,
      args: [input],
      typedSearchAttributes: input.resume ? startSearchAttributes(input.resume) : draftSearchAttributes(input.draft),
    });
    const until = async (predicate: (s: InvoiceState) => boolean) => {
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (fakes.quietFor() < 300) continue;
        const state = await handle.query(invoiceStateQuery);
        if (predicate(state)) return state;
      }
      throw new Error(`state never matched: ${JSON.stringify({ ...(await handle.query(invoiceStateQuery)), draft: undefined })}`);
    };
    try {
      await body({ handle, fakes, until });
    } finally {
      // A workflow left running would get timer tasks no worker polls once this one stops, and
      // the time-skipping server does not skip time past an unanswered workflow task.
      await handle.terminate('test finished').catch(() => undefined);
    }
  });
  return fakes;
}

export async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

export const templatesSent = (fakes: ReturnType<typeof fakeActivities>) =>
  fakes.argsOf<{ step: { template: string } }>('sendReminder').map((a) => a.step.template);

