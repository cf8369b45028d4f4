import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { insertBillingRun } from '../../src/db/billing-runs';
import { TEST_KEYS, useBillflow } from '../support/billflow';
import { openPage, screenshot, scrollsHorizontally, seriousAxeViolations, useBrowser, type ViewportName } from '../support/browser';
import { eventually } from '../support/eventually';
import { monthsOfOwnYear } from '../support/periods';

/**
 * The billing runs pages, the reconciliation queue and the error pages under /app in a real browser
 * (Debian's Chromium) against the real stack: a dry run then a real run started from the forms and
 * followed to the end (the run's page reloads itself), a running run's page with its cancel, an
 * unmatched bank line matched from the queue, and the pages for a missing page, a refused form and an
 * ended session; axe finds nothing serious, nothing scrolls sideways, and screenshots at desktop and
 * phone widths go to test/artifacts/.
 */
const stack = useBillflow();
const browser = useBrowser();
const month = monthsOfOwnYear();

async function customer(name: string): Promise<string> {
  const res = await stack().app.http('POST', '/customers', {
    key: TEST_KEYS.admin,
    body: { name, email: `br-${Math.random().toString(36).slice(2, 8)}@customer.test`, currency: 'EUR', approval: 'never' },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function signIn(key: string, viewport: ViewportName = 'desktop'): Promise<Page> {
  const page = await openPage(browser(), `${stack().app.url}/app/login`, { viewport });
  await page.getByLabel('API key').fill(key);
  await Promise.all([page.waitForURL('**/app/approvals'), page.getByRole('button', { name: 'Sign in' }).click()]);
  return page;
}

/** The elements reaching past the right edge of the screen, so a failure says what is too wide. */
const tooWide = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(`[...document.querySelectorAll('main *, header *')]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className : '') + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30))`);

/** Axe at this width, nothing wider than the screen, and a screenshot named after the page and the width. */
async function checked(page: Page, name: string, viewport: ViewportName): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
  expect(await tooWide(page)).toEqual([]);
  expect(await scrollsHorizontally(page)).toBe(false);
  const file = await screenshot(page, `${name}-${viewport}`);
  expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
}

const statusOf = (page: Page) => page.locator('dl.facts dt:text-is("Status") + dd').textContent();

describe('billing runs and reconciliation in Chromium', () => {
  test('when an operator starts a dry run, then the real run from its preview, then both are followed to the end on pages that reload themselves', async () => {
    const P = month(1);
    let dryPath: string | undefined;
    for (const [name, unitPriceMinor] of [['Browser Runs AG', 10_000], ['Browser Runs Ltd', 2_500]] as const) {
      const c = await customer(name);
      const res = await stack().app.http('POST', '/charges', { key: TEST_KEYS.operator, body: { customerId: c, description: 'Fee', quantity: 1, unitPriceMinor, period: P } });
      expect(res.status).toBe(201);
    }
    const page = await signIn(TEST_KEYS.operator);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing runs' }).click();
      await page.waitForURL('**/app/billing-runs');
      expect(await page.getByLabel('Dry run: preview the invoices, create nothing').isChecked()).toBe(true);
      await checked(page, 'billing-runs', 'desktop');
      await page.getByLabel('Period (YYYY-MM)').fill(P);
      await Promise.all([page.waitForURL(`**/app/billing-runs/run_${P}_dry_*`), page.getByRole('button', { name: 'Start' }).click()]);
      dryPath = new URL(page.url()).pathname;
      // The page reloads itself (no script) until the run has ended.
      await eventually(async () => ((await statusOf(page)) === 'completed' ? true : undefined), 60_000);
      await page.getByRole('heading', { name: 'Preview: the invoices a real run would create' }).waitFor();
      await checked(page, 'billing-run-preview', 'desktop');

      await Promise.all([page.waitForURL(`**/app/billing-runs/run_${P}?notice=real`), page.getByRole('button', { name: `Start the real run for ${P}` }).click()]);
      await eventually(async () => ((await statusOf(page)) === 'completed' ? true : undefined), 60_000);
      await checked(page, 'billing-run', 'desktop');
      const api = (await stack().app.http('GET', `/billing-runs/run_${P}`, { key: TEST_KEYS.viewer })).body;
      expect(api).toMatchObject({ status: 'completed', counts: { planned: 2, created: 2, failed: 0 } });
      expect(await page.locator('dl.facts dt:text-is("Created") + dd').textContent()).toBe('2');
    } finally {
      await page.context().close();
    }

    const phone = await signIn(TEST_KEYS.operator, 'phone');
    try {
      await phone.goto(`${stack().app.url}/app/billing-runs`);
      await checked(phone, 'billing-runs', 'phone');
      await phone.goto(`${stack().app.url}/app/billing-runs/run_${P}`);
      await checked(phone, 'billing-run', 'phone');
      expect(dryPath).toMatch(new RegExp(`^/app/billing-runs/run_${P}_dry_`));
      await phone.goto(`${stack().app.url}${dryPath}`);
      await phone.getByRole('heading', { name: 'Preview: the invoices a real run would create' }).waitFor();
      expect(await phone.getByRole('button', { name: `Start the real run for ${P}` }).isVisible()).toBe(true);
      await checked(phone, 'billing-run-preview', 'phone');
    } finally {
      await phone.context().close();
    }
  });

  test('when an operator ticks a candidate of an unmatched bank line and presses Match, then the line leaves the queue and the invoice is paid, at phone and desktop widths', async () => {
    const { app } = stack();
    const k = Math.random().toString(36).slice(2, 8);
    const c = await customer(`Browser Recon ${k}`);
    const invoiceNow = async (id: string) => (await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer })).body;
    // One invoice and one bank line for each width: each is matched from the queue at its own width.
    const cases = { phone: { amount: '432.10', invoiceId: '', lineId: '' }, desktop: { amount: '210.43', invoiceId: '', lineId: '' } };
    for (const [viewport, one] of Object.entries(cases)) {
      const created = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, lines: [{ description: `Service ${viewport}`, quantity: '1', unitPrice: one.amount }] } });
      expect(created.status).toBe(201);
      one.invoiceId = created.body.id as string;
      await eventually(async () => ((await invoiceNow(one.invoiceId)).status === 'open' ? true : undefined), 30_000);
    }
    const csv = ['date,amount,currency,reference,payer', ...Object.entries(cases).map(([viewport, one]) => `2026-04-01,${one.amount},EUR,see email ${k} ${viewport},Someone ${k}`)].join('\r\n');
    const uploaded = await app.http('POST', '/bank-statements', { key: TEST_KEYS.operator, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(uploaded.body).toMatchObject({ unmatched: 2 });
    const queued = (await app.http('GET', '/reconciliation/unmatched', { key: TEST_KEYS.viewer })).body as { lineId: string; reference: string }[];
    for (const [viewport, one] of Object.entries(cases)) {
      const line = queued.find((l) => l.reference === `see email ${k} ${viewport}`);
      expect(line).toBeDefined();
      one.lineId = line!.lineId;
    }

    for (const viewport of ['phone', 'desktop'] as const) {
      const { invoiceId, lineId } = cases[viewport];
      const page = await signIn(TEST_KEYS.operator, viewport);
      try {
        await page.goto(`${app.url}/app/reconciliation`);
        await checked(page, 'reconciliation', viewport);
        const card = page.locator(`#line-${lineId}`);
        await card.locator(`input[name="invoiceIds"][value="${invoiceId}"]`).check();
        await Promise.all([page.waitForURL(`**/app/reconciliation/${lineId}/match`), card.getByRole('button', { name: 'Match' }).click()]);
        await expect(page.getByRole('status').textContent()).resolves.toMatch(new RegExp(`Line ${lineId} matched and applied: invoice ${invoiceId} paid`));
        expect(await page.locator(`#line-${lineId}`).count()).toBe(0);
        await checked(page, 'reconciliation-matched', viewport);
      } finally {
        await page.context().close();
      }
      await eventually(async () => ((await invoiceNow(invoiceId)).status === 'paid' ? true : undefined), 30_000);
    }
  });

  test('when a run is running, then its page reloads itself and offers a cancel, with no serious axe violations and nothing wider than a phone', async () => {
    const R = month(2);
    // A run stored as running whose workflow never started: it stays running for as long as the test looks.
    await insertBillingRun(stack().db.sql, { id: `run_${R}`, period: R, dryRun: false, customerIds: null, createdBy: 'olivia', startedAt: new Date().toISOString() });
    const path = `/app/billing-runs/run_${R}`;
    for (const viewport of ['phone', 'desktop'] as const) {
      const page = await signIn(TEST_KEYS.operator, viewport);
      try {
        // It reloads itself (the Refresh header, no script): a second load of the page follows the first.
        const loads: number[] = [];
        page.on('response', (response) => {
          if (new URL(response.url()).pathname === path) loads.push(response.status());
        });
        await page.goto(`${stack().app.url}${path}`);
        await eventually(() => Promise.resolve(loads.length >= 2 ? true : undefined), 15_000);
        expect(loads.slice(0, 2)).toEqual([200, 200]);

        // Held still for axe and the screenshot: the same page, answered without its Refresh header.
        let refresh: string | undefined;
        await page.route(`**${path}`, async (route) => {
          const response = await route.fetch();
          const { refresh: header, ...headers } = response.headers();
          refresh = header;
          await route.fulfill({ response, headers });
        });
        await page.goto(`${stack().app.url}${path}`);
        expect(refresh).toBe('2');
        expect(await statusOf(page)).toBe('running');
        await expect(page.getByText('This page reloads every 2 seconds while the run is running.').isVisible()).resolves.toBe(true);
        await expect(page.getByRole('button', { name: 'Cancel this run' }).isVisible()).resolves.toBe(true);
        await checked(page, 'billing-run-running', viewport);
      } finally {
        await page.context().close();
      }
    }
  });
});

describe.each<ViewportName>(['phone', 'desktop'])('the error pages under /app at %s width', (viewport) => {
  test('a page that does not exist (404) has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const page = await signIn(TEST_KEYS.operator, viewport);
    try {
      const response = await page.goto(`${stack().app.url}/app/no-such-page-with-a-rather-long-name-that-might-not-fit-on-a-phone`);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Not found');
      await expect(page.getByRole('alert').textContent()).resolves.toBe('There is no such page.');
      await checked(page, 'app-error-404', viewport);
    } finally {
      await page.context().close();
    }
  });

  test('a form refused as forged or expired (403) has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const page = await signIn(TEST_KEYS.operator, viewport);
    try {
      await page.goto(`${stack().app.url}/app/billing-runs`);
      // The form's token as an old page would hold it: no longer the session's.
      await page.evaluate(`document.querySelector('form[action="/app/billing-runs"] input[name="_csrf"]').value = 'expired-token'`);
      await page.getByLabel('Period (YYYY-MM)').fill(month(9));
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Start' }).click()]);
      expect(response.status()).toBe(403);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Not allowed');
      await expect(page.getByRole('alert').textContent()).resolves.toBe('This form has expired or did not come from billflow. Reload the page and try again.');
      await checked(page, 'app-error-403', viewport);
    } finally {
      await page.context().close();
    }
    const [none] = await stack().db.sql<{ n: number }[]>`select count(*)::int as n from billing_runs where period = ${month(9)}`;
    expect(none?.n).toBe(0);
  });

  test('a form posted after the session ended (401) asks to sign in, has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const page = await signIn(TEST_KEYS.operator, viewport);
    try {
      await page.goto(`${stack().app.url}/app/billing-runs`);
      await page.context().clearCookies();
      await page.getByLabel('Period (YYYY-MM)').fill(month(10));
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Start' }).click()]);
      expect(response.status()).toBe(401);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Please sign in');
      expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
      await checked(page, 'app-error-401', viewport);
    } finally {
      await page.context().close();
    }
  });
});
