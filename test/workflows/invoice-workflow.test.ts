import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Activities } from '../../activities';
import { createDraft, type InvoiceDraft } from '../../src/domain/invoice';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes';
import { invoiceStateQuery, invoiceWorkflow } from '../../workflows/invoice-workflow';
import { workflowBundle } from '../support/billflow';
import { testEnv } from '../support/test-env';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testEnv('timeSkippingServer') } },
  });
  await registerSearchAttributes(env.connection, 'default');
});

afterAll(async () => {
  await env?.teardown();
});

function draft(id: string): InvoiceDraft {
  return createDraft(
    {
      customerId: 'cus_1',
      currency: 'EUR',
      lines: [
        { description: 'Consulting', quantity: '2', unitPriceMinor: 10000, taxRateBps: 1900 },
        { description: 'Travel', quantity: '1', unitPriceMinor: 2550, taxRateBps: 0 },
      ],
      pricesIncludeTax: false,
      dueAt: null,
      paymentTermsDays: 30,
      dunningPolicyId: null,
      approval: 'policy',
      memo: null,
    },
    { id, createdBy: 'olivia', now: '2026-11-01T09:00:00.000Z' },
  );
}

/** A worker with typed fake activities on a task queue of its own. */
async function workerWith(activities: Partial<Activities>, taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
}

describe('invoiceWorkflow', () => {
  test('when an invoice is created, then its draft is recorded once and the workflow reports it as a draft', async () => {
    const recorded: InvoiceDraft[] = [];
    const taskQueue = `wf-${randomBytes(4).toString('hex')}`;
    const worker = await workerWith({ recordDraftInvoice: (d) => Promise.resolve(void recorded.push(d)) }, taskQueue);
    const id = `inv_${randomBytes(4).toString('hex')}`;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(invoiceWorkflow, { workflowId: `invoice:${id}`, taskQueue, args: [{ draft: draft(id) }] });
      // The query is answered from workflow state, after the first activity has run.
      let state = await handle.query(invoiceStateQuery);
      for (let i = 0; i < 50 && recorded.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = await handle.query(invoiceStateQuery);
      }
      expect(state.status).toBe('draft');
      expect(state.draft.totalMinor).toBe(2 * 11900 + 2550);
      expect(state.number).toBeNull();
    });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.id).toBe(id);
  });

  test('when recording the draft fails transiently, then it is retried until it succeeds', async () => {
    let attempts = 0;
    const taskQueue = `wf-${randomBytes(4).toString('hex')}`;
    const worker = await workerWith(
      {
        recordDraftInvoice: () => {
          attempts += 1;
          return attempts < 3 ? Promise.reject(new Error('connection reset')) : Promise.resolve();
        },
      },
      taskQueue,
    );
    const id = `inv_${randomBytes(4).toString('hex')}`;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(invoiceWorkflow, { workflowId: `invoice:${id}`, taskQueue, args: [{ draft: draft(id) }] });
      for (let i = 0; i < 100 && attempts < 3; i++) await env.sleep('1 second');
      expect((await handle.query(invoiceStateQuery)).status).toBe('draft');
    });
    expect(attempts).toBe(3);
  });
});
