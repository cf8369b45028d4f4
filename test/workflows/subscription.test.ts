import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Activities } from '../../activities';
import type { Plan } from '../../src/domain/subscription';
import { newSubscription } from '../../src/domain/subscription-state';
import { cancelSubscriptionUpdate, changePlanUpdate, subscriptionStateQuery } from '../../workflows/subscription/messages';
import { subscriptionWorkflow } from '../../workflows/subscription/workflow';
import { workflowBundle } from '../support/billflow';
import { fakeActivities } from '../support/fake-activities';
import { useTimeSkipping } from '../support/invoice-harness';

/** Subscriptions on the time-skipping server with fake activities: months pass in moments. */
const env = useTimeSkipping('test');

const basic: Plan = { code: 'basic', name: 'Basic', currency: 'EUR', unitPriceMinor: 3000, interval: 'P1M', taxRateBps: 0, trialDays: 0 };
const pro: Plan = { ...basic, code: 'pro', name: 'Pro', unitPriceMinor: 9000 };
const operator = { principal: 'olivia', role: 'operator' as const };
const DAY = 86_400_000;

type BillArgs = Parameters<Activities['billSubscription']>[0];

async function subscriptionWorker(testEnv: TestWorkflowEnvironment, options: Pick<WorkerOptions, 'maxCachedWorkflows'> = {}, taskQueue = `sub-${randomBytes(4).toString('hex')}`) {
  const fakes = fakeActivities();
  const worker = await Worker.create({ connection: testEnv.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities, ...options });
  return { worker, fakes, taskQueue };
}

const billed = (calls: BillArgs[]) => calls.filter((c) => c.invoice.key.startsWith('period/'));
const periodStarts = (calls: BillArgs[]) => billed(calls).map((c) => c.snapshot.currentPeriodStart?.slice(0, 10));

function start(testEnv: TestWorkflowEnvironment, taskQueue: string, args: { startAt: string; trialDays?: number; plan?: Plan }) {
  const subscription = newSubscription({ id: `sub_${randomBytes(4).toString('hex')}`, customerId: 'cus_1', plan: args.plan ?? basic, startAt: args.startAt, trialDays: args.trialDays ?? 0, createdBy: 'olivia' });
  return testEnv.client.workflow.start(subscriptionWorkflow, {
    workflowId: `subscription:${subscription.id}`,
    taskQueue,
    args: [{ subscription, settings: { approvalEscalationAfter: 'P2D', numberPrefix: 'INV' } }],
  });
}

test('when a subscription with a trial lives a year with an upgrade, a downgrade and a cancellation at period end, then each period is billed once, none in the trial, and changes are prorated', async () => {
  const { worker, fakes, taskQueue } = await subscriptionWorker(env());
  const now = await env().currentTimeMs();
  const startAt = new Date(Math.ceil(now / DAY) * DAY).toISOString();
  const handle = await worker.runUntil(async () => {
    const h = await start(env(), taskQueue, { startAt, trialDays: 14 });
    await env().sleep(10 * DAY);
    expect(billed(fakes.argsOf<BillArgs>('billSubscription'))).toHaveLength(0);
    await env().sleep(5 * DAY + 45 * DAY);
    // Half-way through the second month: up to Pro.
    const up = await h.executeUpdate(changePlanUpdate, { args: [{ ...operator, plan: pro }] });
    expect(up).toMatchObject({ subscription: { plan: { code: 'pro' } }, creditMinor: 0, invoiceId: expect.stringContaining('change/') });
    await env().sleep(120 * DAY);
    const down = await h.executeUpdate(changePlanUpdate, { args: [{ ...operator, plan: basic }] });
    expect(down.invoiceId).toBeNull();
    expect(down.creditMinor).toBeGreaterThan(0);
    await env().sleep(150 * DAY);
    const cancelled = await h.executeUpdate(cancelSubscriptionUpdate, { args: [{ ...operator, at: 'period_end' }] });
    expect(cancelled.cancelAt).toBe(cancelled.period?.end);
    await env().sleep(60 * DAY);
    return h;
  });

  const calls = fakes.argsOf<BillArgs>('billSubscription');
  const starts = periodStarts(calls);
  // Monthly from the trial's end, each period once, until the period in which it was cancelled.
  expect(new Set(starts).size).toBe(starts.length);
  expect(starts[0]).toBe(new Date(Date.parse(startAt) + 14 * DAY).toISOString().slice(0, 10));
  expect(starts.length).toBeGreaterThanOrEqual(11);
  expect(starts.length).toBeLessThanOrEqual(12);
  // The upgrade's invoice: a credit line and a charge line for the rest of its period.
  const change = calls.find((c) => c.invoice.key.startsWith('change/'));
  expect(change?.invoice.lines.map((l) => Math.sign(l.netMinor))).toEqual([-1, 1]);
  // Pro was billed for the periods between the upgrade and the downgrade, Basic otherwise.
  const plans = billed(calls).map((c) => c.snapshot.planCode);
  expect(plans.filter((p) => p === 'pro').length).toBeGreaterThanOrEqual(3);
  expect(plans.at(-1)).toBe('basic');
  // The downgrade's credit went to the customer; the end is stored.
  const changes = fakes.argsOf<Parameters<Activities['changeSubscription']>[0]>('changeSubscription');
  expect(changes.find((c) => c.event.type === 'plan_changed')?.credit?.amountMinor).toBeGreaterThan(0);
  expect(changes.at(-1)?.snapshot).toMatchObject({ status: 'cancelled' });
  // One period per run: the first run continued as new, and so on to the last.
  const firstRun = await env().client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
  expect(firstRun.events?.at(-1)?.eventType).toBe(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
}, 120_000);

test('when a monthly subscription starts on 31 January, then its periods end on the last day of February (29th in a leap year) and come back to the 31st', async () => {
  const { worker, fakes, taskQueue } = await subscriptionWorker(env());
  await worker.runUntil(async () => {
    await start(env(), taskQueue, { startAt: '2028-01-31T08:00:00.000Z' });
    const until = Date.parse('2028-05-01T00:00:00.000Z') - (await env().currentTimeMs());
    await env().sleep(until);
  });
  const calls = billed(fakes.argsOf<BillArgs>('billSubscription'));
  expect(calls.map((c) => [c.snapshot.currentPeriodStart?.slice(0, 10), c.snapshot.currentPeriodEnd?.slice(0, 10)])).toEqual([
    ['2028-01-31', '2028-02-29'],
    ['2028-02-29', '2028-03-31'],
    ['2028-03-31', '2028-04-30'],
    ['2028-04-30', '2028-05-31'],
  ]);
}, 120_000);

test('when the worker is restarted in the middle of a cycle, then no period is billed twice and none is skipped', async () => {
  const first = await subscriptionWorker(env(), { maxCachedWorkflows: 0 });
  const now = await env().currentTimeMs();
  const startAt = new Date(Math.ceil(now / DAY) * DAY).toISOString();
  const handle = await first.worker.runUntil(async () => {
    const h = await start(env(), first.taskQueue, { startAt, plan: { ...basic, interval: 'P1M' } });
    await env().sleep(45 * DAY);
    return h;
  });
  const second = await subscriptionWorker(env(), {}, first.taskQueue);
  await second.worker.runUntil(async () => {
    await env().sleep(100 * DAY);
    const state = await handle.query(subscriptionStateQuery);
    expect(state.status).toBe('active');
  });
  const calls = [...(first.fakes.argsOf<BillArgs>('billSubscription')), ...(second.fakes.argsOf<BillArgs>('billSubscription'))];
  const starts = periodStarts(calls);
  expect(new Set(starts).size).toBe(starts.length);
  expect(starts.length).toBeGreaterThanOrEqual(5);
  // Contiguous: each period starts where the one before ended.
  const periods = billed(calls);
  for (let i = 1; i < periods.length; i++) expect(periods[i]?.snapshot.currentPeriodStart).toBe(periods[i - 1]?.snapshot.currentPeriodEnd);
}, 120_000);

test('when a subscription is cancelled now, then the unused part of its period is credited and nothing more is billed', async () => {
  const { worker, fakes, taskQueue } = await subscriptionWorker(env());
  const now = await env().currentTimeMs();
  await worker.runUntil(async () => {
    const h = await start(env(), taskQueue, { startAt: new Date(now).toISOString() });
    await env().sleep(10 * DAY);
    const state = await h.executeUpdate(cancelSubscriptionUpdate, { args: [{ ...operator, at: 'now' }] });
    expect(state.status).toBe('cancelled');
    await env().sleep(90 * DAY);
    expect(await h.result()).toMatchObject({ status: 'cancelled' });
  });
  expect(billed(fakes.argsOf<BillArgs>('billSubscription'))).toHaveLength(1);
  const cancel = (fakes.argsOf<Parameters<Activities['changeSubscription']>[0]>('changeSubscription')).find((c) => c.event.type === 'cancelled');
  expect(cancel?.credit?.amountMinor).toBeGreaterThan(0);
  expect(cancel?.credit?.amountMinor).toBeLessThan(basic.unitPriceMinor);
}, 120_000);
