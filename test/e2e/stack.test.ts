import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { invoiceWorkflow } from '../../workflows/invoice/workflow';
import { createInvoiceActivities } from '../../activities/invoices';
import { createDraft } from '../../src/domain/invoice';
import { DEFAULT_DUNNING_POLICY } from '../../src/domain/dunning';
import { migrate } from '../../src/db/migrate';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import type { TestDatabase } from '../support/database';

/**
 * The thin vertical slice over real HTTP, against the real Temporal dev server and a real
 * PostgreSQL: what an operator does with curl on a fresh `npm start`.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const customerBody = { name: 'Acme GmbH', email: 'ap@acme.test', currency: 'EUR', paymentTermsDays: 14, taxRateBps: 1900 };

async function createCustomer(body: object = customerBody): Promise<string> {
  const res = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function count(table: 'customers' | 'invoices' | 'invoice_lines' | 'audit_events'): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)}`;
  return row?.n ?? 0;
}


describe('health', () => {
  test('when Temporal and PostgreSQL answer, then /healthz and /readyz are 200 without a key', async () => {
    expect((await app.http('GET', '/healthz', { key: null })).status).toBe(200);
    const ready = await app.http('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual([
      { name: 'postgres', ok: true },
      { name: 'temporal', ok: true },
    ]);
  });

  test('when the OpenAPI document is fetched, then it describes the invoice request', async () => {
    const res = await app.http('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.paths['/invoices'].post.requestBody.content['application/json'].schema.required).toContain('lines');
  });
});

describe('customers and invoices over HTTP', () => {
  test('when an operator creates a customer and an invoice, then it is recorded in PostgreSQL and visible in Temporal by InvoiceStatus', async () => {
    const customerId = await createCustomer();
    expect((await app.http('GET', `/customers/${customerId}`, { key: TEST_KEYS.viewer })).body).toMatchObject({ ...customerBody, id: customerId, createdBy: 'olivia' });

    const created = await app.http('POST', '/invoices', {
      key: TEST_KEYS.operator,
      body: {
        customerId,
        approval: 'required',
        lines: [
          { description: 'Consulting', quantity: '2.5', unitPrice: '100.00' },
          { description: 'Licence', quantity: 1, unitPriceMinor: 4999, taxRateBps: 700 },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/invoices/${created.body.id}`);
    expect(created.body).toMatchObject({ status: 'draft', number: null, currency: 'EUR', subtotalMinor: 29999, taxMinor: 4750 + 350, totalMinor: 35099, amountDueMinor: 35099 });
    const id = created.body.id as string;

    const stored = await eventually(async () => {
      const res = await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer });
      return res.body.status === 'pending_approval' && res.body.timeline?.length === 2 ? res : undefined;
    });
    expect(stored.body).toMatchObject({ id, status: 'pending_approval', number: null, customerId, createdBy: 'olivia', totalMinor: 35099 });
    expect(stored.body.lines.map((l: { totalMinor: number }) => l.totalMinor)).toEqual([29750, 5349]);
    expect(stored.body.timeline[0]).toMatchObject({ type: 'created', actor: 'olivia' });

    const listed = await eventually(async () => {
      const { executions } = await app.temporal.client.workflowService.listWorkflowExecutions({
        namespace: 'default',
        query: `InvoiceStatus = "pending_approval" AND CustomerId = "${customerId}"`,
      });
      return executions.length > 0 ? executions : undefined;
    });
    expect(listed.map((e) => e.execution?.workflowId)).toEqual([`invoice:${id}`]);

    const page = await app.http('GET', `/invoices?status=pending_approval&customerId=${customerId}`, { key: TEST_KEYS.viewer });
    expect(page.body.data.map((i: { id: string }) => i.id)).toEqual([id]);
  });

  test('when customers are listed a page at a time, then every customer appears once', async () => {
    for (let i = 0; i < 3; i++) await createCustomer({ ...customerBody, name: `Paged ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { data: { id: string }[]; nextCursor: string | null } } = await app.http('GET', `/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: TEST_KEYS.viewer });
      seen.push(...res.body.data.map((c) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await count('customers'));
  });

  test('when the same Idempotency-Key is sent twice with the same body, then one invoice exists and the same answer comes back', async () => {
    const customerId = await createCustomer();
    const body = { customerId, lines: [{ description: 'Support', quantity: '1', unitPrice: '10.00' }] };
    const headers = { 'idempotency-key': `idem-${customerId}` };
    const first = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body, headers });
    const again = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const conflict = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { ...body, memo: 'other' }, headers });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
    await eventually(async () => ((await app.http('GET', `/invoices?customerId=${customerId}`)).body.data.length === 1 ? true : undefined));
  });

  test('when ten requests with the same Idempotency-Key and body arrive at once, then all answer 201 with the same customer and one is stored', async () => {
    const key = `idem-parallel-${Date.now()}`;
    const body = { ...customerBody, name: `Parallel ${key}` };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => app.http('POST', '/customers', { key: TEST_KEYS.operator, body, headers: { 'idempotency-key': key } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.id as string)).size).toBe(1);
    const [stored] = await db.sql<{ customers: number; keys: number }[]>`
      select (select count(*)::int from customers where name = ${body.name}) as customers,
             (select count(*)::int from idempotency_keys where key = ${key} and response_status = 201) as keys`;
    expect(stored).toEqual({ customers: 1, keys: 1 });
  });
});

describe('refusals', () => {
  test('when no or a wrong API key is sent, then 401 in the error shape', async () => {
    for (const key of [null, 'not-a-key']) {
      const res = await app.http('GET', '/customers', { key });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'unauthorized', details: [] });
    }
  });

  test('when a viewer or approver tries to create, then 403 and nothing is written', async () => {
    const before = await count('customers');
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.approver]) {
      const res = await app.http('POST', '/customers', { key, body: customerBody });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect(await count('customers')).toBe(before);
  });

  test('when the body is malformed JSON or not JSON, then 400 or 415 in the error shape', async () => {
    const bad = await app.http('POST', '/customers', { key: TEST_KEYS.operator, rawBody: '{"name": "x",' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', message: 'the request body is not valid JSON' });
    const text = await app.http('POST', '/customers', { key: TEST_KEYS.operator, rawBody: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
  });

  test('when the path or the body encoding cannot be decoded, then 400 or 415, never 500, and nothing is written', async () => {
    const before = await count('customers');
    const path = await app.http('GET', '/invoices/%ff', { key: TEST_KEYS.viewer });
    expect(path.status).toBe(400);
    expect(path.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: '(path)' }] });
    const gzip = await app.http('POST', '/customers', { key: TEST_KEYS.operator, rawBody: JSON.stringify(customerBody), headers: { 'content-encoding': 'gzip' } });
    expect(gzip.status).toBe(400);
    expect(gzip.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: '(body)' }] });
    const bogus = await app.http('POST', '/customers', { key: TEST_KEYS.operator, rawBody: JSON.stringify(customerBody), headers: { 'content-encoding': 'bogus' } });
    expect(bogus.status).toBe(415);
    expect(bogus.body.error.code).toBe('unsupported_media_type');
    expect(await count('customers')).toBe(before);
  });

  test('when a route does not exist, then 404 in the error shape', async () => {
    const res = await app.http('GET', '/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  test('when an invoice does not exist, then 404', async () => {
    const res = await app.http('GET', '/invoices/inv_missing');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: 'invoice inv_missing does not exist' });
  });

  test.each([
    [{ lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] }, 'customerId', 'is required'],
    [{ customerId: '$CUSTOMER', lines: [] }, 'lines', 'an invoice needs at least one line'],
    [{ customerId: '$CUSTOMER', lines: [{ description: 'x', quantity: '0', unitPrice: '1.00' }] }, 'lines.0.quantity', 'quantity must be greater than zero'],
    [{ customerId: '$CUSTOMER', lines: [{ description: 'x', quantity: '1.23456', unitPrice: '1.00' }] }, 'lines.0.quantity', 'at most 4 decimals'],
    [{ customerId: '$CUSTOMER', lines: [{ description: 'x', quantity: '1', unitPrice: '1.999' }] }, 'lines.0.unitPrice', 'more than 2 decimal places'],
    [{ customerId: '$CUSTOMER', lines: [{ description: 'x', quantity: '1', unitPrice: 1.5 }] }, 'lines.0.unitPrice', 'expected string'],
    [{ customerId: '$CUSTOMER', lines: [{ description: 'x', quantity: '1' }] }, 'lines.0.unitPrice', 'exactly one of'],
    [{ customerId: '$CUSTOMER', currency: 'EURO', lines: [{ description: 'x', quantity: '1', unitPriceMinor: 1 }] }, 'currency', 'ISO 4217'],
    [{ customerId: '$CUSTOMER', lines: [{ description: 'x', quantity: '1', unitPriceMinor: 1, unitprice: '1' }] }, 'lines.0.unitprice', 'unknown field'],
    [{ customerId: 'cus_nobody', lines: [{ description: 'x', quantity: '1', unitPriceMinor: 1 }] }, 'customerId', 'does not exist'],
  ])('when an invoice request has %p, then 400 names %s and nothing is written', async (body, path, message) => {
    const customerId = await createCustomer();
    const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: JSON.parse(JSON.stringify(body).replace('$CUSTOMER', customerId)) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const detail = res.body.error.details.find((d: { path: string }) => d.path === path);
    expect(detail?.message).toContain(message);
    const { executions } = await app.temporal.client.workflowService.listWorkflowExecutions({ namespace: 'default', query: `CustomerId = "${customerId}"` });
    expect(executions).toHaveLength(0);
    // Other tests' invoices keep working in the background, so count what this request could have written.
    const [written] = await db.sql<{ invoices: number; events: number }[]>`
      select (select count(*)::int from invoices where customer_id = ${customerId}) as invoices,
             (select count(*)::int from audit_events a join invoices i on i.id = a.entity_id where i.customer_id = ${customerId}) as events`;
    expect(written).toEqual({ invoices: 0, events: 0 });
  });

  test('when a customer reuses another customer\'s externalId, then 409 names the field and the first customer is intact', async () => {
    await createCustomer({ ...customerBody, externalId: 'crm-42' });
    const res = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { ...customerBody, name: 'Other', externalId: 'crm-42' } });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([{ path: 'externalId', message: 'already used by another customer' }]);
    const [row] = await db.sql`select name from customers where external_id = 'crm-42'`;
    expect(row?.name).toBe('Acme GmbH');
  });
});

describe('retries and restarts', () => {
  test('when the draft-recording activity runs twice (a retry after a crash), then one invoice, its lines and one audit event exist', async () => {
    const customerId = await createCustomer();
    const draft = createDraft(
      { customerId, currency: 'EUR', lines: [{ description: 'x', quantity: '3', unitPriceMinor: 100, taxRateBps: 0 }], pricesIncludeTax: false, dueAt: null, paymentTermsDays: 30, dunningPolicyId: null, approval: 'policy', memo: null },
      { id: `inv_retry_${customerId}`, createdBy: 'olivia', now: new Date().toISOString() },
    );
    const activities = createInvoiceActivities({ sql: db.sql });
    await activities.recordDraftInvoice(draft);
    await activities.recordDraftInvoice(draft);
    const [rows] = await db.sql<{ invoices: number; lines: number; events: number }[]>`
      select (select count(*)::int from invoices where id = ${draft.id}) as invoices,
             (select count(*)::int from invoice_lines where invoice_id = ${draft.id}) as lines,
             (select count(*)::int from audit_events where entity_id = ${draft.id}) as events`;
    expect(rows).toEqual({ invoices: 1, lines: 1, events: 1 });
  });

  test('when a workflow for an existing invoice id is started again, then Temporal refuses the duplicate', async () => {
    const customerId = await createCustomer();
    const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 100 }] } });
    const draft = (await app.http('GET', `/invoices/${res.body.id}`)).body;
    await expect(
      app.temporal.client.workflow.start(invoiceWorkflow, {
        workflowId: `invoice:${draft.id}`,
        taskQueue: app.config.temporal.taskQueue,
        args: [
          {
            draft: { ...draft, paymentTermsDays: 30, dunningPolicyId: null, approval: 'policy' },
            customer: { id: customerId, name: customerBody.name, email: customerBody.email, locale: 'en', approval: 'policy' },
            policy: DEFAULT_DUNNING_POLICY,
            settings: { approvalEscalationAfter: 'P2D', numberPrefix: 'INV' },
          },
        ],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      }),
    ).rejects.toThrow(/already started/i);
  });

  test('when migrations run again, and several processes run them at once, then each is applied once', async () => {
    const results = await Promise.all([migrate(db.sql), migrate(db.sql), migrate(db.sql)]);
    expect(results.every((r) => r.applied.length === 0)).toBe(true);
  });

  test('when someone tries to rewrite the audit trail, then PostgreSQL refuses', async () => {
    await expect(db.sql`update audit_events set actor = 'mallory'`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from audit_events`).rejects.toThrow(/append-only/);
  });
});
