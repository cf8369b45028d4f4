import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { TEST_KEYS, useBillflow } from '../support/billflow';
import { openPage, screenshot, scrollsHorizontally, seriousAxeViolations, useBrowser, type ViewportName } from '../support/browser';
import { eventually } from '../support/eventually';

/**
 * The invoices list (also filtered by status), one issued and partly paid invoice, and the
 * receivables dashboard in a real browser (Debian's Chromium) against the real stack, as a viewer
 * signed in through the form: at phone and desktop widths axe finds nothing serious and nothing
 * scrolls sideways, and the dashboard's figures as the browser has them (aging, DSO at each month's
 * end, late payers) are the reports api's. Screenshots go to test/artifacts/. The dashboard's
 * invoices are imported in DKK, which no other test uses.
 */

const stack = useBillflow();
const browser = useBrowser();

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.now();
const at = (ms: number) => new Date(ms).toISOString();

async function ok(method: string, path: string, body?: unknown, key: string = TEST_KEYS.operator): Promise<any> {
  const res = await stack().app.http(method, path, { key, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const until = (id: string, predicate: (b: any) => boolean) =>
  eventually(async () => {
    const res = await stack().app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer });
    return res.status === 200 && predicate(res.body) ? res.body : undefined;
  }, 60_000);

/** The elements reaching past the right edge of the screen, so a failure says what is too wide. */
const tooWide = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(`[...document.querySelectorAll('main *, header *')]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className : '') + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30))`);

async function api(path: string): Promise<any> {
  const res = await stack().app.http('GET', path, { key: TEST_KEYS.viewer });
  expect(res.status).toBe(200);
  return res.body;
}

/** Each body row of the table `#id` as the browser has it: its data- attributes (a DSO cell's too), money cells' data-minor, and cell texts. */
const tableRows = (page: Page, id: string): Promise<{ data: Record<string, string>; minor: number[]; cells: string[] }[]> =>
  page.evaluate(`[...document.querySelectorAll('#${id} tbody tr')].map((tr) => ({
    data: Object.assign({}, tr.dataset, ...[...tr.querySelectorAll('[data-dso]')].map((cell) => ({ dso: cell.dataset.dso }))),
    minor: [...tr.querySelectorAll('[data-minor]')].map((cell) => Number(cell.dataset.minor)),
    cells: [...tr.children].map((cell) => cell.textContent.trim()),
  }))`);

/** Signs in as the viewer through the form, then opens `path` in the same page. */
async function viewerAt(path: string, viewport: ViewportName): Promise<Page> {
  const page = await openPage(browser(), `${stack().app.url}/app/login`, { viewport });
  await page.getByLabel('API key').fill(TEST_KEYS.viewer);
  await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/app/login')), page.getByRole('button', { name: 'Sign in' }).click()]);
  const response = await page.goto(`${stack().app.url}${path}`);
  expect(response?.status()).toBe(200);
  return page;
}

async function checked(page: Page, name: string): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
  expect(await tooWide(page)).toEqual([]);
  expect(await scrollsHorizontally(page)).toBe(false);
  const file = await screenshot(page, name);
  expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
}

let partlyPaidId = '';

beforeAll(async () => {
  const customerId = (
    await ok(
      'POST',
      '/customers',
      { name: 'Browser Fakturering mit einem recht langen Firmennamen GmbH', email: `bi-${Math.random().toString(36).slice(2, 8)}@customer.test`, currency: 'EUR', taxRateBps: 1900, approval: 'never' },
      TEST_KEYS.admin,
    )
  ).id as string;
  partlyPaidId = (
    await ok('POST', '/invoices', {
      customerId,
      lines: [
        { description: 'Kassensystem-Lizenz mit sehr langem Namen für die Filiale Hauptbahnhof', quantity: '2', unitPrice: '100.00' },
        { description: 'Support', quantity: '1', unitPrice: '40.00' },
      ],
    })
  ).id as string;
  await until(partlyPaidId, (b) => b.status === 'open');
  await ok('POST', `/invoices/${partlyPaidId}/payments`, { amountMinor: 5000, method: 'bank_transfer', reference: 'TX-BROWSER-1' });
  await until(partlyPaidId, (b) => (b.payments?.length ?? 0) === 1);

  const policy = await ok('POST', '/dunning-policies', { name: 'Browser dashboard', steps: [{ offset: 'P1D', template: 'friendly' }] });
  await ok('POST', '/customers', { name: 'Dansk Regnskab ApS', email: 'ap@dansk.test', currency: 'DKK', locale: 'en', dunningPolicyId: policy.id, externalId: 'browser-dansk' });
  const row = (key: string, issued: number, due: number, total: string) => `browser-${key},browser-dansk,DK-${key},${at(issued)},${at(due)},DKK,${total},0,Services ${key}`;
  const report = await stack().app.http('POST', '/imports/invoices', {
    key: TEST_KEYS.operator,
    rawBody: `${[
      'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description',
      row('D1', NOW - 40 * DAY, NOW - 10 * DAY + HOUR, '1000.00'),
      row('D2', NOW - 100 * DAY, NOW - 70 * DAY + HOUR, '500.00'),
      row('D3', NOW - 20 * DAY, NOW + 10 * DAY, '300.00'),
    ].join('\r\n')}\r\n`,
    headers: { 'content-type': 'text/csv' },
  });
  expect(report.body).toMatchObject({ imported: 3, rejected: [] });
}, 120_000);

describe.each<ViewportName>(['phone', 'desktop'])('signed in as a viewer at %s width', (viewport) => {
  test('the invoices list, and filtered by status, have no serious axe violations, fit the screen, and screenshots are kept', async () => {
    const page = await viewerAt('/app/invoices', viewport);
    try {
      await expect(page.getByRole('heading', { level: 1 }).isVisible()).resolves.toBe(true);
      expect(await page.locator(`a[href="/app/invoices/${partlyPaidId}"]`).count()).toBeGreaterThan(0);
      await checked(page, `app-invoices-${viewport}`);

      await page.goto(`${stack().app.url}/app/invoices?status=open`);
      expect(await page.locator(`a[href="/app/invoices/${partlyPaidId}"]`).count()).toBeGreaterThan(0);
      await checked(page, `app-invoices-open-${viewport}`);
    } finally {
      await page.context().close();
    }
  });

  test('an issued, partly paid invoice shows its lines, payments and timeline, has no serious axe violations, fits the screen', async () => {
    const page = await viewerAt(`/app/invoices/${partlyPaidId}`, viewport);
    try {
      const main = page.locator('main');
      await expect(main.getByText('Kassensystem-Lizenz mit sehr langem Namen für die Filiale Hauptbahnhof').first().isVisible()).resolves.toBe(true);
      await expect(main.getByText('TX-BROWSER-1').first().isVisible()).resolves.toBe(true);
      await expect(main.locator('strong', { hasText: 'payment received' }).first().isVisible()).resolves.toBe(true);
      await checked(page, `app-invoice-${viewport}`);
    } finally {
      await page.context().close();
    }
  });

  test('the receivables dashboard in DKK shows the reports api\'s aging, DSO and late payers, has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const page = await viewerAt('/app/dashboard?currency=DKK', viewport);
    try {
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Receivables in DKK');

      // Aging: each bucket's amount due and the total, as GET /reports/aging has them (D1 10 days, D2 70 days late, D3 not yet due).
      const aging = await api('/reports/aging?currency=DKK');
      expect(aging.buckets).toEqual({ current: 30_000, '1-30': 100_000, '31-60': 0, '61-90': 50_000, '90+': 0 });
      const agingRows = await tableRows(page, 'aging-figures');
      expect(agingRows.map((row) => [row.data.bucket, row.minor])).toEqual([
        ...Object.entries(aging.buckets as Record<string, number>).map(([bucket, minor]) => [bucket, [minor]]),
        ['total', [180_000]],
      ]);

      // DSO at each month's end (the last one now): GET /reports/dso as of the row's moment.
      const dsoRows = await tableRows(page, 'dso-figures');
      expect(dsoRows).toHaveLength(6);
      for (const row of dsoRows) {
        const dso = await api(`/reports/dso?currency=DKK&asOf=${encodeURIComponent(row.data.to ?? '')}`);
        expect({ month: row.cells[0], dso: row.data.dso, minor: row.minor }).toEqual({
          month: row.cells[0],
          dso: dso.dso === null ? '' : String(dso.dso),
          minor: [dso.receivablesMinor, dso.salesMinor],
        });
      }
      // Now: 180000 owed; D1 and D3 (130000) sold in the last 90 days (D2 at NOW-100D before): 180000 ÷ 130000 × 90 = 124.6 days.
      expect(dsoRows[5]).toMatchObject({ data: { dso: '124.6' }, minor: [180_000, 130_000] });

      // Late payers over the 90 days up to now, as GET /reports/collections lists them: D1 and D2 are late.
      const collections = await api('/reports/collections?currency=DKK');
      expect(collections.latePayers).toHaveLength(1);
      expect((await tableRows(page, 'late-payers')).map((row) => [row.data.customer, ...row.cells])).toEqual(
        (collections.latePayers as { customerId: string; name: string; lateInvoices: number; averageDaysLate: number }[]).map((p) => [
          p.customerId,
          p.name,
          String(p.lateInvoices),
          String(p.averageDaysLate),
        ]),
      );

      await checked(page, `app-dashboard-${viewport}`);
    } finally {
      await page.context().close();
    }
  });
});
