import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { monthsOfOwnYear } from '../support/periods';

/**
 * A billing run of a few hundred customers end to end, over HTTP against the dev server, PostgreSQL
 * and the SMTP sink, with the worker crashed and restarted in the middle: one invoice per customer,
 * each charge billed once, gapless numbers, one email per invoice.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const CUSTOMERS = 200;
const month = monthsOfOwnYear();

/** Runs `work` over `items`, `size` at a time. */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

test('when a run of a few hundred customers meets a worker crash, then each customer gets one invoice, numbered without gaps, emailed once', async () => {
  const period = month(3);
  const customerIds = await inBatches([...Array(CUSTOMERS).keys()], 20, async (i) => {
    const res = await app.http('POST', '/customers', {
      key: TEST_KEYS.admin,
      body: { name: `Scale ${i}`, email: `scale-${i}@customers.test`, currency: 'EUR', approval: 'never', taxRateBps: 1900 },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  });
  await inBatches(customerIds, 20, async (customerId) => {
    const res = await app.http('POST', '/charges', {
      key: TEST_KEYS.operator,
      body: { customerId, description: 'Subscription', quantity: 1, unitPriceMinor: 4900, period },
    });
    expect(res.status).toBe(201);
  });

  const started = await app.http('POST', '/billing-runs', { key: TEST_KEYS.operator, body: { period } });
  expect(started.status).toBe(202);
  const runId = started.body.id as string;
  await eventually(async () => {
    const run = await app.http('GET', `/billing-runs/${runId}`, { key: TEST_KEYS.viewer });
    return run.body.counts.created >= CUSTOMERS / 4 ? run : undefined;
  }, 60_000);
  await app.restartWorker();

  const finished = await eventually(async () => {
    const run = await app.http('GET', `/billing-runs/${runId}`, { key: TEST_KEYS.viewer });
    return run.body.status === 'completed' && run.body.counts.sent === CUSTOMERS ? run.body : undefined;
  }, 180_000);
  expect(finished).toMatchObject({ counts: { planned: CUSTOMERS, created: CUSTOMERS, issued: CUSTOMERS, sent: CUSTOMERS, failed: 0 }, totals: [{ currency: 'EUR', totalMinor: CUSTOMERS * 5831 }] });

  const [stored] = await db.sql<{ invoices: number; customers: number; billed: number; pending: number; numbers: number; first: number; last: number }[]>`
    select (select count(*)::int from invoices where billing_run_id = ${runId}) as invoices,
           (select count(distinct customer_id)::int from invoices where billing_run_id = ${runId}) as customers,
           (select count(*)::int from charges where status = 'billed' and billing_run_id = ${runId} and invoice_id is not null) as billed,
           (select count(*)::int from charges where status = 'pending') as pending,
           (select count(distinct number)::int from invoices where number is not null) as numbers,
           (select min(right(number, 6)::int) from invoices where number is not null) as first,
           (select max(right(number, 6)::int) from invoices where number is not null) as last`;
  expect(stored).toEqual({ invoices: CUSTOMERS, customers: CUSTOMERS, billed: CUSTOMERS, pending: 0, numbers: CUSTOMERS, first: 1, last: CUSTOMERS });

  // Each invoice email's Message-ID is `<invoiceId.invoice@billflow>`: one message per invoice, none twice.
  const messageIds = app.mail.messages
    .map((m) => /^Message-ID: (<[^>]+\.invoice@billflow>)/im.exec(m.raw.toString('utf8'))?.[1])
    .filter((id): id is string => id !== undefined);
  expect(new Set(messageIds).size).toBe(CUSTOMERS);
  expect(messageIds).toHaveLength(CUSTOMERS);
}, 300_000);
