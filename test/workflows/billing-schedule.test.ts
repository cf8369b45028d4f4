import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Activities } from '../../activities';
import type { ScheduledBillingRunInput } from '../../workflows/billing-schedule/messages';
import { scheduledBillingRunWorkflow } from '../../workflows/billing-schedule/workflow';
import { billingRunWorkflow } from '../../workflows/billing-run/workflow';
import { workflowBundle } from '../support/billflow';
import { fakeActivities } from '../support/fake-activities';
import { useTimeSkipping } from '../support/invoice-harness';
import { ChargeStore, runInput, sampleCharges } from '../support/run-harness';

/**
 * A billing schedule's action on the time-skipping server. That server does not implement Schedules
 * (CreateSchedule is UNIMPLEMENTED), so the action is started as a Schedule would start it, with
 * the firing's time given in `scheduledAt`; test/e2e/billing-schedules-api.test.ts drives real
 * Schedules on the dev server.
 */
const env = useTimeSkipping('test');

async function scheduleWorker(e: TestWorkflowEnvironment, store: ChargeStore, overrides: Partial<Activities> = {}) {
  const taskQueue = `schedule-${randomBytes(4).toString('hex')}`;
  const fakes = fakeActivities({ ...store.activities(), ...overrides });
  const worker = await Worker.create({ connection: e.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities, shutdownGraceTime: '10s' });
  return { worker, fakes, taskQueue };
}

const fired = (scheduledAt: string, overrides: Partial<ScheduledBillingRunInput> = {}): ScheduledBillingRunInput => ({
  scheduleName: 'monthly',
  timeZone: 'Europe/Berlin',
  createdBy: 'olivia',
  settings: { approvalEscalationAfter: 'P30D', numberPrefix: 'INV' },
  scheduledAt,
  ...overrides,
});

const startScheduled = (e: TestWorkflowEnvironment, taskQueue: string, input: ScheduledBillingRunInput) =>
  e.client.workflow.start(scheduledBillingRunWorkflow, { workflowId: `billing-schedule:${input.scheduleName}-${input.scheduledAt ?? 'now'}`, taskQueue, args: [input] });

test('when the schedule fires just after midnight on the 1st in Berlin (still the last day in UTC), then exactly one run bills the month just ended there', async () => {
  const store = new ChargeStore([...sampleCharges(4, '2026-10'), ...sampleCharges(3, '2026-11').map((c) => ({ ...c, id: `${c.id}_nov` }))]);
  const { worker, fakes, taskQueue } = await scheduleWorker(env(), store);
  const result = await worker.runUntil((await startScheduled(env(), taskQueue, fired('2026-10-31T23:30:00Z'))).result());

  expect(result).toEqual({ runId: 'run_2026-10', period: '2026-10', outcome: 'started' });
  expect(fakes.argsOf('recordScheduledBillingRun')).toEqual([{ runId: 'run_2026-10', period: '2026-10', createdBy: 'olivia' }]);
  expect(store.progress.map((p) => [p.runId, p.end?.status ?? null])).toEqual([['run_2026-10', 'completed']]);
  // October's charges are billed, November's wait for next month's run.
  expect(store.charges.filter((c) => c.period === '2026-10').every((c) => c.status === 'billed')).toBe(true);
  expect(store.charges.filter((c) => c.period === '2026-11').every((c) => c.status === 'pending')).toBe(true);
  const child = await env().client.workflow.getHandle('billing-run:run_2026-10').describe();
  expect(child.type).toBe('billingRunWorkflow');
}, 120_000);

test('when the schedule fires again for the same month (a retry or a trigger), then the second is a no-op', async () => {
  const store = new ChargeStore(sampleCharges(3, '2026-10'));
  const { worker, taskQueue } = await scheduleWorker(env(), store);
  const [first, second] = await worker.runUntil(async () => {
    const a = await (await startScheduled(env(), taskQueue, fired('2026-11-01T05:00:00Z'))).result();
    const b = await (await startScheduled(env(), taskQueue, fired('2026-11-20T12:00:00Z'))).result();
    return [a, b];
  });

  expect(first.outcome).toBe('started');
  expect(second).toEqual({ runId: 'run_2026-10', period: '2026-10', outcome: 'already-billed' });
  expect(store.progress.filter((p) => p.end)).toHaveLength(1);
}, 120_000);

test('when a manual run of the period is running, then the scheduled one finishes at once without a second run', async () => {
  const store = new ChargeStore(sampleCharges(3, '2026-10'));
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const plan = store.activities().planBillingRunPage!;
  const { worker, fakes, taskQueue } = await scheduleWorker(env(), store, {
    // The manual run holds in its first step until the scheduled one has come and gone.
    planBillingRunPage: async (args) => {
      await held;
      return plan(args);
    },
    // POST /billing-runs stored the row before starting its run.
    recordScheduledBillingRun: () => Promise.resolve({ status: 'running', inserted: false }),
  });
  const manual = runInput({ runId: 'run_2026-10', period: '2026-10' });

  const [scheduled, run] = await worker.runUntil(async () => {
    const handle = await env().client.workflow.start(billingRunWorkflow, { workflowId: 'billing-run:run_2026-10', taskQueue, args: [manual] });
    while (fakes.argsOf('planBillingRunPage').length === 0) await new Promise((r) => setTimeout(r, 10));
    const outcome = await (await startScheduled(env(), taskQueue, fired('2026-11-01T05:00:00Z'))).result();
    release();
    return [outcome, await handle.result()];
  });

  expect(scheduled).toEqual({ runId: 'run_2026-10', period: '2026-10', outcome: 'already-billed' });
  expect(run).toMatchObject({ planned: 3, created: 3 });
  expect(fakes.argsOf('planBillingRunPage')).toHaveLength(1);
  expect(store.progress.filter((p) => p.end)).toHaveLength(1);
}, 120_000);

test('when the period\'s run has ended before, then the schedule starts nothing', async () => {
  const store = new ChargeStore(sampleCharges(2, '2026-10'));
  const { worker, fakes, taskQueue } = await scheduleWorker(env(), store, {
    recordScheduledBillingRun: () => Promise.resolve({ status: 'completed', inserted: false }),
  });
  const result = await worker.runUntil((await startScheduled(env(), taskQueue, fired('2026-11-01T05:00:00Z'))).result());

  expect(result.outcome).toBe('already-billed');
  expect(fakes.argsOf('planBillingRunPage')).toHaveLength(0);
  expect(store.charges.every((c) => c.status === 'pending')).toBe(true);
});

test('when the schedule is in another time zone, then the month is read on its calendar', async () => {
  const store = new ChargeStore(sampleCharges(1, '2026-09'));
  const { worker, taskQueue } = await scheduleWorker(env(), store);
  // 2026-10-31T23:30Z is still October in New York: the month just ended there is September.
  const result = await worker.runUntil((await startScheduled(env(), taskQueue, fired('2026-10-31T23:30:00Z', { timeZone: 'America/New_York' }))).result());
  expect(result).toEqual({ runId: 'run_2026-09', period: '2026-09', outcome: 'started' });
});
