import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Plans and subscriptions over real HTTP, with the subscription's and the invoices' workflows on a
 * real worker and real (short) periods: an invoice per period and never two, a change of plan's
 * prorated invoice, a cancellation's credit, refusals that write nothing.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const post = (path: string, body: unknown, key: string = TEST_KEYS.operator, headers?: Record<string, string>) => app.http('POST', path, { key, body, ...(headers ? { headers } : {}) });
const get = (path: string) => app.http('GET', path, { key: TEST_KEYS.viewer });

let customerId: string;
beforeAll(async () => {
  const res = await post('/customers', { name: 'Abo GmbH', email: 'ap@abo.test', currency: 'EUR', approval: 'policy' });
  expect(res.status).toBe(201);
  customerId = res.body.id as string;
  // Periods of a few seconds, as demos and tests use them.
  for (const plan of [
    { code: 'e2e-basic', name: 'Basic', currency: 'EUR', unitPrice: '30.00', interval: 'PT6S', taxRateBps: 1900 },
    { code: 'e2e-pro', name: 'Pro', currency: 'EUR', unitPriceMinor: 9000, interval: 'PT6S', taxRateBps: 1900 },
    { code: 'e2e-usd', name: 'Dollar', currency: 'USD', unitPriceMinor: 1000, interval: 'P1M' },
  ]) {
    expect((await post('/plans', plan)).status).toBe(201);
  }
});

async function subscriptionInvoices(id: string): Promise<any[]> {
  const res = await get(`/subscriptions/${id}`);
  expect(res.status).toBe(200);
  return Promise.all((res.body.invoiceIds as string[]).map(async (invoiceId) => (await get(`/invoices/${invoiceId}`)).body));
}

describe('plans', () => {
  test('when a plan is created twice with the same terms, then the second answers it; with other terms, 409; bad terms are 400 naming the field', async () => {
    const plan = { code: 'e2e-same', name: 'Same', currency: 'EUR', unitPriceMinor: 100, interval: 'P1M' };
    expect((await post('/plans', plan)).status).toBe(201);
    expect((await post('/plans', plan)).status).toBe(200);
    expect((await post('/plans', { ...plan, unitPriceMinor: 200 })).status).toBe(409);
    const bad = await post('/plans', { ...plan, code: 'e2e-bad', interval: 'P1D' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('interval');
    expect((await get('/plans/e2e-bad')).status).toBe(404);
    expect((await get('/plans/e2e-same')).body).toMatchObject({ code: 'e2e-same', unitPriceMinor: 100, interval: 'P1M', trialDays: 0 });
  });
});

describe('subscriptions', () => {
  test('when a subscription runs three short periods, then each period has exactly one invoice, issued and emailed, and posting it again with the same key changes nothing', async () => {
    const headers = { 'Idempotency-Key': `sub-${Date.now()}` };
    const created = await post('/subscriptions', { customerId, planCode: 'e2e-basic' }, TEST_KEYS.operator, headers);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ customerId, planCode: 'e2e-basic', status: 'active', cancelAt: null });
    const again = await post('/subscriptions', { customerId, planCode: 'e2e-basic' }, TEST_KEYS.operator, headers);
    expect(again.body.id).toBe(created.body.id);
    const id = created.body.id as string;

    const invoices = await eventually(async () => {
      const list = await subscriptionInvoices(id);
      return list.length >= 3 && list.every((i) => i.status === 'open' && i.delivery?.status === 'sent') ? list : undefined;
    }, 60_000);
    expect(new Set(invoices.map((i) => i.number)).size).toBe(invoices.length);
    for (const invoice of invoices) expect(invoice).toMatchObject({ totalMinor: 3570, lines: [{ unitPriceMinor: 3000, taxRateBps: 1900 }] });
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from subscriptions where id = ${id}`;
    expect(row?.n).toBe(1);
    // One invoice per period: each billed period names its own invoice, and the subscription has no other.
    const [periods] = await db.sql<{ n: number; starts: number; invoices: number; all: number }[]>`
      select count(*)::int as n,
             count(distinct detail ->> 'periodStart')::int as starts,
             count(distinct detail ->> 'invoiceId')::int as invoices,
             (select count(*)::int from invoices where subscription_id = ${id}) as all
      from subscription_events
      where subscription_id = ${id} and type = 'period_billed'`;
    expect(periods).toEqual({ n: periods?.all, starts: periods?.all, invoices: periods?.all, all: periods?.all });

    expect((await post(`/subscriptions/${id}/cancel`, { at: 'now' })).status).toBe(200);
  }, 90_000);

  test('when a customer upgrades in the middle of a period, then an invoice credits the unused old plan and charges the new one; a downgrade credits the customer; cancelling now credits the rest', async () => {
    const created = await post('/subscriptions', { customerId, planCode: 'e2e-basic' });
    const id = created.body.id as string;
    await eventually(async () => ((await subscriptionInvoices(id)).length >= 1 ? true : undefined), 30_000);

    const up = await post(`/subscriptions/${id}/change-plan`, { planCode: 'e2e-pro' });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ planCode: 'e2e-pro', status: 'active', creditMinor: 0, invoiceId: expect.any(String) });
    const change = (await get(`/invoices/${up.body.invoiceId}`)).body;
    expect(change.lines).toHaveLength(2);
    const [credit, charge] = change.lines;
    expect(credit.netMinor).toBeLessThan(0);
    expect(charge.netMinor).toBeGreaterThan(0);
    // Both prorated by the same seconds left: the charge is three times the credit (9000 vs 3000), to a cent of rounding.
    expect(Math.abs(charge.netMinor + 3 * credit.netMinor)).toBeLessThanOrEqual(2);
    expect(change.totalMinor).toBe(credit.totalMinor + charge.totalMinor);

    const creditBefore = (await get(`/customers/${customerId}`)).body.creditBalances?.EUR ?? 0;
    const down = await post(`/subscriptions/${id}/change-plan`, { planCode: 'e2e-basic' });
    expect(down.status).toBe(200);
    expect(down.body.invoiceId).toBeNull();
    const cancel = await post(`/subscriptions/${id}/cancel`, { at: 'now' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const creditAfter = (await get(`/customers/${customerId}`)).body.creditBalances?.EUR ?? 0;
    expect(creditAfter).toBeGreaterThanOrEqual(creditBefore + down.body.creditMinor);

    const read = await get(`/subscriptions/${id}`);
    expect(read.body).toMatchObject({ status: 'cancelled' });
    expect(read.body.history.map((h: { type: string }) => h.type)).toEqual(expect.arrayContaining(['created', 'period_billed', 'plan_changed', 'cancelled']));
    // Cancelled: no command takes effect any more.
    expect((await post(`/subscriptions/${id}/change-plan`, { planCode: 'e2e-pro' })).status).toBe(409);
  }, 90_000);

  test('when the same subscription is posted five times at once, and then cancelled now five times at once, then there is one subscription and one credit', async () => {
    const headers = { 'Idempotency-Key': `sub-parallel-${Date.now()}` };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/subscriptions', { customerId, planCode: 'e2e-pro' }, TEST_KEYS.operator, headers)));
    const ids = new Set(answers.map((a) => a.body.id as string));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    const [rows] = await db.sql<{ n: number }[]>`select count(*)::int as n from subscriptions where id = ${id}`;
    expect(rows?.n).toBe(1);
    await eventually(async () => ((await subscriptionInvoices(id)).length >= 1 ? true : undefined), 30_000);

    const cancels = await Promise.all(Array.from({ length: 5 }, () => post(`/subscriptions/${id}/cancel`, { at: 'now' })));
    expect(cancels.filter((c) => c.status === 200).length).toBeGreaterThanOrEqual(1);
    for (const c of cancels) expect([200, 409]).toContain(c.status);
    const [credits] = await db.sql<{ n: number }[]>`select count(*)::int as n from customer_credits where entry_key like ${`subscription:${id}:%`}`;
    expect(credits?.n).toBeLessThanOrEqual(1);
    const history = (await get(`/subscriptions/${id}`)).body.history as { type: string }[];
    expect(history.filter((h) => h.type === 'cancelled')).toHaveLength(1);
  }, 60_000);

  test('when five changes of plan arrive at once, then they are applied one at a time, each prorated from the plan before it, and none twice', async () => {
    const created = await post('/subscriptions', { customerId, planCode: 'e2e-basic' });
    const id = created.body.id as string;
    await eventually(async () => ((await subscriptionInvoices(id)).length >= 1 ? true : undefined), 30_000);

    // Alternating targets: whichever comes first moves the plan, the next either moves it back or finds it there (409).
    const targets = ['e2e-pro', 'e2e-basic', 'e2e-pro', 'e2e-basic', 'e2e-pro'];
    const answers = await Promise.all(targets.map((planCode) => post(`/subscriptions/${id}/change-plan`, { planCode })));
    for (const a of answers) expect([200, 409]).toContain(a.status);
    const applied = answers.filter((a) => a.status === 200);
    expect(applied.length).toBeGreaterThanOrEqual(1);
    const history = (await get(`/subscriptions/${id}`)).body.history as { type: string; version: number; detail: { from: string; to: string } }[];
    const changes = history.filter((h) => h.type === 'plan_changed');
    expect(changes).toHaveLength(applied.length);
    // A chain: each change starts from the plan the one before it left.
    for (let i = 1; i < changes.length; i++) expect(changes[i]?.detail.from).toBe(changes[i - 1]?.detail.to);
    expect(new Set(history.map((h) => h.version)).size).toBe(history.length);
    expect((await post(`/subscriptions/${id}/cancel`, { at: 'now' })).status).toBe(200);
  }, 60_000);

  test('when a field holds what PostgreSQL cannot store (a NUL byte), then it is refused or finds nothing, and nothing is stored', async () => {
    const count = async () => ((await db.sql<{ n: number }[]>`select (select count(*) from subscriptions) + (select count(*) from plans) as n`)[0]?.n ?? -1);
    const before = await count();
    const plan = await post('/plans', { code: 'e2e-nul', name: 'Bad\u0000name', currency: 'EUR', unitPriceMinor: 100, interval: 'P1M' });
    expect(plan.status).toBe(400);
    expect(plan.body.error.details[0].path).toBe('name');
    expect((await post('/plans', { code: 'e2e\u0000nul', name: 'x', currency: 'EUR', unitPriceMinor: 100, interval: 'P1M' })).body.error.details[0].path).toBe('code');
    const sub = await post('/subscriptions', { customerId: 'cus_\u0000', planCode: 'e2e-basic' });
    expect(sub.status).toBe(400);
    expect(sub.body.error.details[0].path).toBe('customerId');
    expect((await post('/subscriptions', { customerId, planCode: 'e2e-\u0000' })).body.error.details[0].path).toBe('planCode');
    expect((await get('/plans/e2e%00basic')).status).toBe(404);
    const listed = await get('/subscriptions?customerId=cus_%00');
    expect(listed.status).toBe(400);
    expect(listed.body.error.details[0].path).toBe('customerId');
    expect(await count()).toBe(before);
  });

  test('when a request is bad, then it is refused naming the field and nothing is stored', async () => {
    const count = async () => ((await db.sql<{ n: number }[]>`select count(*)::int as n from subscriptions`)[0]?.n ?? -1);
    const before = await count();
    for (const [body, path] of [
      [{ customerId: 'cus_nope', planCode: 'e2e-basic' }, 'customerId'],
      [{ customerId, planCode: 'nope' }, 'planCode'],
      [{ customerId, planCode: 'e2e-basic', trialDays: -1 }, 'trialDays'],
      [{ customerId, planCode: 'e2e-basic', startAt: 'tomorrow' }, 'startAt'],
    ] as const) {
      const res = await post('/subscriptions', body);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe(path);
    }
    expect((await post('/subscriptions', { customerId, planCode: 'e2e-basic' }, TEST_KEYS.viewer)).status).toBe(403);
    expect(await count()).toBe(before);

    const trial = await post('/subscriptions', { customerId, planCode: 'e2e-basic', trialDays: 30 });
    expect(trial.body).toMatchObject({ status: 'trialing' });
    const otherCurrency = await post(`/subscriptions/${trial.body.id}/change-plan`, { planCode: 'e2e-usd' });
    expect(otherCurrency.status).toBe(400);
    expect(otherCurrency.body.error.details[0].path).toBe('planCode');
    expect((await post(`/subscriptions/${trial.body.id}/cancel`, { at: 'now' })).body.status).toBe('cancelled');
  }, 60_000);
});
