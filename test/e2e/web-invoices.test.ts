import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import { monthsOfOwnYear } from '../support/periods';
import { Visitor } from '../support/visitor';

/**
 * The invoices pages under /app over real HTTP (no browser), against the real stack, signed in as a
 * viewer: the list and its filters and pages, an invoice with its lines, money, reminders, timeline
 * and Temporal Web UI link, its PDFs served against the session, and what a stranger gets.
 */
const TEMPORAL_UI_URL = 'http://127.0.0.1:8233';
const stack = useBillflow({ env: { TEMPORAL_UI_URL: `${TEMPORAL_UI_URL}/` } });
let app: Billflow;
const month = monthsOfOwnYear();

const api = (method: string, path: string, body?: unknown) => app.http(method, path, { key: TEST_KEYS.operator, body });

async function customer(name: string, extra: object = {}): Promise<string> {
  // Approval 'never' is an admin's to set.
  const res = await app.http('POST', '/customers', { key: TEST_KEYS.admin, body: { name, email: `ap-${Math.random().toString(36).slice(2, 8)}@customer.test`, currency: 'EUR', taxRateBps: 1900, ...extra } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function invoice(body: object): Promise<string> {
  const res = await api('POST', '/invoices', body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const until = (id: string, predicate: (b: any) => boolean) =>
  eventually(async () => {
    const res = await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer });
    return res.status === 200 && predicate(res.body) ? res.body : undefined;
  }, 60_000);

/** Invoice ids in the order the list shows them (each row links to its page). */
const listed = (html: string): string[] => [...html.matchAll(/<td><a href="\/app\/invoices\/([^"/]+)">/g)].map((m) => m[1] as string);

let paidId: string; // customer A: open, partly paid, credited
let paidNumber: string;
let creditNoteNumber: string;
let overdueId: string; // customer A: past due, a reminder sent
let runInvoiceId: string; // customer B: made by a billing run
let runId: string;
let pendingId: string; // customer C: waiting for approval, no number
let customerA: string;
let customerB: string;
let viewer: Visitor;

beforeAll(async () => {
  ({ app } = stack());
  const policy = await api('POST', '/dunning-policies', { name: 'Web pages: seconds', steps: [{ offset: 'PT1S', template: 'friendly', lateFee: { amountMinor: 500 } }, { offset: 'PT600S', template: 'firm' }] });
  expect(policy.status).toBe(201);
  customerA = await customer('Alpha <GmbH>', { approval: 'never', dunningPolicyId: policy.body.id });
  customerB = await customer('Beta Ltd', { approval: 'never' });
  const customerC = await customer('Gamma AG', { approval: 'always' });

  paidId = await invoice({ customerId: customerA, lines: [{ description: 'Seats <b>x</b>', quantity: '2', unitPrice: '100.00', taxRateBps: 0 }] });
  paidNumber = (await until(paidId, (b) => b.status === 'open')).number as string;
  expect((await api('POST', `/invoices/${paidId}/payments`, { amountMinor: 5000, method: 'bank_transfer', reference: 'TX-WEB-1' })).status).toBe(201);
  const note = await api('POST', `/invoices/${paidId}/credit-notes`, { amountMinor: 1000, reason: 'goodwill' });
  expect(note.status).toBe(201);
  creditNoteNumber = (await until(paidId, (b) => b.creditNotes?.length === 1)).creditNotes[0].number as string;

  overdueId = await invoice({ customerId: customerA, dueAt: new Date(Date.now() + 2000).toISOString(), lines: [{ description: 'Hosting', quantity: 1, unitPrice: '50.00', taxRateBps: 0 }] });

  expect((await api('POST', '/charges', { customerId: customerB, description: 'Licence', quantity: 1, unitPriceMinor: 20_000, period: month(1) })).status).toBe(201);
  const run = await api('POST', '/billing-runs', { period: month(1), customerIds: [customerB] });
  expect(run.status).toBe(202);
  runId = run.body.id as string;
  runInvoiceId = await eventually(async () => {
    const res = await app.http('GET', `/billing-runs/${runId}/invoices`, { key: TEST_KEYS.viewer });
    return res.status === 200 && res.body.data.length === 1 ? (res.body.data[0].id as string) : undefined;
  }, 60_000);

  pendingId = await invoice({ customerId: customerC, lines: [{ description: 'Audit', quantity: 1, unitPrice: '900.00' }] });
  await until(pendingId, (b) => b.status === 'pending_approval');
  await until(overdueId, (b) => b.status === 'overdue' && b.timeline.some((e: { type: string }) => e.type === 'reminder_sent'));
  await until(runInvoiceId, (b) => b.status === 'open');

  viewer = await Visitor.signedIn(() => app.url, TEST_KEYS.viewer);
}, 120_000);

describe('the invoices list', () => {
  test('when a viewer opens it, then every invoice shows with number, customer, status, total, due date and amount due, and the nav links it', async () => {
    const page = await viewer.get('/app/invoices');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<a href="/app/invoices">Invoices</a>');
    expect(listed(page.html)).toEqual(expect.arrayContaining([paidId, overdueId, runInvoiceId, pendingId]));
    const row = new RegExp(`<a href="/app/invoices/${paidId}">${paidNumber}</a></td>\\s*<td>Alpha &lt;GmbH&gt;</td>\\s*<td>open</td>\\s*<td class="n">EUR 200\\.00</td>\\s*<td><time[^>]*>\\d{4}-\\d{2}-\\d{2}</time></td>\\s*<td class="n">EUR 140\\.00</td>`);
    expect(page.html).toMatch(row);
    expect(page.html).not.toContain('<GmbH>');
  });

  test.each([
    ['status', () => 'status=pending_approval', () => [pendingId]],
    ['customer', () => `customerId=${customerB}`, () => [runInvoiceId]],
    ['billing run', () => `billingRunId=${runId}`, () => [runInvoiceId]],
    ['overdue', () => 'overdue=1', () => [overdueId]],
    ['customer and status', () => `customerId=${customerA}&status=open`, () => [paidId]],
  ])('when filtered by %s, then only the matching invoices show, and the form keeps the filter', async (_what, query, expected) => {
    const page = await viewer.get(`/app/invoices?${query()}`);
    expect(page.status).toBe(200);
    expect(listed(page.html)).toEqual(expected());
  });

  test('when nothing matches, then the page says so', async () => {
    const page = await viewer.get('/app/invoices?status=void');
    expect(page.status).toBe(200);
    expect(page.html).toContain('No invoices match.');
  });

  test('when a page is full, then a Next page link carries the filter and the cursor to the rest, each invoice once', async () => {
    const first = await viewer.get(`/app/invoices?customerId=${customerA}&limit=1`);
    expect(listed(first.html)).toEqual([paidId]);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toMatch(/customerId=.*limit=1.*cursor=/);
    const second = await viewer.get(next as string);
    expect(listed(second.html)).toEqual([overdueId]);
    const third = await viewer.get((/<a href="([^"]+)" rel="next">/.exec(second.html)?.[1] ?? '').replace(/&amp;/g, '&'));
    expect(listed(third.html)).toEqual([]);
    expect(third.html).not.toContain('rel="next"');
  });

  test.each([['status=nonsense'], ['limit=0'], ['limit=abc'], ['cursor=%21%21']])('when the query has %s, then a 400 page says what is wrong', async (query) => {
    const page = await viewer.get(`/app/invoices?${query}`);
    expect(page.status).toBe(400);
    expect(page.type).toMatch(/text\/html/);
    expect(page.html).toContain('role="alert"');
  });
});

describe('an invoice page', () => {
  test('when a viewer opens a paid-in-part, credited invoice, then its lines, totals, payments, credit notes, timeline, PDF and Temporal link show', async () => {
    const page = await viewer.get(`/app/invoices/${paidId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<h1>Invoice ${paidNumber}</h1>`);
    expect(page.html).toContain('<td>Seats &lt;b&gt;x&lt;/b&gt;</td>');
    expect(page.html).toMatch(/<dt>Total<\/dt><dd>EUR 200\.00<\/dd>/);
    expect(page.html).toMatch(/<dt>Paid<\/dt><dd>EUR 50\.00<\/dd>/);
    expect(page.html).toMatch(/<dt>Credited<\/dt><dd>EUR 10\.00<\/dd>/);
    expect(page.html).toMatch(/<dt>Amount due<\/dt><dd><strong>EUR 140\.00<\/strong><\/dd>/);
    expect(page.html).toContain('<td>TX-WEB-1</td>');
    expect(page.html).toContain(`href="/app/invoices/${paidId}/credit-notes/${creditNoteNumber}/pdf"`);
    expect(page.html).toContain(`href="/app/invoices/${paidId}/pdf"`);
    for (const event of ['created', 'issued', 'payment received', 'credited']) expect(page.html).toMatch(new RegExp(`<strong>${event}</strong>`));
    const namespace = app.config.temporal.namespace;
    expect(page.html).toContain(`href="${TEMPORAL_UI_URL}/namespaces/${namespace}/workflows/invoice:${paidId}"`);
    expect(page.html).toContain('No reminders sent.');
  });

  test('when an invoice is overdue, then the reminders sent show with their template', async () => {
    const page = await viewer.get(`/app/invoices/${overdueId}`);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<section class="card" aria-labelledby="reminders">[\s\S]*<td>1<\/td><td>friendly<\/td><td class="n">EUR 5\d\.00<\/td>/);
    expect(page.html).toMatch(/<dt>Late fees<\/dt><dd>EUR 5\.00<\/dd>/);
    expect(page.html).toMatch(/<dt>Amount due<\/dt><dd><strong>EUR 55\.00<\/strong><\/dd>/);
    const list = await viewer.get('/app/invoices?overdue=1');
    expect(list.html).toMatch(new RegExp(`${overdueId}">[^<]+</a></td>[\\s\\S]*?<td class="n">EUR 50\\.00</td>[\\s\\S]*?<td class="n">EUR 55\\.00</td>`));
    expect(page.html).toContain('<dd>overdue</dd>');
  });

  test('when an invoice came from a billing run, then it links to the run’s invoices', async () => {
    const page = await viewer.get(`/app/invoices/${runInvoiceId}`);
    expect(page.html).toContain(`href="/app/invoices?billingRunId=${runId}"`);
  });

  test('when the id is unknown, or could not be one, then a 404 page', async () => {
    for (const id of ['inv_nobody', 'a%00b']) {
      const page = await viewer.get(`/app/invoices/${id}`);
      expect(page.status).toBe(404);
      expect(page.html).toContain('<h1>Not found</h1>');
    }
  });
});

describe('the PDFs', () => {
  test('when a viewer downloads an issued invoice and its credit note, then both are PDFs', async () => {
    const invoicePdf = await viewer.get(`/app/invoices/${paidId}/pdf`);
    expect(invoicePdf.status).toBe(200);
    expect(invoicePdf.type).toBe('application/pdf');
    expect(invoicePdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const notePdf = await viewer.get(`/app/invoices/${paidId}/credit-notes/${creditNoteNumber}/pdf`);
    expect(notePdf.status).toBe(200);
    expect(notePdf.type).toBe('application/pdf');
    expect(notePdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });

  test('when the credit note is of another invoice, or unknown, then 404; an invoice not yet issued has no PDF (409)', async () => {
    expect((await viewer.get(`/app/invoices/${overdueId}/credit-notes/${creditNoteNumber}/pdf`)).status).toBe(404);
    expect((await viewer.get(`/app/invoices/${paidId}/credit-notes/CN-1999-000001/pdf`)).status).toBe(404);
    const pending = await viewer.get(`/app/invoices/${pendingId}/pdf`);
    expect(pending.status).toBe(409);
    expect(pending.type).toMatch(/text\/html/);
  });
});

describe('without a session', () => {
  test.each([['/app/invoices'], ['/app/invoices/inv_x'], ['/app/invoices/inv_x/pdf'], ['/app/invoices/inv_x/credit-notes/CN-1/pdf']])(
    'when %s is opened, then it redirects to sign-in and shows nothing',
    async (path) => {
      const asked = path.replace('inv_x', paidId);
      const page = await new Visitor(() => app.url).get(asked);
      expect(page.status).toBe(303);
      expect(page.location).toBe(`/app/login?next=${encodeURIComponent(asked)}`);
      // The answer is the redirect alone (which names only the path asked for): nothing of the invoice.
      for (const secret of [paidNumber, 'Alpha', 'EUR', '%PDF']) expect(page.html).not.toContain(secret);
      expect(page.type).not.toMatch(/pdf/);
    },
  );
});
