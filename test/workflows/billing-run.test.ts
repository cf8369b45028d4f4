import { BillingRunIdKey } from '../../src/temporal/search-attributes';
import { billingRunProgressQuery, cancelBillingRunSignal } from '../../workflows/billing-run/messages';
import { billingRunWorkflow, PAGE_SIZE } from '../../workflows/billing-run/workflow';
import { useTimeSkipping } from '../support/invoice-harness';
import { ChargeStore, runInput, runWorker, sampleCharges } from '../support/run-harness';

/** Billing runs on the time-skipping server, over an in-memory store of charges. */
const env = useTimeSkipping('test');

const expectedTotals = (store: ChargeStore) => {
  const totals = new Map<string, number>();
  for (const c of store.charges) totals.set(c.currency, (totals.get(c.currency) ?? 0) + c.amountMinor + Math.round((c.amountMinor * c.taxRateBps) / 10_000));
  return [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, totalMinor]) => ({ currency, totalMinor }));
};

test('when a run bills more customers than fit on a page, then it continues as new and bills every customer and currency once', async () => {
  const customers = PAGE_SIZE + 50;
  const store = new ChargeStore(sampleCharges(customers));
  const { worker, taskQueue } = await runWorker(env(), store);
  const input = runInput();
  const result = await worker.runUntil(env().client.workflow.execute(billingRunWorkflow, { workflowId: `billing-run:${input.runId}`, taskQueue, args: [input] }));

  expect(result).toMatchObject({ planned: customers, created: customers, failed: 0, pages: 2, cancelled: false });
  expect(result.totals).toEqual(expectedTotals(store));
  expect(store.invoices.size).toBe(customers);
  expect(store.charges.every((c) => c.status === 'billed' && c.invoiceId === `inv_${input.runId}_${c.customerId}_${c.currency}`)).toBe(true);
  expect(store.progress.map((p) => [p.seq, p.end?.status ?? null])).toEqual([
    [1, null],
    [2, 'completed'],
  ]);
  // Each invoice lives on in its own workflow, carrying the run's id.
  const invoice = [...store.invoices.values()][0];
  const description = await env().client.workflow.getHandle(`invoice:${invoice?.draft.id}`).describe();
  expect(description.typedSearchAttributes.get(BillingRunIdKey)).toBe(input.runId);
}, 120_000);

test('when the worker is restarted in the middle of a run, then no customer is billed twice and none is left out', async () => {
  const customers = 60;
  const store = new ChargeStore(sampleCharges(customers));
  // The first worker bills ten customers, in the middle of its first batch; the steps it has begun
  // after those fail as it stops (as a crash would leave them), and the second worker, knowing
  // nothing of the first, carries on.
  let stopping: (error: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => (stopping = reject));
  stopped.catch(() => undefined);
  const bill = store.activities().billCustomers;
  let billed = 0;
  const first = await runWorker(
    env(),
    store,
    undefined,
    {
      billCustomers: async (args) => {
        const outcomes = [];
        for (const group of args.groups) {
          if (++billed > 10 || !bill) return stopped;
          outcomes.push(...(await bill({ ...args, groups: [group] })));
        }
        return outcomes;
      },
    },
    { maxCachedWorkflows: 0 },
  );
  const input = runInput();
  const handle = await env().client.workflow.start(billingRunWorkflow, { workflowId: `billing-run:${input.runId}`, taskQueue: first.taskQueue, args: [input] });
  await first.worker.runUntil(async () => {
    while (billed <= 10) await new Promise((r) => setTimeout(r, 20));
    stopping(new Error('the worker stopped'));
  });
  expect(store.invoices.size).toBe(10);
  const second = await runWorker(env(), store, first.taskQueue);
  const result = await second.worker.runUntil(handle.result());

  expect(result).toMatchObject({ planned: customers, created: customers, failed: 0 });
  expect(store.invoices.size).toBe(customers);
  expect(store.charges.every((c) => c.status === 'billed')).toBe(true);
}, 120_000);

test('when the database refuses one customer of a batch, then that customer counts as failed and the others are billed', async () => {
  const customers = 30;
  const store = new ChargeStore(sampleCharges(customers));
  const bill = store.activities().billCustomers;
  const { worker, taskQueue } = await runWorker(env(), store, undefined, {
    billCustomers: async (args) => {
      const refused = args.groups.find((g) => g.customerId === 'cus_00003');
      const others = await (bill ? bill({ ...args, groups: args.groups.filter((g) => g !== refused) }) : []);
      // As billCustomers answers a customer whose data PostgreSQL refused for good (22021, …).
      return args.groups.map((g) => (g === refused ? { failed: 'PostgreSQL refused the write (22021)' } : (others.shift() ?? { invoice: null })));
    },
  });
  const input = runInput();
  const result = await worker.runUntil(env().client.workflow.execute(billingRunWorkflow, { workflowId: `billing-run:${input.runId}`, taskQueue, args: [input] }));

  expect(result).toMatchObject({ planned: customers, created: customers - 1, failed: 1 });
  expect(store.invoices.size).toBe(customers - 1);
  // Its charges stay pending for the next run.
  expect(new Set(store.charges.filter((c) => c.status === 'pending').map((c) => c.customerId))).toEqual(new Set(['cus_00003']));
});

test('when the same charges meet a second run, then the second bills nothing', async () => {
  const store = new ChargeStore(sampleCharges(5));
  const { worker, taskQueue } = await runWorker(env(), store);
  const [first, second] = [runInput(), runInput()];
  await worker.runUntil(async () => {
    await env().client.workflow.execute(billingRunWorkflow, { workflowId: `billing-run:${first.runId}`, taskQueue, args: [first] });
    const again = await env().client.workflow.execute(billingRunWorkflow, { workflowId: `billing-run:${second.runId}`, taskQueue, args: [second] });
    expect(again).toMatchObject({ planned: 0, created: 0, totals: [] });
  });
  expect(store.invoices.size).toBe(5);
});

test('when a run is cancelled, then it makes no further invoices and those made stay', async () => {
  const customers = 120;
  const store = new ChargeStore(sampleCharges(customers));
  // The batches begun before the cancel finish (their invoices stay); none is begun after it.
  let release: () => void = () => undefined;
  const cancelSent = new Promise<void>((resolve) => (release = resolve));
  const bill = store.activities().billCustomers;
  const { worker, fakes, taskQueue } = await runWorker(env(), store, undefined, {
    billCustomers: async (args) => {
      await cancelSent;
      return bill ? bill(args) : [];
    },
  });
  const input = runInput();
  const result = await worker.runUntil(async () => {
    const handle = await env().client.workflow.start(billingRunWorkflow, { workflowId: `billing-run:${input.runId}`, taskQueue, args: [input] });
    while (fakes.argsOf('billCustomers').length < 1) await new Promise((r) => setTimeout(r, 10));
    await handle.signal(cancelBillingRunSignal);
    release();
    return handle.result();
  });

  expect(result.cancelled).toBe(true);
  expect(result.created).toBeLessThan(customers);
  expect(result.created).toBe(store.invoices.size);
  expect(store.charges.filter((c) => c.status === 'pending').length).toBeGreaterThan(0);
  expect(store.progress.at(-1)?.end?.status).toBe('cancelled');
});

test('when a run is a dry run, then it previews every invoice and creates none', async () => {
  const store = new ChargeStore(sampleCharges(12));
  const { worker, taskQueue } = await runWorker(env(), store);
  const input = runInput({ dryRun: true });
  const result = await worker.runUntil(env().client.workflow.execute(billingRunWorkflow, { workflowId: `billing-run:${input.runId}`, taskQueue, args: [input] }));

  expect(result).toMatchObject({ planned: 12, created: 12, failed: 0 });
  expect(result.totals).toEqual(expectedTotals(store));
  expect(store.previews.size).toBe(12);
  expect(store.invoices.size).toBe(0);
  expect(store.charges.every((c) => c.status === 'pending')).toBe(true);
});

test('when only some customers are asked for, then only their charges are billed, and progress can be read while it runs', async () => {
  const store = new ChargeStore(sampleCharges(10));
  const { worker, taskQueue } = await runWorker(env(), store);
  const input = runInput({ customerIds: ['cus_00001', 'cus_00004'] });
  await worker.runUntil(async () => {
    const handle = await env().client.workflow.start(billingRunWorkflow, { workflowId: `billing-run:${input.runId}`, taskQueue, args: [input] });
    const result = await handle.result();
    expect(result).toMatchObject({ planned: 2, created: 2 });
    expect(await handle.query(billingRunProgressQuery)).toMatchObject({ created: 2 });
  });
  expect(store.charges.filter((c) => c.status === 'billed').map((c) => c.customerId)).toEqual(['cus_00001', 'cus_00001', 'cus_00004']);
});
