import { insertBillingRun } from '../../src/db/billing-runs';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import type { TestDatabase } from '../support/database';
import { monthsOfOwnYear } from '../support/periods';
import { csrfOf, Visitor } from '../support/visitor';

/**
 * The billing runs pages and the reconciliation queue under /app over real HTTP (no browser),
 * against the real stack: runs started (a dry run's preview first) and followed to their end,
 * cancels, bank lines matched and ignored from the page, and a viewer who may only look.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const month = monthsOfOwnYear();

const signedIn = (key: string) => Visitor.signedIn(() => app.url, key);

/** What a refused form answers: 403 and the page saying why, before anything was tried. */
function expectCsrfRefusal(page: { status: number; html: string }): void {
  expect(page.status).toBe(403);
  expect(page.html).toContain('This form has expired or did not come from billflow.');
}

async function customer(name: string): Promise<string> {
  const res = await app.http('POST', '/customers', {
    key: TEST_KEYS.admin,
    body: { name, email: `ap-${Math.random().toString(36).slice(2, 8)}@customer.test`, currency: 'EUR', approval: 'never' },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const apiRun = async (id: string) => (await app.http('GET', `/billing-runs/${id}`, { key: TEST_KEYS.viewer })).body;

/** The run's page once the run has ended. */
async function pageWhenEnded(visitor: Visitor, id: string): Promise<string> {
  return eventually(async () => {
    const page = await visitor.get(`/app/billing-runs/${id}`);
    expect(page.status).toBe(200);
    if (/<dt>Status<\/dt><dd>running<\/dd>/.test(page.html)) {
      expect(page.headers.get('refresh')).toBe('2');
      expect(page.html).toContain(`action="/app/billing-runs/${id}/cancel"`);
      return undefined;
    }
    expect(page.headers.get('refresh')).toBeNull();
    return page.html;
  }, 60_000);
}

describe('billing runs pages', () => {
  test('when an operator starts a dry run, then its preview shows and the real run started from it is followed to completed', async () => {
    const P = month(1);
    const a = await customer('Page Alpha AG');
    const b = await customer('Page Beta GmbH');
    for (const [customerId, unitPriceMinor] of [[a, 12_000], [b, 3_450]] as const) {
      const res = await app.http('POST', '/charges', { key: TEST_KEYS.operator, body: { customerId, description: 'Monthly fee', quantity: 1, unitPriceMinor, period: P } });
      expect(res.status).toBe(201);
    }
    const visitor = await signedIn(TEST_KEYS.operator);

    const list = await visitor.get('/app/billing-runs');
    expect(list.html).toMatch(/<input id="run-dry" name="dryRun" type="checkbox" value="on" checked>/);
    expect(list.html).toContain('<a href="/app/billing-runs">Billing runs</a>');

    const dry = await visitor.post('/app/billing-runs', { _csrf: visitor.csrf, period: P, dryRun: 'on' });
    expect(dry.status).toBe(303);
    const dryId = new RegExp(`^/app/billing-runs/(run_${P}_dry_[^?]+)\\?notice=dry$`).exec(dry.location ?? '')?.[1];
    expect(dryId).toBeDefined();
    const preview = await pageWhenEnded(visitor, dryId!);
    expect(preview).toMatch(/<dt>Status<\/dt><dd>completed<\/dd>/);
    expect(preview).toContain('Preview: the invoices a real run would create');
    expect(preview).toContain(`<td>Page Alpha AG <span class="muted">(${a})</span></td>`);
    expect(preview).toContain(`<td>Page Beta GmbH <span class="muted">(${b})</span></td>`);
    expect(preview).toContain(`Start the real run for ${P}`);
    // A dry run creates nothing.
    const [none] = await db.sql<{ n: number }[]>`select count(*)::int as n from invoices where billing_run_id = ${dryId!}`;
    expect(none?.n).toBe(0);

    const real = await visitor.post('/app/billing-runs', { _csrf: csrfOf(preview), period: P });
    expect(real.status).toBe(303);
    expect(real.location).toBe(`/app/billing-runs/run_${P}?notice=real`);
    const started = await visitor.get(real.location!);
    expect(started.html).toContain('Billing run started.');
    const done = await pageWhenEnded(visitor, `run_${P}`);
    const api = await apiRun(`run_${P}`);
    expect(api).toMatchObject({ status: 'completed', counts: { planned: 2, created: 2, failed: 0 } });
    expect(done).toMatch(/<dt>Status<\/dt><dd>completed<\/dd>/);
    expect(done).toContain(`<dt>Created</dt><dd>${api.counts.created}</dd>`);
    expect(done).toContain(`<dt>Issued</dt><dd>${api.counts.issued}</dd>`);
    expect(done).not.toContain('/cancel"');

    // The list shows both, newest first; the same period again finds the run already there.
    const after = await visitor.get('/app/billing-runs');
    expect(after.html).toContain(`<a href="/app/billing-runs/run_${P}">${P}</a>`);
    expect(after.html.indexOf(`/app/billing-runs/run_${P}"`)).toBeLessThan(after.html.indexOf(`/app/billing-runs/${dryId!}"`));
    expect(after.html).toContain('2 of 2 created');
    const again = await visitor.post('/app/billing-runs', { _csrf: visitor.csrf, period: P });
    expect(again.location).toBe(`/app/billing-runs/run_${P}?notice=existing`);

    const bad = await visitor.post('/app/billing-runs', { _csrf: visitor.csrf, period: '2026-13', dryRun: 'on' });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/role="alert">No run was started: period: /);
  });

  test('when a run is running, then its page reloads itself and offers a cancel; a cancel the run cannot take is refused on the page', async () => {
    const P = month(2);
    // A run stored as running whose workflow never started: it stays running for as long as the test looks.
    await insertBillingRun(db.sql, { id: `run_${P}`, period: P, dryRun: false, customerIds: null, createdBy: 'olivia', startedAt: new Date().toISOString() });
    const visitor = await signedIn(TEST_KEYS.operator);
    const running = await visitor.get(`/app/billing-runs/run_${P}`);
    expect(running.status).toBe(200);
    expect(running.headers.get('refresh')).toBe('2');
    expect(running.html).toMatch(/<dt>Status<\/dt><dd>running<\/dd>/);
    expect(running.html).toContain(`action="/app/billing-runs/run_${P}/cancel"`);
    const still = await visitor.get(`/app/billing-runs/run_${P}?refresh=off`);
    expect(still.headers.get('refresh')).toBeNull();

    const refused = await visitor.post(`/app/billing-runs/run_${P}/cancel`, { _csrf: csrfOf(running.html) });
    expect(refused.status).toBe(409);
    expect(refused.html).toMatch(/role="alert">The run was not cancelled: the billing run&#39;s workflow is not running/);

    const viewer = await signedIn(TEST_KEYS.viewer);
    const seen = await viewer.get(`/app/billing-runs/run_${P}`);
    expect(seen.html).not.toContain('/cancel"');
    expect((await viewer.post(`/app/billing-runs/run_${P}/cancel`, { _csrf: viewer.csrf })).status).toBe(403);
  });

  test('when a real run with many customers is cancelled from its page, then it ends cancelled or completed', async () => {
    const P = month(3);
    const customers: string[] = [];
    for (let i = 0; i < 20; i++) customers.push(await customer(`Many ${i}`));
    for (const customerId of customers) {
      await app.http('POST', '/charges', { key: TEST_KEYS.operator, body: { customerId, description: 'Fee', quantity: 1, unitPriceMinor: 500, period: P } });
    }
    const visitor = await signedIn(TEST_KEYS.operator);
    const started = await visitor.post('/app/billing-runs', { _csrf: visitor.csrf, period: P });
    expect(started.location).toBe(`/app/billing-runs/run_${P}?notice=real`);
    const cancel = await visitor.post(`/app/billing-runs/run_${P}/cancel`, { _csrf: visitor.csrf });
    if (cancel.status === 303) {
      expect(cancel.location).toBe(`/app/billing-runs/run_${P}?notice=cancelling`);
      expect((await visitor.get(cancel.location!)).html).toContain('Cancel asked');
    } else {
      expect(cancel.status).toBe(409);
      expect(cancel.html).toContain('The run was not cancelled: the billing run is completed');
    }
    const done = await pageWhenEnded(visitor, `run_${P}`);
    expect(done).toMatch(/<dt>Status<\/dt><dd>(cancelled|completed)<\/dd>/);
  });

  test('when a start or a cancel carries no, a wrong or another session\'s CSRF token, then it is refused and no run starts or stops', async () => {
    const visitor = await signedIn(TEST_KEYS.operator);
    const other = await signedIn(TEST_KEYS.admin);
    const tokens: Record<string, string>[] = [{}, { _csrf: `${visitor.csrf}x` }, { _csrf: other.csrf }];

    const P = month(5);
    const c = await customer('Csrf Runs AG');
    expect((await app.http('POST', '/charges', { key: TEST_KEYS.operator, body: { customerId: c, description: 'Fee', quantity: 1, unitPriceMinor: 700, period: P } })).status).toBe(201);
    for (const token of tokens) {
      expectCsrfRefusal(await visitor.post('/app/billing-runs', { ...token, period: P }));
      expectCsrfRefusal(await visitor.post('/app/billing-runs', { ...token, period: P, dryRun: 'on' }));
    }
    const [none] = await db.sql<{ n: number }[]>`select count(*)::int as n from billing_runs where period = ${P}`;
    expect(none?.n).toBe(0);
    const charges = await app.http('GET', `/charges?customerId=${c}`, { key: TEST_KEYS.viewer });
    expect(charges.body.data.map((charge: { status: string }) => charge.status)).toEqual(['pending']);

    // A run stored as running (its workflow never started), so it is still running whatever the test takes.
    const R = month(6);
    await insertBillingRun(db.sql, { id: `run_${R}`, period: R, dryRun: false, customerIds: null, createdBy: 'olivia', startedAt: new Date().toISOString() });
    for (const token of tokens) expectCsrfRefusal(await visitor.post(`/app/billing-runs/run_${R}/cancel`, token));
    expect(await apiRun(`run_${R}`)).toMatchObject({ status: 'running', finishedAt: null });
    const page = await visitor.get(`/app/billing-runs/run_${R}`);
    expect(page.html).toMatch(/<dt>Status<\/dt><dd>running<\/dd>/);
    expect(page.html).not.toContain('Cancel asked');
  });

  test('when a viewer opens the billing runs, then there is no start form, and a start posted anyway is refused', async () => {
    const visitor = await signedIn(TEST_KEYS.viewer);
    const list = await visitor.get('/app/billing-runs');
    expect(list.html).not.toContain('action="/app/billing-runs"');
    expect(list.html).toContain('may view billing runs but not start or cancel them');
    const refused = await visitor.post('/app/billing-runs', { _csrf: visitor.csrf, period: month(4), dryRun: 'on' });
    expect(refused.status).toBe(403);
    const [none] = await db.sql<{ n: number }[]>`select count(*)::int as n from billing_runs where period = ${month(4)}`;
    expect(none?.n).toBe(0);
  });
});

describe('reconciliation queue page', () => {
  async function openInvoice(customerId: string, unitPrice: string): Promise<string> {
    const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId, lines: [{ description: 'Service', quantity: '1', unitPrice }] } });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    await eventually(async () => ((await invoiceNow(id)).status === 'open' ? true : undefined), 30_000);
    return id;
  }
  const invoiceNow = async (id: string) => (await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer })).body;
  const unmatched = async () => (await app.http('GET', '/reconciliation/unmatched', { key: TEST_KEYS.viewer })).body as any[];

  test('when an operator matches a line from the page and ignores another with a reason, then both leave the queue and the invoice is paid; a viewer cannot act', async () => {
    const k = Math.random().toString(36).slice(2, 8);
    const c = await customer(`Recon ${k} Ltd`);
    const invoiceId = await openInvoice(c, '321.09');
    const csv = [
      'date,amount,currency,reference,payer',
      `2026-03-02,321.09,EUR,no reference ${k},Stranger ${k}`,
      `2026-03-03,7.77,EUR,mystery ${k},Nobody ${k}`,
    ].join('\r\n');
    const uploaded = await app.http('POST', '/bank-statements', { key: TEST_KEYS.operator, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ lines: 2, unmatched: 2 });
    const queued = await unmatched();
    const toMatch = queued.find((l) => l.reference === `no reference ${k}`);
    const toIgnore = queued.find((l) => l.reference === `mystery ${k}`);
    expect(toMatch?.candidates.map((c: any) => c.invoiceId)).toContain(invoiceId);

    // The viewer sees the lines but no forms, and is refused if it posts.
    const viewer = await signedIn(TEST_KEYS.viewer);
    const seen = await viewer.get('/app/reconciliation');
    expect(seen.status).toBe(200);
    expect(seen.html).toContain(toMatch.lineId);
    expect(seen.html).not.toContain('action="/app/reconciliation/');
    const refused = await viewer.post(`/app/reconciliation/${toMatch.lineId}/match`, { _csrf: viewer.csrf, invoiceIds: invoiceId });
    expect(refused.status).toBe(403);
    expect((await unmatched()).some((l) => l.lineId === toMatch.lineId)).toBe(true);

    const visitor = await signedIn(TEST_KEYS.operator);
    const queue = await visitor.get('/app/reconciliation');
    expect(queue.html).toContain(`action="/app/reconciliation/${toMatch.lineId}/match"`);
    expect(queue.html).toContain(`name="invoiceIds" value="${invoiceId}"`);
    const csrf = csrfOf(queue.html);

    // Nothing chosen, then an unknown typed id: refused at once, on the page.
    const empty = await visitor.post(`/app/reconciliation/${toMatch.lineId}/match`, { _csrf: csrf, currency: 'EUR', otherIds: '' });
    expect(empty.status).toBe(400);
    expect(empty.html).toMatch(/role="alert">Line [^ ]+ was not changed: invoiceIds: name at least one invoice/);
    const unknown = await visitor.post(`/app/reconciliation/${toMatch.lineId}/match`, { _csrf: csrf, currency: 'EUR', otherIds: 'inv_doesnotexist' });
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('invoice inv_doesnotexist does not exist');

    const matched = await visitor.post(`/app/reconciliation/${toMatch.lineId}/match`, { _csrf: csrf, currency: 'EUR', invoiceIds: [invoiceId], otherIds: '' });
    expect(matched.status).toBe(200);
    expect(matched.html).toMatch(new RegExp(`role="status">Line ${toMatch.lineId} matched and applied: invoice ${invoiceId} paid`));
    expect(matched.html).not.toContain(`id="line-${toMatch.lineId}"`);
    await eventually(async () => ((await invoiceNow(invoiceId)).status === 'paid' ? true : undefined), 30_000);
    expect((await unmatched()).some((l) => l.lineId === toMatch.lineId)).toBe(false);

    const noReason = await visitor.post(`/app/reconciliation/${toIgnore.lineId}/ignore`, { _csrf: csrf, reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toContain('reason: is required');
    const ignored = await visitor.post(`/app/reconciliation/${toIgnore.lineId}/ignore`, { _csrf: csrf, reason: 'Refund from our supplier' });
    expect(ignored.status).toBe(200);
    expect(ignored.html).toContain(`Line ${toIgnore.lineId} ignored: Refund from our supplier`);
    expect(ignored.html).not.toContain(`id="line-${toIgnore.lineId}"`);
    expect((await unmatched()).some((l) => l.lineId === toIgnore.lineId)).toBe(false);

    // A line no longer in the queue: the refusal says why.
    const twice = await visitor.post(`/app/reconciliation/${toIgnore.lineId}/ignore`, { _csrf: csrf, reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.html).toContain('the line is ignored: only an unmatched line can be ignored');
  });

  test('when a match or an ignore carries no, a wrong or another session\'s CSRF token, then it is refused and the lines and the invoice stay as they were', async () => {
    const k = Math.random().toString(36).slice(2, 8);
    const c = await customer(`Csrf Recon ${k} Ltd`);
    const invoiceId = await openInvoice(c, '65.43');
    const csv = ['date,amount,currency,reference,payer', `2026-03-04,65.43,EUR,guarded ${k},Stranger ${k}`, `2026-03-05,1.23,EUR,also guarded ${k},Nobody ${k}`].join('\r\n');
    const uploaded = await app.http('POST', '/bank-statements', { key: TEST_KEYS.operator, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(uploaded.body).toMatchObject({ lines: 2, unmatched: 2 });
    const before = (await unmatched()).filter((l) => l.reference?.endsWith(k));
    expect(before).toHaveLength(2);
    const [toMatch, toIgnore] = [before.find((l) => l.reference === `guarded ${k}`), before.find((l) => l.reference === `also guarded ${k}`)];

    const visitor = await signedIn(TEST_KEYS.operator);
    const other = await signedIn(TEST_KEYS.admin);
    for (const token of [{}, { _csrf: `${visitor.csrf}x` }, { _csrf: other.csrf }] as Record<string, string>[]) {
      expectCsrfRefusal(await visitor.post(`/app/reconciliation/${toMatch.lineId}/match`, { ...token, currency: 'EUR', invoiceIds: [invoiceId], otherIds: '' }));
      expectCsrfRefusal(await visitor.post(`/app/reconciliation/${toIgnore.lineId}/ignore`, { ...token, reason: 'not ours' }));
    }

    expect((await unmatched()).filter((l) => l.reference?.endsWith(k))).toEqual(before);
    const invoice = await invoiceNow(invoiceId);
    expect(invoice.status).toBe('open');
    expect(invoice.payments).toEqual([]);
    const queue = await visitor.get('/app/reconciliation');
    expect(queue.html).toContain(`id="line-${toMatch.lineId}"`);
    expect(queue.html).toContain(`id="line-${toIgnore.lineId}"`);
  });
});
