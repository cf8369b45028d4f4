import { callApi, expectStatus } from './api-client';
import { BENCH_KEYS, type BenchStack } from './stack';

/**
 * The approver's round trip, with the run's invoices open and waiting: `POST /invoices/:id/approve`
 * is a Temporal Update that answers once the invoice is issued, so its latency is what a person
 * clicking "approve" waits for.
 */

const CREATE_CONCURRENCY = 10;
const PENDING_WITHIN_MS = 120_000;

interface InvoiceAnswer {
  id: string;
  status: string;
}

async function inParallel<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
}

/** Creates `count` invoices that need approval, waits until each awaits it, then approves them one at a time. */
export async function approvalRoundTrips(stack: BenchStack, options: { count: number; customerId: string; say: (line: string) => void }): Promise<number[]> {
  const emailedBefore = stack.sink.distinct('invoice');
  const ids: string[] = [];
  await inParallel([...Array(options.count).keys()], CREATE_CONCURRENCY, async (i) => {
    const created = expectStatus<InvoiceAnswer>(
      await callApi(stack.apiUrl, 'POST', '/invoices', BENCH_KEYS.operator.key, {
        customerId: options.customerId,
        lines: [{ description: `Approval round trip ${i + 1}`, quantity: '1', unitPriceMinor: 10_000 }],
        approval: 'required',
      }),
      [201],
      'POST /invoices',
    );
    ids.push(created.id);
  });

  const deadline = Date.now() + PENDING_WITHIN_MS;
  await inParallel(ids, CREATE_CONCURRENCY, async (id) => {
    for (;;) {
      const invoice = expectStatus<InvoiceAnswer>(await callApi(stack.apiUrl, 'GET', `/invoices/${id}`, BENCH_KEYS.operator.key), [200], `GET /invoices/${id}`);
      if (invoice.status === 'pending_approval') return;
      if (Date.now() > deadline) throw new Error(`invoice ${id} is ${invoice.status}, not pending_approval, after ${PENDING_WITHIN_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  options.say(`${ids.length} invoices await approval; approving them one at a time`);

  const latencies: number[] = [];
  for (const id of ids) {
    const started = performance.now();
    const answer = await callApi(stack.apiUrl, 'POST', `/invoices/${id}/approve`, BENCH_KEYS.approver.key, { comment: 'bench' });
    latencies.push(performance.now() - started);
    const approved = expectStatus<InvoiceAnswer>(answer, [200], `POST /invoices/${id}/approve`);
    if (approved.status !== 'open') throw new Error(`invoice ${id} answered ${approved.status} to its approval, not open`);
  }

  // Their emails follow the answers; the next phase starts once they are all out.
  while (stack.sink.distinct('invoice') - emailedBefore < ids.length) {
    if (Date.now() > deadline + PENDING_WITHIN_MS) throw new Error(`${stack.sink.distinct('invoice') - emailedBefore} of ${ids.length} approved invoices were emailed`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return latencies;
}
