import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * CSV imports over real HTTP against PostgreSQL, Temporal and the SMTP sink: bad rows reported by
 * line and field while the good ones go in, a second import of the same file changing nothing, a
 * changed row updated, charges keyed by externalId, open invoices that keep their numbers and enter
 * dunning (an overdue one gets the reminder it is due), refusals that write nothing, and two imports
 * of one file at once writing each row once.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const CUSTOMER_HEADER = 'externalId,name,email,currency,paymentTermsDays,taxRateBps,locale,approval';
const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
let unique = 0;
/** A prefix of keys of the test's own, so tests never see each other's rows. */
const keys = () => `t${(unique += 1)}-${Math.random().toString(36).slice(2, 7)}`;

const upload = (kind: string, body: string, options: { key?: string; contentType?: string } = {}) =>
  app.http('POST', `/imports/${kind}`, { key: options.key ?? TEST_KEYS.operator, rawBody: body, headers: { 'content-type': options.contentType ?? 'text/csv' } });

async function imported(kind: string, body: string, key?: string): Promise<any> {
  const res = await upload(kind, body, key ? { key } : {});
  expect(res.status).toBe(200);
  return res.body;
}

/** An upload whose body is sent piece by piece, as a large file arrives. */
function streamedUpload(kind: string): { send: (text: string | null) => void; answer: Promise<Response> } {
  let send!: (text: string | null) => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      send = (text) => (text === null ? controller.close() : controller.enqueue(new TextEncoder().encode(text)));
    },
  });
  const answer = fetch(`${app.url}/imports/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEYS.operator}`, 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  });
  return { send, answer };
}

async function customersWithKeys(prefix: string) {
  return db.sql`
    select id, external_id, name, email, currency, locale, payment_terms_days, tax_rate_bps, approval
    from customers
    where external_id like ${`${prefix}%`}
    order by external_id`;
}

async function auditCount(entityType: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from audit_events where entity_type = ${entityType}`;
  return row?.n ?? -1;
}

describe('importing customers', () => {
  test('when a file has bad rows, then each is reported by line and field, as POST /customers words it, and the good rows are imported', async () => {
    const k = keys();
    const file = csv(
      CUSTOMER_HEADER,
      `${k}-1,Acme GmbH,ap@acme.test,EUR,14,1900,de-DE,policy`,
      `${k}-2,,nobody@acme.test,EUR,,,,`,
      `${k}-3,Bad Mail,not-an-email,EUR,,,,`,
      `${k}-4,"Quoted, Name Ltd",ap@quoted.test,GBP,,,,always`,
      `${k}-5,Zeta AG,ap@zeta.test,EUR,thirty,,,`,
      `${k}-6,Never Inc,ap@never.test,EUR,,,,never`,
      `${k}-1,Repeat GmbH,ap@repeat.test,EUR,,,,`,
      `${k}-8,Short Row,ap@short.test`,
    );
    const report = await imported('customers', file);

    const json = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { name: 'Bad Mail', email: 'not-an-email', currency: 'EUR' } });
    expect(json.status).toBe(400);
    const emailMessage = json.body.error.details.find((d: { path: string }) => d.path === 'email').message;
    const termsJson = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { name: 'Zeta AG', email: 'ap@zeta.test', currency: 'EUR', paymentTermsDays: 'thirty' } });
    const termsMessage = termsJson.body.error.details.find((d: { path: string }) => d.path === 'paymentTermsDays').message;

    expect(report).toMatchObject({ id: expect.stringMatching(/^imp_/), kind: 'customers', status: 'completed', processed: 8, imported: 2, updated: 0, unchanged: 0, rejectedRows: 6, rejectedTruncated: false });
    expect(report.rejected).toEqual([
      { line: 3, field: 'name', message: 'is required' },
      { line: 4, field: 'email', message: emailMessage },
      { line: 6, field: 'paymentTermsDays', message: termsMessage },
      { line: 7, field: 'approval', message: 'only an admin may set "never"' },
      { line: 8, field: 'externalId', message: 'repeats the externalId of line 2: each row of a file needs its own' },
      { line: 9, field: '(row)', message: 'has 3 fields; the header has 8' },
    ]);
    expect(await customersWithKeys(k)).toEqual([
      expect.objectContaining({ external_id: `${k}-1`, name: 'Acme GmbH', email: 'ap@acme.test', currency: 'EUR', locale: 'de-DE', payment_terms_days: 14, tax_rate_bps: 1900, approval: 'policy' }),
      expect.objectContaining({ external_id: `${k}-4`, name: 'Quoted, Name Ltd', currency: 'GBP', locale: 'en', payment_terms_days: 30, tax_rate_bps: null, approval: 'always' }),
    ]);
    const fetched = await app.http('GET', `/imports/${report.id}`, { key: TEST_KEYS.viewer });
    expect(fetched.body).toEqual(report);
    const paged: unknown[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages += 1) {
      const page: { data: unknown[]; nextCursor: string | null } = (await app.http('GET', `/imports/${report.id}/rejections?limit=4${cursor ? `&cursor=${cursor}` : ''}`, { key: TEST_KEYS.viewer })).body;
      paged.push(...page.data);
      cursor = page.nextCursor;
    }
    expect(paged).toEqual(report.rejected);
    const [customer] = await customersWithKeys(`${k}-1`);
    const timeline = (await app.http('GET', `/customers/${customer?.id}`, { key: TEST_KEYS.viewer })).body.timeline;
    expect(timeline).toEqual([expect.objectContaining({ type: 'created', actor: 'olivia', detail: expect.objectContaining({ importId: report.id, externalId: `${k}-1` }) })]);
  });

  test('when the same file is imported twice, then the second import changes nothing; a changed row is updated and audited, an empty cell keeps its value', async () => {
    const k = keys();
    const file = csv(CUSTOMER_HEADER, `${k}-1,Alpha Ltd,ap@alpha.test,EUR,30,,fr,policy`, `${k}-2,Beta Ltd,ap@beta.test,USD,45,700,en,always`, `${k}-3,,bad,EUR,,,,`);
    const first = await imported('customers', file);
    expect(first).toMatchObject({ imported: 2, updated: 0, unchanged: 0, rejectedRows: 1 });
    const rows = await customersWithKeys(k);
    const events = await auditCount('customer');

    const second = await imported('customers', file);
    expect(second).toMatchObject({ status: 'completed', processed: 3, imported: 0, updated: 0, unchanged: 2, rejectedRows: 1 });
    expect(second.id).not.toBe(first.id);
    expect(await customersWithKeys(k)).toEqual(rows);
    expect(await auditCount('customer')).toBe(events);

    const changed = csv(CUSTOMER_HEADER, `${k}-1,Alpha Holdings Ltd,ap@alpha.test,EUR,30,,,policy`, `${k}-2,Beta Ltd,ap@beta.test,USD,45,700,en,always`);
    const third = await imported('customers', changed);
    expect(third).toMatchObject({ imported: 0, updated: 1, unchanged: 1, rejectedRows: 0, rejected: [] });
    const after = await customersWithKeys(k);
    expect(after[0]).toMatchObject({ name: 'Alpha Holdings Ltd', locale: 'fr' });
    expect(after[1]).toEqual(rows[1]);
    const timeline = (await app.http('GET', `/customers/${after[0]?.id}`, { key: TEST_KEYS.viewer })).body.timeline;
    expect(timeline.map((t: { type: string }) => t.type)).toEqual(['created', 'updated']);
    expect(timeline[1].detail).toMatchObject({ importId: third.id, line: 2, changes: { name: { from: 'Alpha Ltd', to: 'Alpha Holdings Ltd' } } });
  });

  test('when a file is still arriving, then GET /imports/:id shows it running with the rows written so far, and the report when it is done', async () => {
    const k = keys();
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${k}-${from + i},Customer ${from + i},ap${from + i}@${k}.test,EUR,,,,\r\n`).join('');
    const { send, answer } = streamedUpload('customers');
    send(`${CUSTOMER_HEADER}\r\n${lines(0, 600)}`);
    const running = await eventually(async () => {
      const [row] = await db.sql<{ id: string }[]>`select id from imports where kind = 'customers' and status = 'running' and processed > 0`;
      return row ? (await app.http('GET', `/imports/${row.id}`, { key: TEST_KEYS.viewer })).body : undefined;
    });
    // The first chunk of 500 is written; the rest waits in memory for more of the file.
    expect(running).toMatchObject({ status: 'running', processed: 500, imported: 500, finishedAt: null });
    const listed = (await app.http('GET', '/imports?limit=200', { key: TEST_KEYS.viewer })).body.data;
    expect(listed).toContainEqual(expect.objectContaining({ id: running.id, status: 'running', processed: 500 }));
    send(lines(600, 700));
    send(null);
    const done = await (await answer).json();
    expect(done).toMatchObject({ id: running.id, status: 'completed', processed: 700, imported: 700, finishedAt: expect.any(String) });
    expect((await app.http('GET', `/imports/${running.id}`, { key: TEST_KEYS.viewer })).body).toEqual(done);
  });

  test('when the content type is not text/csv, then 415 and no import is recorded', async () => {
    const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from imports`;
    const asJson = await app.http('POST', '/imports/customers', { key: TEST_KEYS.operator, body: { externalId: 'x', name: 'X', email: 'x@x.test', currency: 'EUR' } });
    const asText = await upload('customers', csv(CUSTOMER_HEADER, 'x,X,x@x.test,EUR,,,,'), { contentType: 'text/plain' });
    const latin1 = await upload('customers', csv(CUSTOMER_HEADER, 'x,X,x@x.test,EUR,,,,'), { contentType: 'text/csv; charset=iso-8859-1' });
    for (const res of [asJson, asText, latin1]) {
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    }
    const [after] = await db.sql<{ n: number }[]>`select count(*)::int as n from imports`;
    expect(after?.n).toBe(before?.n);
  });

  test('when the header misses a required column or has an unknown one, then 400 names the column and nothing is written', async () => {
    const k = keys();
    const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from imports`;
    const missing = await upload('customers', csv('externalId,name,currency', `${k}-1,Acme,EUR`));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'email', message: 'is a required column, missing from the header' }] });
    const unknown = await upload('customers', csv(`${CUSTOMER_HEADER},nickname`, `${k}-2,Acme,ap@acme.test,EUR,,,,,Ace`));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: 'nickname', message: expect.stringContaining('is not a column of this import') }]);
    for (const nothing of ['', '\r\n']) {
      const empty = await upload('customers', nothing);
      expect(empty.status).toBe(400);
      expect(empty.body.error.details).toEqual([{ path: '(header)', message: 'the file is empty: it needs a header row' }]);
    }
    expect(await customersWithKeys(k)).toEqual([]);
    const [after] = await db.sql<{ n: number }[]>`select count(*)::int as n from imports`;
    expect(after?.n).toBe(before?.n);
  });

  test('when the file stops being CSV (a quote never closed), then 400 says so, and the rows read before it are imported', async () => {
    const k = keys();
    const upload = streamedUpload('customers');
    upload.send(`${CUSTOMER_HEADER}\r\n${Array.from({ length: 600 }, (_, i) => `${k}-${i},Customer ${i},ap${i}@${k}.test,EUR,,,,\r\n`).join('')}`);
    const running = await eventually(async () => {
      const [row] = await db.sql<{ id: string }[]>`select id from imports where kind = 'customers' and status = 'running' and processed > 0`;
      return row?.id;
    });
    upload.send(`${k}-x,"Open quote,ap@open.test,EUR,,,,\r\n${k}-y,Gamma,ap@g.test,EUR,,,,\r\n`);
    upload.send(null);
    const res = await upload.answer;
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('Quote Not Closed'), importId: running });
    const report = (await app.http('GET', `/imports/${running}`, { key: TEST_KEYS.viewer })).body;
    expect(report).toMatchObject({ status: 'failed', processed: 600, imported: 600, error: expect.stringContaining('Quote Not Closed') });
    expect(await customersWithKeys(k)).toHaveLength(600);
  });

  test('when cells hold what PostgreSQL cannot store (a NUL byte), then those rows are reported by line and field and the others are imported', async () => {
    const k = keys();
    const report = await imported(
      'customers',
      csv(
        CUSTOMER_HEADER,
        `${k}-1,Good,good@x.test,EUR,30,1900,en,policy`,
        `${k}-2\u0000,Bad key,bad@x.test,EUR,30,1900,en,policy`,
        `${k}-3,Bad\u0000name,bad@x.test,EUR,30,1900,en,policy`,
        `${k}-4,Bad email,bad\u0000@x.test,EUR,30,1900,en,policy`,
      ),
    );
    expect(report).toMatchObject({ imported: 1, rejectedRows: 3 });
    expect(report.rejected.map((r: { line: number; field: string }) => [r.line, r.field])).toEqual([
      [3, 'externalId'],
      [4, 'name'],
      [5, 'email'],
    ]);
    expect((await customersWithKeys(k)).map((c) => c.external_id)).toEqual([`${k}-1`]);
  });

  test('when a viewer or an approver uploads, then 403', async () => {
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.approver]) {
      const res = await upload('customers', csv(CUSTOMER_HEADER, 'x,X,x@x.test,EUR,,,,'), { key });
      expect(res.status).toBe(403);
    }
  });
});

describe('importing charges', () => {
  const HEADER = 'externalId,customerExternalId,description,quantity,unitPrice,kind,period';

  test('when charges are imported, then each is keyed by externalId: priced as POST /charges prices it, unchanged the second time, updated while pending, and refused once it is not', async () => {
    const k = keys();
    await imported('customers', csv(CUSTOMER_HEADER, `${k}-c,Acme GmbH,ap@acme-${k}.test,EUR,,1900,,`));
    const file = csv(
      HEADER,
      `${k}-1,${k}-c,Setup fee,1,250.00,,2026-03`,
      `${k}-2,${k}-c,Consulting,2.5,80.00,time,2026-03`,
      `${k}-3,${k}-nobody,Ghost,1,1.00,,`,
      `${k}-4,${k}-c,Storage,abc,1.00,usage,`,
      `${k}-5,${k}-c,Storage,1,1.005,usage,`,
    );
    const first = await imported('charges', file);
    const [customer] = await customersWithKeys(`${k}-c`);
    const json = await app.http('POST', '/charges', { key: TEST_KEYS.operator, body: { customerId: customer?.id, description: 'Storage', quantity: 'abc', unitPrice: '1.005' } });
    expect(json.status).toBe(400);
    expect(first).toMatchObject({ processed: 5, imported: 2, rejectedRows: 3 });
    expect(first.rejected).toEqual([
      { line: 4, field: 'customerExternalId', message: `customer ${k}-nobody does not exist` },
      ...json.body.error.details.filter((d: { path: string }) => d.path === 'quantity').map((d: { message: string }) => ({ line: 5, field: 'quantity', message: d.message })),
      ...json.body.error.details.filter((d: { path: string }) => d.path === 'unitPrice').map((d: { message: string }) => ({ line: 6, field: 'unitPrice', message: d.message })),
    ]);
    const charges = await db.sql`select id, external_id, status, amount_minor, tax_rate_bps, kind, period, currency from charges where external_id like ${`${k}-%`} order by external_id`;
    expect(charges).toEqual([
      expect.objectContaining({ external_id: `${k}-1`, status: 'pending', amount_minor: '25000', tax_rate_bps: 1900, kind: 'one_off', period: '2026-03', currency: 'EUR' }),
      expect.objectContaining({ external_id: `${k}-2`, status: 'pending', amount_minor: '20000', kind: 'time' }),
    ]);

    const second = await imported('charges', file);
    expect(second).toMatchObject({ imported: 0, updated: 0, unchanged: 2, rejectedRows: 3 });
    const again = await db.sql`select id, external_id, status, amount_minor, tax_rate_bps, kind, period, currency from charges where external_id like ${`${k}-%`} order by external_id`;
    expect(again).toEqual(charges);

    const cancelled = await app.http('POST', `/charges/${charges[1]?.id}/cancel`, { key: TEST_KEYS.operator });
    expect(cancelled.status).toBe(200);
    const changed = csv(HEADER, `${k}-1,${k}-c,Setup fee,1,300.00,,2026-03`, `${k}-2,${k}-c,Consulting,3,80.00,time,2026-03`);
    const third = await imported('charges', changed);
    expect(third).toMatchObject({ imported: 0, updated: 1, unchanged: 0, rejectedRows: 1 });
    expect(third.rejected).toEqual([{ line: 3, field: 'quantity', message: 'the charge is cancelled: only a pending charge can change' }]);
    const charge = (await app.http('GET', `/charges/${charges[0]?.id}`, { key: TEST_KEYS.viewer })).body;
    expect(charge).toMatchObject({ status: 'pending', unitPriceMinor: 30000, amountMinor: 30000 });
  });
});

describe('importing open invoices', () => {
  const HEADER = 'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description';
  const DAY = 86_400_000;
  const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

  async function dunningCustomer(k: string): Promise<{ id: string; email: string }> {
    const policy = await app.http('POST', '/dunning-policies', {
      key: TEST_KEYS.operator,
      body: {
        name: `Imported ${k}`,
        steps: [
          { offset: 'P1D', template: 'friendly' },
          { offset: 'P30D', template: 'firm' },
          { offset: 'P40DT8S', template: 'final', lateFee: { amountMinor: 500 } },
        ],
      },
    });
    expect(policy.status).toBe(201);
    const email = `ap-${k}@old-books.test`;
    const res = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { name: 'Old Books Ltd', email, currency: 'EUR', externalId: `${k}-cust`, dunningPolicyId: policy.body.id } });
    expect(res.status).toBe(201);
    return { id: res.body.id, email };
  }

  const invoiceIdOf = async (externalId: string): Promise<string> => {
    const [row] = await db.sql<{ id: string }[]>`select id from invoices where external_id = ${externalId}`;
    if (!row) throw new Error(`no invoice ${externalId}`);
    return row.id;
  };

  test('when open invoices are imported, then they keep their numbers, are open or overdue with the right amount due, their workflows run, and an overdue one gets the reminder it is due', async () => {
    const k = keys();
    const customer = await dunningCustomer(k);
    const dueOverdue = ago(40);
    const [issuedOpen, dueOpen] = [ago(5), new Date(Date.now() + 25 * DAY).toISOString().slice(0, 10)];
    const file = csv(
      HEADER,
      `${k}-1,${k}-cust,OLD-${k}-0042,${ago(70)},${dueOverdue},EUR,1190.00,190.00,Consulting Q3`,
      `${k}-2,${k}-cust,OLD-${k}-0043,${issuedOpen},${dueOpen},EUR,50.00,,Hosting`,
      `${k}-3,${k}-cust,INV-2026-000001,${ago(5)},${ago(1)},EUR,10.00,0,Clash`,
      `${k}-4,${k}-cust,OLD-${k}-0044,${ago(5)},${ago(1)},EUR,10.00,10.00,Paid already`,
      `${k}-5,${k}-cust,OLD-${k}-0042,${ago(5)},${ago(1)},EUR,10.00,,Same number`,
      `${k}-6,${k}-cust,OLD-${k}-0045,yesterday,${ago(1)},EUR,10.001,,Bad`,
    );
    const report = await imported('invoices', file);
    expect(report).toMatchObject({ processed: 6, imported: 2, unchanged: 0, rejectedRows: 4 });
    expect(report.rejected).toEqual([
      { line: 4, field: 'number', message: expect.stringContaining("billflow's own INV-YYYY-NNNNNN series") },
      { line: 5, field: 'amountPaid', message: expect.stringContaining('must be less than total') },
      { line: 6, field: 'number', message: 'repeats the number of line 2: numbers are unique' },
      { line: 7, field: 'issuedAt', message: 'must be a date "YYYY-MM-DD" or an ISO 8601 timestamp with offset' },
      { line: 7, field: 'total', message: expect.stringContaining('more than 2 decimal places') },
    ]);

    const overdueId = await invoiceIdOf(`${k}-1`);
    const openId = await invoiceIdOf(`${k}-2`);
    const overdue = (await app.http('GET', `/invoices/${overdueId}`, { key: TEST_KEYS.viewer })).body;
    expect(overdue).toMatchObject({
      number: `OLD-${k}-0042`,
      status: 'overdue',
      customerId: customer.id,
      currency: 'EUR',
      totalMinor: 119000,
      amountPaidMinor: 19000,
      amountDueMinor: 100000,
      dueAt: dueOverdue,
      delivery: { status: 'sent', attempts: 0 },
    });
    expect(overdue.payments).toEqual([expect.objectContaining({ reference: `imported:${k}-1`, amountMinor: 19000, method: 'other' })]);
    const open = (await app.http('GET', `/invoices/${openId}`, { key: TEST_KEYS.viewer })).body;
    expect(open).toMatchObject({ number: `OLD-${k}-0043`, status: 'open', amountDueMinor: 5000, dunningLevel: 0, lines: [expect.objectContaining({ description: 'Hosting', totalMinor: 5000 })] });
    for (const id of [overdueId, openId]) {
      const described = await app.temporal.client.workflow.getHandle(`invoice:${id}`).describe();
      expect(described.status.name).toBe('RUNNING');
    }

    // 40 days overdue: the firm reminder (P30D) is due now; the friendly one (P1D) is not sent late.
    const firm = await app.mail.waitFor((m) => m.to.includes(customer.email) && /Overdue/.test(m.raw.toString('utf8')), 20_000);
    expect((await simpleParser(firm.raw)).messageId).toBe(`<${overdueId}.reminder-2@billflow>`);
    // The final notice (P40DT8S) follows on its timer, a few seconds after the import.
    const final = await app.mail.waitFor((m) => m.to.includes(customer.email) && /Final notice/.test(m.raw.toString('utf8')), 30_000);
    expect((await simpleParser(final.raw)).messageId).toBe(`<${overdueId}.reminder-3@billflow>`);
    const dunned = await eventually(async () => {
      const body = (await app.http('GET', `/invoices/${overdueId}`, { key: TEST_KEYS.viewer })).body;
      return body.dunningLevel === 2 ? body : undefined;
    });
    expect(dunned).toMatchObject({ status: 'overdue', feesMinor: 500, amountDueMinor: 100500 });
    const toCustomer = app.mail.messages.filter((m) => m.to.includes(customer.email));
    expect(toCustomer).toHaveLength(2);
    expect(dunned.timeline.map((t: { type: string }) => t.type)).toEqual(['created', 'issued', 'overdue', 'reminder_sent', 'reminder_sent']);

    // Again: nothing changes; a row that differs is refused, naming the field.
    const again = await imported('invoices', file);
    expect(again).toMatchObject({ imported: 0, unchanged: 2, rejectedRows: 4 });
    const changed = await imported('invoices', csv(HEADER, `${k}-2,${k}-cust,OLD-${k}-0043,${issuedOpen},${dueOpen},EUR,50.00,20.00,Hosting`));
    expect(changed.rejected).toEqual([{ line: 2, field: 'amountPaid', message: expect.stringContaining('an issued invoice does not change') }]);
    const taken = await imported('invoices', csv(HEADER, `${k}-7,${k}-cust,OLD-${k}-0043,${ago(5)},${ago(1)},EUR,10.00,,Another with that number`));
    expect(taken.rejected).toEqual([{ line: 2, field: 'number', message: `"OLD-${k}-0043" is the number of another invoice: numbers are unique` }]);
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from invoices where external_id like ${`${k}-%`}`;
    expect(count?.n).toBe(2);
    expect(app.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(2);
  }, 60_000);
});

describe('npm run billflow -- import', () => {
  test('when an operator imports a file from the command line, then it shows its progress, every rejected row, and a summary whose counts are the api\'s', async () => {
    const k = keys();
    const dir = await mkdtemp(path.join(tmpdir(), 'billflow-import-'));
    const file = path.join(dir, 'customers.csv');
    await writeFile(file, csv(CUSTOMER_HEADER, `${k}-1,Cli Alpha AG,ap@cli-alpha.test,CHF,,,,`, `${k}-2,Cli Beta AG,not-an-email,CHF,,,,`, `${k}-3,Cli Gamma AG,ap@cli-gamma.test,CHF,,,,`));
    try {
      const { BILLFLOW_URL: _url, BILLFLOW_API_KEY: _key, ...inherited } = process.env;
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', 'import', 'customers', file], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...inherited, BILLFLOW_URL: app.url, BILLFLOW_API_KEY: TEST_KEYS.operator },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
      const lines = stdout.trimEnd().split('\n');
      expect(lines).toContain('Rejected rows:');
      expect(stdout).toMatch(/line 3: email: /);
      const id = /^Import (imp_\S+) completed in \d+:\d\d: 3 rows, imported 2, updated 0, unchanged 0, rejected 1 \(\d+ rows\/s\)$/.exec(lines.at(-1) ?? '')?.[1];
      expect(id).toBeDefined();
      expect((await app.http('GET', `/imports/${id}`, { key: TEST_KEYS.viewer })).body).toMatchObject({ imported: 2, rejectedRows: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('imports at the same time', () => {
  test('when the same file is posted twice at once, then each row is written exactly once: customers, charges (money) and invoices', async () => {
    const k = keys();
    const rows = 1_200;
    const customers = csv(CUSTOMER_HEADER, ...Array.from({ length: rows }, (_, i) => `${k}-c${i},Customer ${i},ap${i}@${k}.test,EUR,,,,`));
    const [a, b] = await Promise.all([imported('customers', customers), imported('customers', customers)]);
    expect(a.imported + b.imported).toBe(rows);
    expect(a.unchanged + b.unchanged).toBe(rows);
    expect((await customersWithKeys(k)).length).toBe(rows);
    const [created] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from audit_events
      where entity_type = 'customer' and type = 'created' and entity_id in (select id from customers where external_id like ${`${k}-%`})`;
    expect(created?.n).toBe(rows);

    const charges = csv('externalId,customerExternalId,description,quantity,unitPriceMinor', ...Array.from({ length: rows }, (_, i) => `${k}-ch${i},${k}-c${i % 50},Usage ${i},1,${100 + i}`));
    const [x, y] = await Promise.all([imported('charges', charges), imported('charges', charges)]);
    expect(x.imported + y.imported).toBe(rows);
    expect(x.unchanged + y.unchanged).toBe(rows);
    const [sum] = await db.sql<{ n: number; total: string }[]>`select count(*)::int as n, sum(amount_minor)::text as total from charges where external_id like ${`${k}-ch%`}`;
    expect(sum).toEqual({ n: rows, total: String(rows * 100 + (rows * (rows - 1)) / 2) });

    const invoices = csv(
      'externalId,customerExternalId,number,issuedAt,dueAt,currency,total',
      ...Array.from({ length: 12 }, (_, i) => `${k}-i${i},${k}-c${i},OLD-${k}-${i},2026-01-15,2099-01-31,EUR,${i + 1}.00`),
    );
    const [p, q] = await Promise.all([imported('invoices', invoices), imported('invoices', invoices)]);
    expect(p.imported + q.imported).toBe(12);
    expect(p.unchanged + q.unchanged).toBe(12);
    const ids = await db.sql<{ id: string }[]>`select id from invoices where external_id like ${`${k}-i%`}`;
    expect(ids).toHaveLength(12);
    for (const { id } of ids) {
      const described = await app.temporal.client.workflow.getHandle(`invoice:${id}`).describe();
      expect(described.status.name).toBe('RUNNING');
    }
  }, 60_000);
});
