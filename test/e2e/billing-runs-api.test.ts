import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { monthsOfOwnYear } from '../support/periods';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Billing runs over real HTTP, with the run's workflow and the invoices' workflows on a real worker:
 * refusals that write nothing, roles, a dry run's previews, a real run's invoices and billed
 * charges, a period posted again or five times at once, and cancels.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const month = monthsOfOwnYear();

const post = (body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
  app.http('POST', '/billing-runs', { key: options.key ?? TEST_KEYS.operator, body, ...(options.headers ? { headers: options.headers } : {}) });
const get = (path: string, key: string = TEST_KEYS.viewer) => app.http('GET', path, { key });
const cancel = (id: string, key: string = TEST_KEYS.operator) => app.http('POST', `/billing-runs/${id}/cancel`, { key });

async function createCustomer(body: object, key: string = TEST_KEYS.operator): Promise<string> {
  const res = await app.http('POST', '/customers', { key, body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function createCharge(body: object): Promise<any> {
  const res = await app.http('POST', '/charges', { key: TEST_KEYS.operator, body });
  expect(res.status).toBe(201);
  return res.body;
}

async function runsStored(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from billing_runs`;
  return row?.n ?? -1;
}

/** The run once it has ended (completed, cancelled or failed). */
async function finished(id: string): Promise<any> {
  return eventually(async () => {
    const res = await get(`/billing-runs/${id}`);
    expect(res.status).toBe(200);
    return res.body.status === 'running' ? undefined : res.body;
  }, 60_000);
}

/** Every item of a run's invoice list, a page of `limit` at a time. */
async function allOf(id: string, limit = 2): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { data: any[]; nextCursor: string | null } } = await get(`/billing-runs/${id}/invoices?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

describe('starting a billing run', () => {
  test.each([
    ['no period', 'period', 'is required', { period: undefined }],
    ['month 13', 'period', 'YYYY-MM', { period: '2026-13' }],
    ['a one-digit month', 'period', 'YYYY-MM', { period: '2026-1' }],
    ['year 0', 'period', 'YYYY-MM', { period: '0000-01' }],
    ['a period as a number', 'period', 'expected string', { period: 202610 }],
    ['an unknown customer', 'customerIds.0', 'does not exist', { customerIds: ['cus_nobody'] }],
    ['an unknown customer after a known one', 'customerIds.1', 'does not exist', { customerIds: ['$known', 'cus_nobody'] }],
    ['an empty customer id', 'customerIds.0', '>=1', { customerIds: [''] }],
    ['a NUL in a customer id', 'customerIds.0', 'NUL', { customerIds: ['cus_\u0000'] }],
    ['a lone surrogate in the period', 'period', 'surrogate', { period: '2026-1\ud800' }],
    ['customerIds as a string', 'customerIds', 'expected array', { customerIds: 'cus_1' }],
    ['no customers at all', 'customerIds', 'at least one customer', { customerIds: [] }],
    ['dryRun as a string', 'dryRun', 'expected boolean', { dryRun: 'yes' }],
    ['dryRun as a number', 'dryRun', 'expected boolean', { dryRun: 1 }],
    ['an unknown field', 'customers', 'unknown field', { customers: [] }],
  ])('when a run has %s, then 400 names %s and nothing is written', async (_what, path, message, change) => {
    const known = await createCustomer({ name: 'Known GmbH', email: 'ap@known.test', currency: 'EUR' });
    const body = JSON.parse(JSON.stringify({ period: month(1), ...change }).replace('$known', known));
    const before = await runsStored();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toContainEqual({ path, message: expect.stringContaining(message) });
    expect(await runsStored()).toBe(before);
  });

  test('when a viewer or an approver starts or cancels a run, then 403 and nothing is written; both may read', async () => {
    const started = await post({ period: month(1), dryRun: true });
    expect(started.status).toBe(202);
    const before = await runsStored();
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.approver]) {
      const res = await post({ period: month(2), dryRun: true }, { key });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect((await cancel(started.body.id, key)).status).toBe(403);
      expect((await get(`/billing-runs/${started.body.id}`, key)).status).toBe(200);
      expect((await get(`/billing-runs/${started.body.id}/invoices`, key)).status).toBe(200);
      expect((await get('/billing-runs', key)).status).toBe(200);
    }
    expect(await runsStored()).toBe(before);
  });

  test('when a run does not exist, or its id could not be one, then 404 for reads and cancels', async () => {
    for (const id of ['run_1999-01', '%20', 'a%00b']) {
      for (const res of [await get(`/billing-runs/${id}`), await get(`/billing-runs/${id}/invoices`), await cancel(id)]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
    expect((await get('/billing-runs/run_1999-01')).body.error.message).toBe('billing run run_1999-01 does not exist');
  });

  test('when dry runs are posted with an Idempotency-Key, then the same key and body answer the same run, another body 409; without a key each is a new run', async () => {
    const headers = { 'idempotency-key': `dry-${month(1)}` };
    const body = { period: month(1), dryRun: true };
    const first = await post(body, { headers });
    const again = await post(body, { headers });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body).toEqual(first.body);
    expect(first.body).toEqual({ id: expect.stringMatching(new RegExp(`^run_${month(1)}_dry_[0-9a-z]{20}$`)), period: month(1), status: 'running', dryRun: true });
    expect(first.headers.get('location')).toBe(`/billing-runs/${first.body.id}`);
    const conflict = await post({ ...body, period: month(2) }, { headers });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
    const other = await post(body);
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });
});

describe('billing a period', () => {
  test('when a dry run and then a real run bill a period, then the previews show the invoices the real run creates, one per customer and currency, and each charge is billed by one', async () => {
    const P = month(3);
    // A is exempt from approval (only an admin may set that), B needs one (its total is above the EUR threshold), C does not.
    const a = await createCustomer({ name: 'Alpha AG', email: 'ap@alpha.test', currency: 'EUR', taxRateBps: 1900, approval: 'never' }, TEST_KEYS.admin);
    const b = await createCustomer({ name: 'Beta GmbH', email: 'ap@beta.test', currency: 'EUR', taxRateBps: 700 });
    const c = await createCustomer({ name: 'Gamma Ltd', email: 'ap@gamma.test', currency: 'GBP', taxRateBps: 2000 });
    const charges = [
      await createCharge({ customerId: a, description: 'Consulting', quantity: 1, unitPriceMinor: 300_000, period: P }),
      await createCharge({ customerId: a, kind: 'time', description: 'Support hours', quantity: '10', unitPrice: '500.00', period: P }),
      await createCharge({ customerId: b, description: 'Licence', quantity: 2, unitPriceMinor: 100_000, period: P }),
      await createCharge({ customerId: b, kind: 'usage', description: 'API calls', quantity: '400000', unitPriceMinor: 1, period: P }),
      await createCharge({ customerId: c, description: 'Setup', quantity: 1, unitPrice: '10.00', period: month(2) }),
      await createCharge({ customerId: c, kind: 'usage', description: 'Storage', quantity: '3', unitPrice: '8.50', period: P }),
    ];
    const later = await createCharge({ customerId: a, description: 'Next month', quantity: 1, unitPriceMinor: 100, period: month(4) });
    const expected = [
      { customerId: a, currency: 'EUR', nets: [300_000, 500_000], totalMinor: 300_000 + 57_000 + 500_000 + 95_000 },
      { customerId: b, currency: 'EUR', nets: [200_000, 400_000], totalMinor: 200_000 + 14_000 + 400_000 + 28_000 },
      { customerId: c, currency: 'GBP', nets: [1_000, 2_550], totalMinor: 1_000 + 200 + 2_550 + 510 },
    ].sort((x, y) => (x.customerId < y.customerId ? -1 : 1));
    const totals = [
      { currency: 'EUR', totalMinor: 952_000 + 642_000 },
      { currency: 'GBP', totalMinor: 4_260 },
    ];
    const ours = [a, b, c];
    const pendingOf = async () => ((await get(`/charges?status=pending&limit=200`)).body.data as { id: string; customerId: string }[]).filter((ch) => ours.includes(ch.customerId)).map((ch) => ch.id).sort();

    const dry = await post({ period: P, dryRun: true });
    expect(dry.status).toBe(202);
    expect(dry.body).toMatchObject({ period: P, status: 'running', dryRun: true });
    const dryDone = await finished(dry.body.id);
    expect(dryDone).toEqual({
      id: dry.body.id,
      period: P,
      status: 'completed',
      dryRun: true,
      counts: { planned: 3, created: 3, issued: 0, sent: 0, failed: 0 },
      totals,
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    const previews = await allOf(dry.body.id);
    expect(previews).toEqual(
      expected.map((e) => ({
        customerId: e.customerId,
        currency: e.currency,
        lines: e.nets.map((netMinor) => expect.objectContaining({ netMinor })),
        totalMinor: e.totalMinor,
      })),
    );
    const [invoicesAfterDryRun] = await db.sql<{ n: number }[]>`select count(*)::int as n from invoices where customer_id in ${db.sql(ours)}`;
    expect(invoicesAfterDryRun?.n).toBe(0);
    expect(await pendingOf()).toEqual([...charges.map((ch) => ch.id as string), later.id as string].sort());

    const real = await post({ period: P });
    expect(real.status).toBe(202);
    expect(real.body).toEqual({ id: `run_${P}`, period: P, status: 'running', dryRun: false });
    const done = await finished(real.body.id);
    expect(done).toMatchObject({ status: 'completed', dryRun: false, counts: { planned: 3, created: 3, failed: 0 }, totals });
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));

    const invoices = await allOf(real.body.id);
    expect(invoices.map((i) => ({ customerId: i.customerId, currency: i.currency, totalMinor: i.totalMinor, billingRunId: i.billingRunId }))).toEqual(
      expect.arrayContaining(expected.map((e) => ({ customerId: e.customerId, currency: e.currency, totalMinor: e.totalMinor, billingRunId: real.body.id }))),
    );
    expect(invoices).toHaveLength(3);
    const invoiceOf = new Map(invoices.map((i) => [i.customerId as string, i.id as string]));
    for (const charge of charges) {
      expect((await get(`/charges/${charge.id}`)).body).toMatchObject({ status: 'billed', invoiceId: invoiceOf.get(charge.customerId) });
    }
    expect(await pendingOf()).toEqual([later.id]);
    for (const invoiceId of invoiceOf.values()) {
      const invoice = (await get(`/invoices/${invoiceId}`)).body;
      expect(invoice.billingRunId).toBe(real.body.id);
    }

    // Approval follows each customer's rule: A's and C's invoices are issued and sent, B's waits.
    const settled = await eventually(async () => {
      const res = await get(`/billing-runs/${real.body.id}`);
      return res.body.counts.issued === 2 && res.body.counts.sent === 2 ? res.body : undefined;
    }, 60_000);
    expect(settled.counts).toEqual({ planned: 3, created: 3, issued: 2, sent: 2, failed: 0 });
    expect((await get(`/invoices/${invoiceOf.get(b)}`)).body.status).toBe('pending_approval');

    const again = await post({ period: P });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: real.body.id, period: P, status: 'completed', dryRun: false });
    const narrower = await post({ period: P, customerIds: [c] });
    expect(narrower.status).toBe(200);
    expect(narrower.body.id).toBe(real.body.id);
    expect((await allOf(real.body.id, 50)).map((i) => i.id).sort()).toEqual(invoices.map((i) => i.id).sort());

    const refused = await cancel(real.body.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', status: 'completed' });

    const listed = (await get('/billing-runs?limit=200')).body.data as { id: string }[];
    expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining([dry.body.id, real.body.id]));
    expect(listed.find((r) => r.id === real.body.id)).toEqual({ ...settled, counts: expect.objectContaining({ planned: 3, created: 3 }) });
  });

  test('when five requests start the same new period at once, then one run exists, one answer is 202 and four are 200, and each charge is billed once', async () => {
    const P = month(6);
    const customers = [
      await createCustomer({ name: 'Delta SA', email: 'ap@delta.test', currency: 'EUR', approval: 'never' }, TEST_KEYS.admin),
      await createCustomer({ name: 'Epsilon Oy', email: 'ap@epsilon.test', currency: 'EUR' }),
    ];
    const charges: { id: string; customerId: string }[] = [];
    for (const customerId of customers) {
      for (let i = 0; i < 3; i++) charges.push(await createCharge({ customerId, description: `Item ${i}`, quantity: 1, unitPriceMinor: 1_000 + i, period: P }));
    }

    const answers = await Promise.all(Array.from({ length: 5 }, () => post({ period: P, customerIds: customers })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.id as string))).toEqual(new Set([`run_${P}`]));
    const done = await finished(`run_${P}`);
    expect(done).toMatchObject({ status: 'completed', counts: { planned: 2, created: 2, failed: 0 }, totals: [{ currency: 'EUR', totalMinor: 2 * (1_000 + 1_001 + 1_002) }] });

    const [stored] = await db.sql<{ n: number }[]>`select count(*)::int as n from billing_runs where period = ${P} and not dry_run`;
    expect(stored?.n).toBe(1);
    const lines = await db.sql<{ invoice_id: string; n: number }[]>`
      select l.invoice_id, count(*)::int as n
      from invoice_lines l
      join invoices i on i.id = l.invoice_id
      where i.billing_run_id = ${`run_${P}`}
      group by l.invoice_id`;
    expect(lines.map((l) => l.n)).toEqual([3, 3]);
    const invoiceIds = new Set(lines.map((l) => l.invoice_id));
    for (const charge of charges) {
      const stored = (await get(`/charges/${charge.id}`)).body;
      expect(stored.status).toBe('billed');
      expect(invoiceIds.has(stored.invoiceId)).toBe(true);
    }
  });

  test('when a running run is cancelled, then it answers 202 and ends with no further invoices: each charge is billed by an invoice of the run or still pending', async () => {
    const P = month(8);
    const customers: string[] = [];
    for (let i = 0; i < 25; i++) customers.push(await createCustomer({ name: `Many ${i}`, email: `ap${i}@many.test`, currency: 'EUR', approval: 'never' }, TEST_KEYS.admin));
    const charges: { id: string }[] = [];
    for (const customerId of customers) charges.push(await createCharge({ customerId, description: 'Monthly fee', quantity: 1, unitPriceMinor: 500, period: P }));

    const started = await post({ period: P, customerIds: customers });
    expect(started.status).toBe(202);
    // Five cancels at once: each is accepted while the run runs; one that arrives after the end gets 409 naming its status.
    const answers = await Promise.all(Array.from({ length: 5 }, () => cancel(started.body.id)));
    for (const answer of answers) {
      if (answer.status === 409) expect(['completed', 'cancelled']).toContain(answer.body.error.status);
      else expect(answer.body).toEqual({ id: started.body.id, status: 'running' });
    }
    const cancelled = answers.find((a) => a.status === 202) ?? answers[0]!;
    const done = await finished(started.body.id);
    expect(['cancelled', 'completed']).toContain(done.status);
    if (cancelled.status === 202 && done.status === 'cancelled') expect((await cancel(started.body.id)).body.error.status).toBe('cancelled');

    const invoices = await allOf(started.body.id, 200);
    expect(invoices).toHaveLength(done.counts.created);
    const ofRun = new Set(invoices.map((i) => i.id as string));
    let billed = 0;
    for (const charge of charges) {
      const stored = (await get(`/charges/${charge.id}`)).body;
      if (stored.status === 'billed') {
        billed++;
        expect(ofRun.has(stored.invoiceId)).toBe(true);
      } else {
        expect(stored.status).toBe('pending');
      }
    }
    expect(billed).toBe(done.counts.created);
  });
});

describe('a run whose workflow is not running', () => {
  /**
   * A run's row as the api stores it before it starts the workflow (a crash in between leaves just
   * this), with some progress recorded; its start in milliseconds, as the api writes times.
   */
  async function storedRun(id: string, period: string, dryRun: boolean): Promise<void> {
    await db.sql`
      insert into billing_runs (id, period, dry_run, status, customer_ids, planned, created, failed, totals, created_by, started_at)
      values (${id}, ${period}, ${dryRun}, 'running', null, 2, 1, 0, ${db.sql.json([{ currency: 'EUR', totalMinor: 700 }])}, 'olivia', ${new Date().toISOString()})`;
  }

  test('when a run\'s workflow never started, then reading it answers the progress recorded, and posting its period again starts it', async () => {
    const P = month(12);
    await storedRun(`run_${P}`, P, false);
    const read = await get(`/billing-runs/run_${P}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'running', counts: { planned: 2, created: 1, issued: 0, sent: 0, failed: 0 }, totals: [{ currency: 'EUR', totalMinor: 700 }] });
    const refused = await cancel(`run_${P}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.status).toBe('running');

    const again = await post({ period: P });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: `run_${P}`, period: P, status: 'running', dryRun: false });
    expect((await finished(`run_${P}`)).status).toBe('completed');
  });

  test('when a run\'s row still says running after its workflow closed, then reading it answers the row without asking the workflow', async () => {
    const dry = await post({ period: month(1), dryRun: true });
    const done = await finished(dry.body.id);
    await db.sql`update billing_runs set status = 'running', finished_at = null where id = ${dry.body.id}`;
    const read = await get(`/billing-runs/${dry.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...done, status: 'running', finishedAt: null });
    const refused = await cancel(dry.body.id);
    expect(refused.status).toBe(409);
  });
});

describe('listing billing runs', () => {
  test('when runs are listed a page at a time, then every run appears once, oldest first', async () => {
    for (let i = 0; i < 3; i++) expect((await post({ period: month(10), dryRun: true })).status).toBe(202);
    const seen: { id: string; startedAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { data: { id: string; startedAt: string }[]; nextCursor: string | null } } = await get(`/billing-runs?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(await runsStored());
    const order = seen.map((r) => `${r.startedAt} ${r.id}`);
    expect(order).toEqual([...order].sort());
  });

  test.each([
    ['/billing-runs?limit=0', 'limit'],
    ['/billing-runs?limit=201', 'limit'],
    ['/billing-runs?cursor=not*a*cursor', 'cursor'],
    ['/billing-runs?cursor=', 'cursor'],
    ['/billing-runs?period=2026-01', 'period'],
  ])('when %s is asked, then 400 names %s', async (path, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  test('when a dry run\'s previews are asked with a cursor of another list, then 400 names cursor', async () => {
    const dry = await post({ period: month(11), dryRun: true });
    const invoiceCursor = Buffer.from(JSON.stringify(['2026-01-31T10:00:00.000Z', 'inv_x'])).toString('base64url');
    const res = await get(`/billing-runs/${dry.body.id}/invoices?cursor=${invoiceCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['cursor']);
  });
});
