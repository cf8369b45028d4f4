import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_KEYS, useBillflow } from '../support/billflow';
import { launchChromium, openPage, screenshot, scrollsHorizontally, seriousAxeViolations, useBrowser, VIEWPORTS, type ViewportName } from '../support/browser';
import { eventually } from '../support/eventually';

/**
 * The customer's pay page in a real browser (Debian's Chromium) against the real stack: in the
 * customer's language, on a phone without sideways scrolling, with the company's name and logo,
 * the PDF downloadable, and no serious accessibility violations. Screenshots go to test/artifacts/.
 */

const logoDir = mkdtempSync(path.join(tmpdir(), 'billflow-logo-'));
const logoFile = path.join(logoDir, 'logo.svg');
writeFileSync(logoFile, '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" rx="6" fill="#1f4e79"/><text x="60" y="26" font-size="16" text-anchor="middle" fill="#fff">Muster</text></svg>');
afterAll(() => rmSync(logoDir, { recursive: true, force: true }));

const stack = useBillflow({ env: { COMPANY_NAME: 'Muster Software GmbH', COMPANY_LOGO_FILE: logoFile } });
const browser = useBrowser();

/** An issued invoice (2 × 1,250.00 + 19% tax = 2,975.00 EUR) for a customer in `locale`, and its pay link. */
async function issuedInvoice(locale: string): Promise<{ number: string; url: string }> {
  const { app, db } = stack();
  const email = `pay-${locale}-${Date.now()}@customer.test`;
  const customer = await app.http('POST', '/customers', { body: { name: 'Bäckerei Sonnenschein', email, currency: 'EUR', taxRateBps: 1900, approval: 'never', locale } });
  expect(customer.status).toBe(201);
  const created = await app.http('POST', '/invoices', {
    key: TEST_KEYS.operator,
    body: { customerId: customer.body.id, lines: [{ description: 'Kassensystem-Lizenz mit sehr langem Namen für die Filiale Hauptbahnhof', quantity: '2', unitPrice: '1250.00' }] },
  });
  expect(created.status).toBe(201);
  const number = await eventually(async () => {
    const res = await app.http('GET', `/invoices/${created.body.id}`, { key: TEST_KEYS.viewer });
    return res.body?.status === 'open' && res.body.number ? (res.body.number as string) : undefined;
  });
  const [row] = await db.sql<{ pay_token: string }[]>`select pay_token from invoices where id = ${created.body.id as string}`;
  return { number, url: `${app.url}/pay/${row!.pay_token}` };
}

describe.each([
  { locale: 'de', lang: 'de', title: 'Rechnung', amountDue: '2.975,00 €', issuedLabel: 'Rechnungsdatum', download: 'Rechnung herunterladen (PDF)', dateFormat: /\d{2}\.\d{2}\.\d{4}/ },
  { locale: 'en', lang: 'en', title: 'Invoice', amountDue: 'EUR 2,975.00', issuedLabel: 'issued', download: 'Download the invoice (PDF)', dateFormat: /\d{4}-\d{2}-\d{2}/ },
])('the pay page for a customer whose locale is $locale', ({ locale, lang, title, amountDue, issuedLabel, download, dateFormat }) => {
  let invoice: { number: string; url: string };
  beforeAll(async () => {
    invoice = await issuedInvoice(locale);
  });

  test('when the customer opens it on a phone, then it speaks their language, shows the amount due in their format and fits the screen', async () => {
    const page = await openPage(browser(), invoice.url, { viewport: 'phone' });
    try {
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`${title} ${invoice.number}`);
      // The amount due, as Intl writes it for the locale (German: a non-breaking space before €).
      expect((await page.locator('#amount-due').textContent())?.replace(/\u00a0/g, ' ')).toBe(amountDue);
      expect(await page.locator('.muted').first().textContent()).toMatch(new RegExp(`${issuedLabel} ${dateFormat.source}`));
      // The company from the configuration, its logo served by billflow itself and loaded.
      expect(await page.locator('header .brand').textContent()).toBe('Muster Software GmbH');
      const logoWidth = await page.locator('header img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      expect(logoWidth).toBeGreaterThan(0);
      // The page's own CSP lets its style apply (the hash matches): the body has its grey background.
      expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(244, 245, 247)');
      expect(await scrollsHorizontally(page)).toBe(false);
    } finally {
      await page.context().close();
    }
  });

  test('when the customer downloads the PDF, then the file is the invoice as PDF', async () => {
    const page = await openPage(browser(), invoice.url, { viewport: 'phone' });
    try {
      const [downloaded] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: download }).click()]);
      expect(downloaded.suggestedFilename()).toBe(`${invoice.number}.pdf`);
      const file = await downloaded.path();
      expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      await page.context().close();
    }
  });

  test.each<ViewportName>(['phone', 'desktop'])('when it is shown at %s width, then axe finds nothing serious and a screenshot is kept', async (viewport) => {
    const page = await openPage(browser(), invoice.url, { viewport });
    try {
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      const file = await screenshot(page, `pay-page-${locale}-${viewport}`);
      expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
    } finally {
      await page.context().close();
    }
  });
});

describe.each<ViewportName>(['phone', 'desktop'])('the pay page\'s error page at %s width', (viewport) => {
  test('when the link\'s token is unknown, then a 404 page in the company\'s frame says so, with no serious axe violations, fitting the screen; a screenshot is kept', async () => {
    const context = await browser().newContext({ viewport: VIEWPORTS[viewport] });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${stack().app.url}/pay/not-a-token-anyone-was-ever-given-and-rather-long-at-that`);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
      await expect(page.getByText('This payment link is not valid. Please use the link in your invoice email.').isVisible()).resolves.toBe(true);
      expect(await page.locator('header .brand').textContent()).toBe('Muster Software GmbH');
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      const file = await screenshot(page, `pay-page-not-found-${viewport}`);
      expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
    } finally {
      await context.close();
    }
  });
});

describe('the browser harness', () => {
  test('when Chromium is missing, then the tests fail saying that .ci/run installs it', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/\/nonexistent\/chromium is missing: .*Run \.ci\/run \(it installs it\)/);
  });

  test('when a page breaks an axe rule, then the check reports it despite the page forbidding scripts', async () => {
    const { url } = await issuedInvoice('en');
    const page = await openPage(browser(), url);
    try {
      // An image without alt text, added through the DevTools protocol as axe itself is.
      await page.evaluate("document.body.append(Object.assign(document.createElement('img'), { src: '/pay/logo' }))");
      expect((await seriousAxeViolations(page)).map((v) => v.id)).toContain('image-alt');
    } finally {
      await page.context().close();
    }
  });
});
