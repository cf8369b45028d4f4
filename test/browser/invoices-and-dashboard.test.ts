import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { TEST_KEYS, useBillflow } from '../support/billflow';
import { openPage, screenshot, scrollsHorizontally, seriousAxeViolations, useBrowser, type ViewportName } from '../support/browser';
import { eventually } from '../support/eventually';

/**
 * The invoices list (also filtered by status), one issued and partly paid invoice, and the
 * receivables dashboard in a real browser (Debian's Chromium) against the real stack, as a viewer
 * signed in through the form: at phone and desktop widths axe finds nothing serious and nothing
 * scrolls sideways. Screenshots go to test/artifacts/. The dashboard's invoices are imported in DKK,
 * which no other test uses.
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

  test('the receivables dashboard in DKK has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const page = await viewerAt('/app/dashboard?currency=DKK', viewport);
    try {
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Receivables in DKK');
      expect(await page.locator('#aging-figures tbody tr').count()).toBeGreaterThan(0);
      await checked(page, `app-dashboard-${viewport}`);
    } finally {
      await page.context().close();
    }
  });
});
