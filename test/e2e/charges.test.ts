import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Charges over real HTTP against PostgreSQL (and Temporal, for the invoice a billed charge points
 * to): recording each kind, the period and tax defaults, idempotent creates, refusals that write
 * nothing, lists and paging, and cancels that race each other and a billing run.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const eurCustomer = { name: 'Acme GmbH', email: 'ap@acme.test', currency: 'EUR', taxRateBps: 1900 };

async function createCustomer(body: object = eurCustomer): Promise<string> {
  const res = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const post = (body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
  app.http('POST', '/charges', { key: options.key ?? TEST_KEYS.operator, body, ...(options.headers ? { headers: options.headers } : {}) });

async function createCharge(body: object): Promise<any> {
  const res = await post(body);
  expect(res.status).toBe(201);
  return res.body;
}

const get = (path: string, key: string = TEST_KEYS.viewer) => app.http('GET', path, { key });
const cancel = (id: string, key: string = TEST_KEYS.operator) => app.http('POST', `/charges/${id}/cancel`, { key });

/** The charges and their audit events, everywhere or for one customer. */
async function written(customerId: string | null = null): Promise<{ charges: number; events: number }> {
  const [row] = await db.sql<{ charges: number; events: number }[]>`
    select (select count(*)::int from charges where ${customerId ? db.sql`customer_id = ${customerId}` : db.sql`true`}) as charges,
           (select count(*)::int from audit_events a where a.entity_type = 'charge'
              and ${customerId ? db.sql`a.entity_id in (select id from charges where customer_id = ${customerId})` : db.sql`true`}) as events`;
  return row ?? { charges: -1, events: -1 };
}

async function eventsOf(chargeId: string): Promise<{ type: string; actor: string }[]> {
  return db.sql<{ type: string; actor: string }[]>`
    select type, actor
    from audit_events
    where entity_type = 'charge'
      and entity_id = ${chargeId}
    order by id`;
}

const utcMonth = () => new Date().toISOString().slice(0, 7);

describe('recording charges', () => {
  test('when an operator records a charge of each kind, then each is pending, priced in the customer\'s currency at the customer\'s tax rate unless given', async () => {
    const customerId = await createCustomer();
    const before = utcMonth();
    const oneOff = await post({ customerId, description: 'Setup fee', quantity: 1, unitPrice: '250.00' });
    const time = await post({ customerId, kind: 'time', description: 'Consulting, March', quantity: '2.5', unitPrice: '80.00', taxRateBps: 700 });
    const usage = await post({ customerId, kind: 'usage', description: 'API calls', quantity: '1234', unitPriceMinor: 3 });
    const months = [before, utcMonth()];

    for (const res of [oneOff, time, usage]) {
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/charges/${res.body.id}`);
      expect(months).toContain(res.body.period);
      expect(Date.parse(res.body.occurredAt)).toBe(Date.parse(res.body.createdAt));
    }
    const common = { status: 'pending', customerId, currency: 'EUR', invoiceId: null, createdBy: 'olivia', cancelledBy: null, cancelledAt: null };
    expect(oneOff.body).toEqual({
      ...common,
      id: expect.stringMatching(/^chg_/),
      period: oneOff.body.period,
      description: 'Setup fee',
      kind: 'one_off',
      quantity: '1',
      unitPriceMinor: 25000,
      taxRateBps: 1900,
      amountMinor: 25000,
      occurredAt: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(time.body).toMatchObject({ ...common, kind: 'time', quantity: '2.5', unitPriceMinor: 8000, taxRateBps: 700, amountMinor: 20000 });
    expect(usage.body).toMatchObject({ ...common, kind: 'usage', quantity: '1234', unitPriceMinor: 3, taxRateBps: 1900, amountMinor: 3702 });

    for (const res of [oneOff, time, usage]) {
      expect((await get(`/charges/${res.body.id}`)).body).toEqual(res.body);
      expect(await eventsOf(res.body.id)).toEqual([{ type: 'created', actor: 'olivia' }]);
    }
  });

  test('when the customer bills in yen without a tax rate, then the price has no decimals and the tax rate is 0', async () => {
    const customerId = await createCustomer({ name: 'Kaisha KK', email: 'ap@kaisha.test', currency: 'JPY' });
    const charge = await createCharge({ customerId, kind: 'usage', description: 'Storage', quantity: '3', unitPrice: '1500' });
    expect(charge).toMatchObject({ currency: 'JPY', unitPriceMinor: 1500, amountMinor: 4500, taxRateBps: 0 });
    const refused = await post({ customerId, description: 'Storage', quantity: '3', unitPrice: '1500.5' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'unitPrice', message: expect.stringContaining('more than 0 decimal places') }]);
  });

  test('when amounts need rounding, then quantity × price is rounded half away from zero once', async () => {
    const customerId = await createCustomer();
    const cases: [string, number, number][] = [
      ['0.3333', 100, 33],
      ['0.0001', 5000, 1],
      ['0.0001', 4999, 0],
      ['0.25', 9999, 2500],
    ];
    for (const [quantity, unitPriceMinor, amountMinor] of cases) {
      expect((await createCharge({ customerId, kind: 'time', description: 'Support', quantity, unitPriceMinor })).amountMinor).toBe(amountMinor);
    }
  });

  test('when a charge says when it occurred, then its period is that instant\'s UTC month unless a period is given', async () => {
    const customerId = await createCustomer();
    const lateNight = await createCharge({ customerId, description: 'Call-out', quantity: 1, unitPriceMinor: 100, occurredAt: '2026-01-31T23:30:00-01:00' });
    expect(lateNight).toMatchObject({ occurredAt: '2026-02-01T00:30:00.000Z', period: '2026-02' });
    const earlyMorning = await createCharge({ customerId, description: 'Call-out', quantity: 1, unitPriceMinor: 100, occurredAt: '2026-03-01T00:30:00+01:00' });
    expect(earlyMorning).toMatchObject({ occurredAt: '2026-02-28T23:30:00.000Z', period: '2026-02' });
    const assigned = await createCharge({ customerId, description: 'Late usage report', quantity: 1, unitPriceMinor: 100, occurredAt: '2026-03-02T09:00:00Z', period: '2026-02' });
    expect(assigned).toMatchObject({ occurredAt: '2026-03-02T09:00:00.000Z', period: '2026-02' });
    const now = await createCharge({ customerId, description: 'Call-out', quantity: 1, unitPriceMinor: 100, period: '2025-12' });
    expect(now.period).toBe('2025-12');
  });

  test('when the same Idempotency-Key is sent twice with the same body, then one charge exists and the same answer comes back; with another body, 409', async () => {
    const customerId = await createCustomer();
    const body = { customerId, description: 'Setup fee', quantity: 1, unitPrice: '99.00' };
    const headers = { 'idempotency-key': `charge-${customerId}` };
    const first = await post(body, { headers });
    const again = await post(body, { headers });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    const conflict = await post({ ...body, quantity: 2 }, { headers });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
    expect(await written(customerId)).toEqual({ charges: 1, events: 1 });
  });

  test('when ten requests with the same Idempotency-Key and body arrive at once, then all answer 201 with the same charge and one is stored', async () => {
    const customerId = await createCustomer();
    const key = `charge-parallel-${customerId}`;
    const body = { customerId, kind: 'usage', description: 'API calls', quantity: '10', unitPriceMinor: 7 };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body, { headers: { 'idempotency-key': key } })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.id as string)).size).toBe(1);
    expect(await written(customerId)).toEqual({ charges: 1, events: 1 });
    const [keys] = await db.sql<{ n: number }[]>`select count(*)::int as n from idempotency_keys where key = ${key} and response_status = 201`;
    expect(keys?.n).toBe(1);
  });

  test.each([
    ['no customerId', 'customerId', 'is required', { customerId: undefined }],
    ['an unknown customer', 'customerId', 'does not exist', { customerId: 'cus_nobody' }],
    ['a blank description', 'description', 'is required', { description: '   ' }],
    ['a description of two lines', 'description', 'one line', { description: 'two\nlines' }],
    ['a NUL in the description', 'description', 'NUL', { description: 'nul\u0000byte' }],
    ['a lone surrogate in the description', 'description', 'surrogate', { description: 'half \ud800 a character' }],
    ['a quantity of zero', 'quantity', 'greater than zero', { quantity: '0' }],
    ['a negative quantity', 'quantity', 'positive decimal', { quantity: -1 }],
    ['a quantity with 5 decimals', 'quantity', 'at most 4 decimals', { quantity: '1.23456' }],
    ['a quantity over 10^12', 'quantity', 'at most 1000000000000', { quantity: '1000000000001' }],
    ['an amount over 10^15', 'quantity', '10^15', { quantity: '1000000', unitPrice: undefined, unitPriceMinor: 1_000_000_000_000_000 }],
    ['a price with 3 decimals in EUR', 'unitPrice', 'more than 2 decimal places', { unitPrice: '1.999' }],
    ['a price as a float', 'unitPrice', 'expected string', { unitPrice: 1.5 }],
    ['no price', 'unitPrice', 'exactly one of', { unitPrice: undefined }],
    ['two prices', 'unitPrice', 'exactly one of', { unitPriceMinor: 100 }],
    ['a price over 10^15 minor units', 'unitPriceMinor', '10^15', { unitPrice: undefined, unitPriceMinor: 1_000_000_000_000_001 }],
    ['a price in fractions of a minor unit', 'unitPriceMinor', 'whole number', { unitPrice: undefined, unitPriceMinor: 1.5 }],
    ['a tax rate over 1000 %', 'taxRateBps', 'basis points', { taxRateBps: 100_001 }],
    ['an unknown kind', 'kind', 'one_off', { kind: 'subscription' }],
    ['month 13', 'period', 'YYYY-MM', { period: '2026-13' }],
    ['a one-digit month', 'period', 'YYYY-MM', { period: '2026-1' }],
    ['a time without offset', 'occurredAt', 'with offset', { occurredAt: '2026-01-31T10:00:00' }],
    ['a time before year 1 in UTC', 'occurredAt', '0001 to 9999', { occurredAt: '0001-01-01T00:00:00+01:00' }],
    ['an unknown field', 'amountMinor', 'unknown field', { amountMinor: 100 }],
  ])('when a charge has %s, then 400 names %s and nothing is written', async (_what, path, message, change) => {
    const customerId = await createCustomer();
    const body: Record<string, unknown> = { customerId, description: 'Consulting', quantity: '1', unitPrice: '10.00', ...change };
    const before = await written();
    const res = await post(JSON.parse(JSON.stringify(body)));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toContainEqual({ path, message: expect.stringContaining(message) });
    expect(await written()).toEqual(before);
  });

  test('when a viewer or an approver tries to record a charge, then 403 and nothing is written; both may read', async () => {
    const customerId = await createCustomer();
    const charge = await createCharge({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 });
    const before = await written();
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.approver]) {
      const res = await post({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 }, { key });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect((await get(`/charges/${charge.id}`, key)).status).toBe(200);
      expect((await get(`/charges?customerId=${customerId}`, key)).body.data).toHaveLength(1);
    }
    expect(await written()).toEqual(before);
  });
});

describe('listing charges', () => {
  test('when charges are filtered by customer, status and period, then exactly the matching ones come back, oldest first', async () => {
    const a = await createCustomer();
    const b = await createCustomer();
    const make = (customerId: string, period: string) => createCharge({ customerId, description: `Work in ${period}`, quantity: 1, unitPriceMinor: 100, period });
    const a1 = await make(a, '2026-01');
    const a2 = await make(a, '2026-01');
    const a3 = await make(a, '2026-02');
    const a4 = await make(a, '2026-02');
    const b1 = await make(b, '2026-01');
    expect((await cancel(a4.id)).status).toBe(200);

    const ids = async (query: string) => ((await get(`/charges?${query}`)).body.data as { id: string }[]).map((c) => c.id);
    expect(await ids(`customerId=${a}`)).toEqual([a1.id, a2.id, a3.id, a4.id]);
    expect(await ids(`customerId=${a}&period=2026-01`)).toEqual([a1.id, a2.id]);
    expect(await ids(`customerId=${a}&status=pending`)).toEqual([a1.id, a2.id, a3.id]);
    expect(await ids(`customerId=${a}&status=cancelled`)).toEqual([a4.id]);
    expect(await ids(`customerId=${a}&status=pending&period=2026-02`)).toEqual([a3.id]);
    expect(await ids(`customerId=${b}&status=pending&period=2026-01`)).toEqual([b1.id]);
    expect(await ids(`customerId=${b}&status=billed`)).toEqual([]);
    expect(await ids('customerId=cus_nobody')).toEqual([]);
  });

  test('when all charges are listed a page at a time, then every charge appears exactly once, oldest first', async () => {
    const customerId = await createCustomer();
    for (let i = 0; i < 5; i++) await createCharge({ customerId, description: `Paged ${i}`, quantity: 1, unitPriceMinor: 100 });
    for (const filter of ['', `&customerId=${customerId}`]) {
      const seen: { id: string; createdAt: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { data: { id: string; createdAt: string }[]; nextCursor: string | null } } = await get(`/charges?limit=2${filter}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      const ids = seen.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe((await written(filter ? customerId : null)).charges);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(ids.length / 2));
      const order = seen.map((c) => `${c.createdAt} ${c.id}`);
      expect(order).toEqual([...order].sort());
    }
  });

  test.each([
    ['status=bogus', 'status'],
    ['period=2026-13', 'period'],
    ['period=', 'period'],
    ['cursor=not*a*cursor', 'cursor'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['customer=cus_1', 'customer'],
  ])('when the list is asked with %s, then 400 names %s', async (query, path) => {
    const res = await get(`/charges?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  test('when a charge does not exist, or its id could not be one, then 404', async () => {
    for (const id of ['chg_missing', '%20', 'a%00b']) {
      const res = await get(`/charges/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await get('/charges/chg_missing')).body.error.message).toBe('charge chg_missing does not exist');
  });
});

describe('cancelling charges', () => {
  test('when a pending charge is cancelled, then it is cancelled by the operator; a second cancel answers the same charge', async () => {
    const customerId = await createCustomer();
    const charge = await createCharge({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 });
    const first = await cancel(charge.id);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ...charge, status: 'cancelled', cancelledBy: 'olivia', cancelledAt: expect.any(String) });
    expect(Date.parse(first.body.cancelledAt)).toBeGreaterThanOrEqual(Date.parse(charge.createdAt));
    const again = await cancel(charge.id, TEST_KEYS.admin);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await get(`/charges/${charge.id}`)).body).toEqual(first.body);
    expect(await eventsOf(charge.id)).toEqual([
      { type: 'created', actor: 'olivia' },
      { type: 'cancelled', actor: 'olivia' },
    ]);
  });

  test('when ten cancels of one charge arrive at once, then all answer 200 with the same cancelled charge and it is cancelled once', async () => {
    const customerId = await createCustomer();
    const charge = await createCharge({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => cancel(charge.id, i % 2 ? TEST_KEYS.admin : TEST_KEYS.operator)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers[0]?.body).toMatchObject({ status: 'cancelled', cancelledBy: expect.stringMatching(/^(olivia|ada)$/) });
    expect((await eventsOf(charge.id)).filter((e) => e.type === 'cancelled')).toHaveLength(1);
  });

  test('when a billed charge is cancelled, then 409 names its status and it stays billed', async () => {
    const { customerId, chargeId, invoiceId } = await billedCharge();
    const res = await cancel(chargeId);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', status: 'billed' });
    expect((await get(`/charges/${chargeId}`)).body).toMatchObject({ status: 'billed', invoiceId, cancelledAt: null });
    expect(((await get(`/charges?status=billed&customerId=${customerId}`)).body.data as { id: string }[]).map((c) => c.id)).toEqual([chargeId]);
  });

  test('when a cancel races a billing run for the same charge, then exactly one of them wins', async () => {
    const customerId = await createCustomer();
    const invoiceId = await storedInvoice(customerId);
    for (let trial = 0; trial < 5; trial++) {
      const charge = await createCharge({ customerId, description: `Race ${trial}`, quantity: 1, unitPriceMinor: 100 });
      // What a billing run does to claim a charge: the same conditional update a cancel makes.
      const [cancelled, billed] = await Promise.all([
        cancel(charge.id),
        db.sql`
          update charges
          set status = 'billed', invoice_id = ${invoiceId}
          where id = ${charge.id}
            and status = 'pending'
          returning id`,
      ]);
      const stored = (await get(`/charges/${charge.id}`)).body;
      if (billed.length === 1) {
        expect(cancelled.status).toBe(409);
        expect(cancelled.body.error.status).toBe('billed');
        expect(stored).toMatchObject({ status: 'billed', invoiceId, cancelledAt: null });
      } else {
        expect(cancelled.status).toBe(200);
        expect(stored).toMatchObject({ status: 'cancelled', invoiceId: null });
      }
    }
  });

  test('when a charge does not exist, or the cancel has a body with fields, then 404 or 400 naming the field', async () => {
    expect((await cancel('chg_missing')).status).toBe(404);
    const customerId = await createCustomer();
    const charge = await createCharge({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 });
    const res = await app.http('POST', `/charges/${charge.id}/cancel`, { key: TEST_KEYS.operator, body: { reason: 'typo' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'reason', message: expect.stringContaining('unknown field') }]);
    expect((await app.http('POST', `/charges/${charge.id}/cancel`, { key: TEST_KEYS.operator, body: {} })).status).toBe(200);
  });

  test('when a viewer or an approver tries to cancel, then 403 and the charge stays pending', async () => {
    const customerId = await createCustomer();
    const charge = await createCharge({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 });
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.approver]) expect((await cancel(charge.id, key)).status).toBe(403);
    expect((await get(`/charges/${charge.id}`)).body.status).toBe('pending');
    expect(await eventsOf(charge.id)).toHaveLength(1);
  });
});

/** An invoice of the customer, once its workflow has stored it (a billed charge points to it). */
async function storedInvoice(customerId: string): Promise<string> {
  const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId, lines: [{ description: 'Charges', quantity: 1, unitPriceMinor: 100 }] } });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  await eventually(async () => ((await db.sql`select 1 from invoices where id = ${id}`).length === 1 ? true : undefined));
  return id;
}

/** A charge as a billing run leaves it (billing runs come later: the test bills it in SQL). */
async function billedCharge(): Promise<{ customerId: string; chargeId: string; invoiceId: string }> {
  const customerId = await createCustomer();
  const charge = await createCharge({ customerId, description: 'Setup fee', quantity: 1, unitPriceMinor: 100 });
  const invoiceId = await storedInvoice(customerId);
  await db.sql`update charges set status = 'billed', invoice_id = ${invoiceId} where id = ${charge.id}`;
  return { customerId, chargeId: charge.id as string, invoiceId };
}
