import type { Page } from 'playwright-core';
import { TEST_KEYS, useBillflow } from '../support/billflow';
import { openPage, screenshot, seriousAxeViolations, useBrowser, type ViewportName } from '../support/browser';
import { eventually } from '../support/eventually';
import { monthsOfOwnYear } from '../support/periods';

/**
 * The billing runs pages and the reconciliation queue in a real browser (Debian's Chromium) against
 * the real stack: a dry run then a real run started from the forms and followed to the end (the run's
 * page reloads itself), an unmatched bank line matched from the queue; axe finds nothing serious,
 * and screenshots at desktop and phone widths go to test/artifacts/.
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

/** Axe at this width, and a screenshot named after the page and the width. */
async function checked(page: Page, name: string, viewport: ViewportName): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
  await screenshot(page, `${name}-${viewport}`);
}

const statusOf = (page: Page) => page.locator('dl.facts dt:text-is("Status") + dd').textContent();

describe('billing runs and reconciliation in Chromium', () => {
  test('when an operator starts a dry run, then the real run from its preview, then both are followed to the end on pages that reload themselves', async () => {
    const P = month(1);
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
    } finally {
      await phone.context().close();
    }
  });

  test('when an operator ticks a candidate of an unmatched bank line and presses Match, then the line leaves the queue and the invoice is paid', async () => {
    const { app } = stack();
    const k = Math.random().toString(36).slice(2, 8);
    const c = await customer(`Browser Recon ${k}`);
    const created = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, lines: [{ description: 'Service', quantity: '1', unitPrice: '432.10' }] } });
    expect(created.status).toBe(201);
    const invoiceId = created.body.id as string;
    const invoiceNow = async () => (await app.http('GET', `/invoices/${invoiceId}`, { key: TEST_KEYS.viewer })).body;
    await eventually(async () => ((await invoiceNow()).status === 'open' ? true : undefined), 30_000);
    const csv = ['date,amount,currency,reference,payer', `2026-04-01,432.10,EUR,see email ${k},Someone ${k}`].join('\r\n');
    const uploaded = await app.http('POST', '/bank-statements', { key: TEST_KEYS.operator, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(uploaded.body).toMatchObject({ unmatched: 1 });
    const line = ((await app.http('GET', '/reconciliation/unmatched', { key: TEST_KEYS.viewer })).body as { lineId: string; reference: string }[]).find((l) => l.reference === `see email ${k}`);
    expect(line).toBeDefined();

    for (const viewport of ['phone', 'desktop'] as const) {
      const page = await signIn(TEST_KEYS.operator, viewport);
      try {
        await page.goto(`${app.url}/app/reconciliation`);
        await checked(page, 'reconciliation', viewport);
        if (viewport === 'phone') continue;
        const card = page.locator(`#line-${line!.lineId}`);
        await card.locator(`input[name="invoiceIds"][value="${invoiceId}"]`).check();
        await Promise.all([page.waitForURL(`**/app/reconciliation/${line!.lineId}/match`), card.getByRole('button', { name: 'Match' }).click()]);
        await expect(page.getByRole('status').textContent()).resolves.toMatch(new RegExp(`Line ${line!.lineId} matched and applied: invoice ${invoiceId} paid`));
        expect(await page.locator(`#line-${line!.lineId}`).count()).toBe(0);
        await checked(page, 'reconciliation-matched', viewport);
      } finally {
        await page.context().close();
      }
    }
    await eventually(async () => ((await invoiceNow()).status === 'paid' ? true : undefined), 30_000);
  });
});
