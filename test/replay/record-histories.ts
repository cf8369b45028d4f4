/**
 * Records the histories that test/replay/replay.test.ts replays: representative invoices run on
 * the time-skipping server with fake activities. Run it when adding a scenario, naming only the new
 * ones (npm run replay:record -- <scenario> ...): the histories already saved are of invoices started
 * by earlier code and must stay as they are. Never run it to "fix" a failing replay, which means a
 * change broke running invoices and needs patched() (or a new revision, workflows/invoice/messages.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ensureTestServer } from '../../scripts/provision/tools';
import { DEFAULT_DUNNING_POLICY } from '../../src/domain/dunning';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes';
import { draftSearchAttributes, startSearchAttributes } from '../../src/temporal/search-attributes';
import { issuedByPolicy } from '../../src/domain/invoice';
import {
  approveUpdate,
  creditNoteUpdate,
  paymentFailureUpdate,
  refundUpdate,
  disputeUpdate,
  type INVOICE_REVISION,
  recordPaymentUpdate,
  requestChangesUpdate,
  resolveDisputeUpdate,
  submitUpdate,
  voidUpdate,
  writeOffUpdate,
} from '../../workflows/invoice/messages';
import { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/worker';
import { invoiceWorkflow } from '../../workflows/invoice/workflow';
import { newSubscription } from '../../src/domain/subscription-state';
import { cancelSubscriptionUpdate, changePlanUpdate } from '../../workflows/subscription/messages';
import { subscriptionWorkflow } from '../../workflows/subscription/workflow';
import { fakeActivities } from '../support/fake-activities';
import { sampleCustomer, sampleDraft } from '../support/invoices';

type Handle = WorkflowHandle<typeof invoiceWorkflow>;
const operator = { principal: 'olivia', role: 'operator' as const };
const approver = { principal: 'arthur', role: 'approver' as const };
/** Real time for the worker to finish its tasks before the next command (see the harness). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

interface Scenario {
  approval: 'always' | 'never';
  /** The revision the invoice is started with; none for scenarios recorded before revisions. */
  revision?: typeof INVOICE_REVISION;
  /** Started as a billing run starts an invoice it approved by policy and issued (revision 3 on). */
  issuedByRun?: boolean;
  run: (h: Handle, env: TestWorkflowEnvironment) => Promise<void>;
}

const scenarios: Record<string, Scenario> = {
  'approved-then-paid-in-two-payments': {
    approval: 'always',
    run: async (h) => {
      await settle();
      await h.executeUpdate(approveUpdate, { args: [{ ...approver, reason: 'ok' }] });
      await settle();
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 10000, method: 'bank_transfer', reference: 'TX-1', receivedAt: '2026-11-02T00:00:00.000Z' }] });
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 16350, method: 'card', reference: 'TX-2', receivedAt: '2026-11-03T00:00:00.000Z' }] });
    },
  },
  'changes-requested-revised-then-voided': {
    approval: 'always',
    run: async (h) => {
      await settle();
      await h.executeUpdate(requestChangesUpdate, { args: [{ ...approver, reason: 'discount' }] });
      await h.executeUpdate(submitUpdate, { args: [{ ...operator, lines: [{ description: 'Consulting', quantity: '2', unitPriceMinor: 9000, taxRateBps: 1900 }] }] });
      await settle();
      await h.executeUpdate(approveUpdate, { args: [approver] });
      await settle();
      await h.executeUpdate(voidUpdate, { args: [{ ...operator, reason: 'duplicate' }] });
    },
  },
  'ninety-days-of-dunning-then-written-off': {
    approval: 'never',
    run: async (h, env) => {
      await settle();
      await env.sleep('90 days');
      await settle();
      await h.executeUpdate(writeOffUpdate, { args: [{ ...operator, reason: 'insolvent' }] });
    },
  },
  'disputed-and-resolved-then-paid': {
    approval: 'never',
    run: async (h, env) => {
      await settle();
      await env.sleep('32 days');
      await settle();
      await h.executeUpdate(disputeUpdate, { args: [{ ...operator, reason: 'hours' }] });
      await env.sleep('10 days');
      await h.executeUpdate(resolveDisputeUpdate, { args: [{ ...operator, reason: 'agreed' }] });
      await settle();
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 26350, method: 'bank_transfer', reference: 'TX-9', receivedAt: '2026-12-20T00:00:00.000Z' }] });
    },
  },
  'r2-approved-by-policy-overdue-then-paid': {
    approval: 'never',
    revision: 2,
    run: async (h, env) => {
      await settle();
      await env.sleep('35 days');
      await settle();
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 26350, method: 'bank_transfer', reference: 'TX-1', receivedAt: '2026-12-06T00:00:00.000Z' }] });
    },
  },
  'r2-approved-by-a-person-then-voided': {
    approval: 'always',
    revision: 2,
    run: async (h) => {
      await settle();
      await h.executeUpdate(approveUpdate, { args: [{ ...approver, reason: 'ok' }] });
      await settle();
      await h.executeUpdate(voidUpdate, { args: [{ ...operator, reason: 'duplicate' }] });
    },
  },
  'r3-issued-by-a-run-overdue-then-paid': {
    approval: 'never',
    revision: 3,
    issuedByRun: true,
    run: async (h, env) => {
      await settle();
      await env.sleep('35 days');
      await settle();
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 26350, method: 'bank_transfer', reference: 'TX-1', receivedAt: '2026-12-06T00:00:00.000Z' }] });
    },
  },
  'r3-approved-by-a-person-then-paid': {
    approval: 'always',
    revision: 3,
    run: async (h) => {
      await settle();
      await h.executeUpdate(approveUpdate, { args: [{ ...approver, reason: 'ok' }] });
      await settle();
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 26350, method: 'card', reference: 'TX-2', receivedAt: '2026-11-03T00:00:00.000Z' }] });
    },
  },
  'r4-paid-by-card-refunded-credited-disputed-then-settled': {
    approval: 'never',
    revision: 4,
    run: async (h, env) => {
      const stripe = { principal: 'system:stripe' as const, system: 'stripe' as const };
      await settle();
      await h.executeUpdate(paymentFailureUpdate, { args: [{ ...stripe, reference: 'pi_1:evt_1', message: 'card declined', at: '2026-11-02T00:00:00.000Z' }] });
      await h.executeUpdate(recordPaymentUpdate, { args: [{ ...stripe, amountMinor: 26350, method: 'card', reference: 'pi_1', receivedAt: '2026-11-03T00:00:00.000Z' }] });
      await settle();
      await h.executeUpdate(refundUpdate, { args: [{ ...operator, amountMinor: 6350, reason: 'one seat returned', requestKey: 'rf_1' }] });
      await h.executeUpdate(creditNoteUpdate, { args: [{ ...operator, amountMinor: 6350, reason: 'one seat returned', requestKey: 'cn_1' }] });
      await settle();
      await h.executeUpdate(disputeUpdate, { args: [{ ...stripe, reason: 'fraudulent' }] });
      await h.executeUpdate(resolveDisputeUpdate, { args: [{ ...stripe, reason: 'won' }] });
      await settle();
      await env.sleep('181 days');
    },
  },
};

/** Subscriptions: the history of the run that was current when the scenario ended (one period per run). */
const subscriptionScenarios: Record<string, (h: WorkflowHandle<typeof subscriptionWorkflow>, env: TestWorkflowEnvironment) => Promise<void>> = {
  'sub1-trial-upgrade-then-cancelled-now': async (h, env) => {
    await settle();
    await env.sleep('20 days');
    await settle();
    await h.executeUpdate(changePlanUpdate, { args: [{ ...operator, plan: { ...BASIC, code: 'pro', name: 'Pro', unitPriceMinor: 9000 } }] });
    await settle();
    await h.executeUpdate(cancelSubscriptionUpdate, { args: [{ ...operator, at: 'now' }] });
  },
};
const BASIC = { code: 'basic', name: 'Basic', currency: 'EUR', unitPriceMinor: 3000, interval: 'P1M', taxRateBps: 1900, trialDays: 0 };

async function recordSubscription(env: TestWorkflowEnvironment, name: string): Promise<void> {
  const fakes = fakeActivities();
  const taskQueue = `record-${name}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS, activities: fakes.activities });
  await worker.runUntil(async () => {
    const startAt = new Date(await env.currentTimeMs()).toISOString();
    const subscription = newSubscription({ id: `sub_${name}`, customerId: 'cus_replay', plan: BASIC, startAt, trialDays: 7, createdBy: 'olivia' });
    const handle = await env.client.workflow.start(subscriptionWorkflow, {
      workflowId: `subscription:sub_${name}`,
      taskQueue,
      args: [{ subscription, settings: { approvalEscalationAfter: 'P2D', numberPrefix: 'INV' } }],
    });
    await (subscriptionScenarios[name] as (typeof subscriptionScenarios)[string])(handle, env);
    await settle();
    const file = path.join(__dirname, 'histories', `${name}.json`);
    await writeFile(file, `${JSON.stringify(await handle.fetchHistory(), null, 1)}\n`);
    console.log(`recorded ${path.relative(process.cwd(), file)}`);
  });
}

async function main(): Promise<void> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await ensureTestServer() } } });
  await registerSearchAttributes(env.connection, 'default');
  try {
    const names = process.argv.slice(2);
    const unknown = names.filter((name) => !(name in scenarios) && !(name in subscriptionScenarios));
    if (names.length === 0 || unknown.length > 0) {
      throw new Error(`name the scenarios to record (${unknown.length > 0 ? `unknown: ${unknown.join(', ')}; ` : ''}known: ${[...Object.keys(scenarios), ...Object.keys(subscriptionScenarios)].join(', ')})`);
    }
    for (const name of names) {
      if (name in subscriptionScenarios) {
        await recordSubscription(env, name);
        continue;
      }
      const scenario = scenarios[name] as Scenario;
      const fakes = fakeActivities();
      const taskQueue = `record-${name}`;
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS, activities: fakes.activities });
      await worker.runUntil(async () => {
        const created = '2026-11-01T09:00:00.000Z';
        const draft = { ...sampleDraft(`inv_${name}`, {}, created), ...(scenario.issuedByRun ? { billingRunId: 'run_2026-10' } : {}) };
        const approval = { principal: 'system', decision: 'auto_approved', at: created, reason: 'the customer needs no approval' } as const;
        const resume = scenario.issuedByRun ? issuedByPolicy(draft, { approval, number: 'INV-2026-000042', issuedAt: created }) : undefined;
        const handle = await env.client.workflow.start(invoiceWorkflow, {
          workflowId: `invoice:inv_${name}`,
          taskQueue,
          args: [
            {
              draft,
              customer: sampleCustomer(scenario.approval),
              policy: DEFAULT_DUNNING_POLICY,
              settings: { approvalEscalationAfter: 'P2D', numberPrefix: 'INV' },
              ...(scenario.revision ? { revision: scenario.revision } : {}),
              ...(resume ? { resume } : {}),
            },
          ],
          ...(scenario.revision ? { typedSearchAttributes: resume ? startSearchAttributes(resume) : draftSearchAttributes(draft) } : {}),
        });
        await scenario.run(handle, env);
        await settle();
        const file = path.join(__dirname, 'histories', `${name}.json`);
        await writeFile(file, `${JSON.stringify(await handle.fetchHistory(), null, 1)}\n`);
        console.log(`recorded ${path.relative(process.cwd(), file)}`);
      });
    }
  } finally {
    await env.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
