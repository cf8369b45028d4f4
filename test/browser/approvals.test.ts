import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { approvalInboxPath } from '../../src/web/app/links';
import { TEST_KEYS, useBillflow } from '../support/billflow';
import { openPage, screenshot, scrollsHorizontally, seriousAxeViolations, useBrowser, VIEWPORTS, type ViewportName } from '../support/browser';
import { eventually } from '../support/eventually';

/**
 * Sign-in and the approvals inbox in a real browser (Debian's Chromium) against the real stack: an
 * approver signs in through the form and decides, the creator and a viewer find no buttons they may
 * not use, the whole approval works from the keyboard alone, and axe finds nothing serious on either
 * page at phone and desktop widths. Screenshots go to test/artifacts/.
 */

const stack = useBillflow();
const browser = useBrowser();

async function customer(name: string): Promise<string> {
  const res = await stack().app.http('POST', '/customers', {
    key: TEST_KEYS.operator,
    body: { name, email: `br-${Math.random().toString(36).slice(2, 8)}@customer.test`, currency: 'EUR', taxRateBps: 1900, approval: 'always' },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const invoiceNow = async (id: string) => (await stack().app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer })).body;

/** An invoice waiting for approval, created by the holder of `key`. */
async function pendingInvoice(customerId: string, description: string, key: string = TEST_KEYS.operator): Promise<string> {
  const res = await stack().app.http('POST', '/invoices', { key, body: { customerId, lines: [{ description, quantity: '3', unitPrice: '120.00' }] } });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  await eventually(async () => ((await invoiceNow(id)).status === 'pending_approval' ? true : undefined));
  return id;
}

/**
 * Opens `path` and records every answer from billflow that is an error: a page must ask for nothing
 * that fails (a browser's own /favicon.ico request without a key would count as a failed
 * authentication against the address's budget and lock an office out after a few page views).
 */
async function openRecording(path: string, viewport: ViewportName): Promise<{ page: Page; failed: string[] }> {
  const failed: string[] = [];
  const context = await browser().newContext({ viewport: VIEWPORTS[viewport] });
  context.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  const page = await context.newPage();
  await page.goto(`${stack().app.url}${path}`);
  return { page, failed };
}

/** The elements reaching past the right edge of the screen (tag.class#id and a bit of text), so a failure says what is too wide. */
const tooWide = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(`[...document.querySelectorAll('main *, header *')]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30))`);

/** Signs in through the form (the key typed into its field, the button pressed); returns the inbox page. */
async function signIn(key: string, viewport: ViewportName = 'desktop'): Promise<Page> {
  const page = await openPage(browser(), `${stack().app.url}/app/login`, { viewport });
  await page.getByLabel('API key').fill(key);
  await Promise.all([page.waitForURL('**/app/approvals'), page.getByRole('button', { name: 'Sign in' }).click()]);
  return page;
}

/** The card of an invoice in the inbox (an <article> labelled by its heading). */
const card = (page: Page, id: string) => page.locator(`#invoice-${id}`);

/** Presses Tab until the focused element matches `test` (a page expression on `el`); fails after `max` presses. */
async function tabTo(page: Page, test: string, max = 300): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate<boolean>(`(() => { const el = document.activeElement; return !!el && (${test}); })()`)) return;
  }
  throw new Error(`no element matching ${test} was reached with ${max} presses of Tab`);
}

const inForm = (action: string, tag: string) => `el.tagName === '${tag}' && el.closest('form')?.getAttribute('action') === '${action}'`;

describe('the approvals inbox in Chromium', () => {
  test('when an approver signs in through the form, approves one invoice and rejects another with a reason, then the api shows the new states', async () => {
    const c = await customer('Browser Werke AG');
    const first = await pendingInvoice(c, 'Consulting, approved in the browser');
    const second = await pendingInvoice(c, 'Consulting, rejected in the browser');
    const page = await signIn(TEST_KEYS.approver);
    try {
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approvals');
      expect(await page.getByRole('navigation', { name: 'Account' }).textContent()).toMatch(/Signed in as arthur \(approver\)/);
      await expect(card(page, first).getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Browser Werke AG: EUR 428.40');

      await card(page, first).getByLabel('Comment (optional)').fill('looks right');
      await Promise.all([page.waitForURL(`**/app/approvals/${first}/approve`), card(page, first).getByRole('button', { name: 'Approve' }).click()]);
      await expect(page.getByRole('status').textContent()).resolves.toMatch(new RegExp(`Invoice ${first} approved: it is now`));
      expect(await card(page, first).count()).toBe(0);

      await card(page, second).getByLabel('Reason for “reject”').fill('wrong hourly rate');
      await Promise.all([page.waitForURL(`**/app/approvals/${second}/reject`), card(page, second).getByRole('button', { name: 'Reject' }).click()]);
      await expect(page.getByRole('status').textContent()).resolves.toBe(`Invoice ${second} rejected: it is now rejected.`);
      expect(await card(page, second).count()).toBe(0);
    } finally {
      await page.context().close();
    }

    const approved = await eventually(async () => {
      const body = await invoiceNow(first);
      return body.number ? body : undefined;
    });
    expect(approved.status).not.toBe('pending_approval');
    expect(approved.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'approved', reason: 'looks right' })]);
    const rejected = await invoiceNow(second);
    expect(rejected.status).toBe('rejected');
    expect(rejected.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'rejected', reason: 'wrong hourly rate' })]);
  });

  test('when an approver follows the approval email\'s link signed out, then sign-in leads to that invoice\'s entry, first, and approving it works', async () => {
    const c = await customer('Emailed Link GmbH');
    const older = await pendingInvoice(c, 'Waiting longer');
    const id = await pendingInvoice(c, 'The invoice the email is about');
    const context = await browser().newContext({ viewport: VIEWPORTS.desktop });
    const page = await context.newPage();
    try {
      await page.goto(`${stack().app.url}${approvalInboxPath(id)}`);
      // Sent to sign in, with the page asked for (path and query) carried along.
      expect(new URL(page.url()).pathname).toBe('/app/login');
      expect(new URL(page.url()).searchParams.get('next')).toBe(`/app/approvals?invoice=${id}`);
      await page.getByLabel('API key').fill(TEST_KEYS.approver);
      await Promise.all([page.waitForURL(`**/app/approvals?invoice=${id}`), page.getByRole('button', { name: 'Sign in' }).click()]);

      // The invoice's entry is the first on the page, marked, and on the screen without scrolling.
      expect(await page.locator('main article').first().getAttribute('id')).toBe(`invoice-${id}`);
      await expect(card(page, id).getByText('The invoice you were sent to decide on').isVisible()).resolves.toBe(true);
      const box = await card(page, id).getByRole('heading', { level: 2 }).boundingBox();
      expect(box && box.y + box.height).toBeLessThanOrEqual(VIEWPORTS.desktop.height);
      await expect(card(page, older).isVisible()).resolves.toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'app-approvals-emailed-link-desktop');

      await card(page, id).getByLabel('Comment (optional)').fill('approved from the email');
      await Promise.all([page.waitForURL(`**/app/approvals/${id}/approve`), card(page, id).getByRole('button', { name: 'Approve' }).click()]);
      await expect(page.getByRole('status').textContent()).resolves.toMatch(new RegExp(`Invoice ${id} approved: it is now`));
      expect(await card(page, id).count()).toBe(0);

      // The link again, now that it is decided: a notice with its status and a link to its page.
      await page.goto(`${stack().app.url}${approvalInboxPath(id)}`);
      const notice = page.getByRole('status');
      await expect(notice.textContent()).resolves.toMatch(new RegExp(`^Invoice ${id} no longer waits for approval: it is now (open|paid)\\. Open invoice ${id}$`));
      await Promise.all([page.waitForURL(`**/app/invoices/${id}`), notice.getByRole('link', { name: `Open invoice ${id}` }).click()]);
    } finally {
      await context.close();
    }
    const approved = await eventually(async () => {
      const body = await invoiceNow(id);
      return body.number ? body : undefined;
    });
    expect(approved.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'approved', reason: 'approved from the email' })]);
    expect((await invoiceNow(older)).status).toBe('pending_approval');
  });

  test('when an approver requests changes with a reason, then the invoice leaves the inbox and the api shows it back in draft with the reason', async () => {
    const c = await customer('Needs Changes KG');
    const id = await pendingInvoice(c, 'Hours billed twice');
    const page = await signIn(TEST_KEYS.approver);
    try {
      await card(page, id).getByLabel('Reason for “request changes”').fill('the hours are billed twice');
      await Promise.all([page.waitForURL(`**/app/approvals/${id}/request-changes`), card(page, id).getByRole('button', { name: 'Request changes' }).click()]);
      await expect(page.getByRole('status').textContent()).resolves.toBe(`Invoice ${id} sent back for changes: it is now draft.`);
      expect(await card(page, id).count()).toBe(0);
    } finally {
      await page.context().close();
    }
    const now = await invoiceNow(id);
    expect(now.status).toBe('draft');
    expect(now.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'changes_requested', reason: 'the hours are billed twice' })]);
  });

  test('when a reject is submitted without a reason, then the browser asks for one and nothing is sent', async () => {
    const c = await customer('Required Reason KG');
    const id = await pendingInvoice(c, 'Needs a reason');
    const page = await signIn(TEST_KEYS.approver);
    try {
      await card(page, id).getByRole('button', { name: 'Reject' }).click();
      expect(await card(page, id).getByLabel('Reason for “reject”').evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
      expect(page.url()).toBe(`${stack().app.url}/app/approvals`);
    } finally {
      await page.context().close();
    }
    expect((await invoiceNow(id)).status).toBe('pending_approval');
  });

  test('when an admin opens the inbox, then their own invoice has no approve button but others do', async () => {
    const c = await customer('Own Work SE');
    const own = await pendingInvoice(c, 'Made by ada', TEST_KEYS.admin);
    const others = await pendingInvoice(c, 'Made by olivia');
    const page = await signIn(TEST_KEYS.admin);
    try {
      expect(await card(page, own).getByRole('button', { name: 'Approve' }).count()).toBe(0);
      await expect(card(page, own).getByText('You created this invoice, so someone else must approve it.').isVisible()).resolves.toBe(true);
      expect(await card(page, own).getByRole('button', { name: 'Reject' }).count()).toBe(1);
      expect(await card(page, others).getByRole('button', { name: 'Approve' }).count()).toBe(1);
    } finally {
      await page.context().close();
    }
    expect((await invoiceNow(own)).status).toBe('pending_approval');
  });

  test.each([
    { role: 'viewer', key: TEST_KEYS.viewer },
    { role: 'operator', key: TEST_KEYS.operator },
  ])('when the $role opens the inbox, then it sees the invoices and no buttons but sign-out', async ({ role, key }) => {
    const c = await customer(`Look Only ${role} Ltd`);
    const id = await pendingInvoice(c, 'Only looked at');
    const page = await signIn(key);
    try {
      await expect(card(page, id).isVisible()).resolves.toBe(true);
      expect(await card(page, id).getByRole('button').count()).toBe(0);
      expect(await page.locator('main').getByRole('button').count()).toBe(0);
      expect(await page.locator('main form').count()).toBe(0);
      await expect(card(page, id).getByText(`Your role (${role}) may view this invoice but not decide on it.`).isVisible()).resolves.toBe(true);
    } finally {
      await page.context().close();
    }
  });

  test('when an approver uses only the keyboard, then signing in, approving and rejecting all work and focus is visible', async () => {
    const c = await customer('Keyboard Only GmbH');
    const first = await pendingInvoice(c, 'Approved by keyboard');
    const second = await pendingInvoice(c, 'Rejected by keyboard');
    const page = await openPage(browser(), `${stack().app.url}/app/login`);
    try {
      // The first Tab reaches the skip link, which then shows on the screen.
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
      expect(await page.evaluate<number>('document.activeElement.getBoundingClientRect().left')).toBeGreaterThanOrEqual(0);

      await tabTo(page, "el.id === 'api-key'");
      await page.keyboard.type(TEST_KEYS.approver);
      await Promise.all([page.waitForURL('**/app/approvals'), page.keyboard.press('Enter')]);

      await tabTo(page, inForm(`/app/approvals/${first}/approve`, 'BUTTON'));
      // The focused button carries the focus ring of the stylesheet.
      expect(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await Promise.all([page.waitForURL(`**/app/approvals/${first}/approve`), page.keyboard.press('Enter')]);
      await expect(page.getByRole('status').textContent()).resolves.toMatch(new RegExp(`Invoice ${first} approved: it is now`));

      await tabTo(page, inForm(`/app/approvals/${second}/reject`, 'TEXTAREA'));
      await page.keyboard.type('duplicate of another invoice');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<boolean>(`(() => { const el = document.activeElement; return ${inForm(`/app/approvals/${second}/reject`, 'BUTTON')}; })()`)).toBe(true);
      await Promise.all([page.waitForURL(`**/app/approvals/${second}/reject`), page.keyboard.press('Enter')]);
      await expect(page.getByRole('status').textContent()).resolves.toBe(`Invoice ${second} rejected: it is now rejected.`);
    } finally {
      await page.context().close();
    }

    const approved = await eventually(async () => {
      const body = await invoiceNow(first);
      return body.number ? body : undefined;
    });
    expect(approved.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'approved' })]);
    const rejected = await invoiceNow(second);
    expect(rejected.status).toBe('rejected');
    expect(rejected.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'rejected', reason: 'duplicate of another invoice' })]);
  });
});

describe('page views and the failed sign-in budget', () => {
  test('when a person opens more pages than the budget of failed authentications, then a wrong key is still only "not valid"', async () => {
    // A browser asks for /favicon.ico by itself; without a key the api would count each such
    // request as a failed authentication from the address. The pages name their icon instead.
    const views = stack().app.config.rateLimit.authFailuresPerMinute + 2;
    const context = await browser().newContext();
    try {
      const page = await context.newPage();
      for (let i = 0; i < views; i++) await page.goto(`${stack().app.url}/app/login`);
      await page.getByLabel('API key').fill('not_a_key_either');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe('That API key is not valid.');
    } finally {
      await context.close();
    }
    expect((await stack().app.http('GET', '/customers', { key: TEST_KEYS.viewer })).status).toBe(200);
  });
});

describe.each<ViewportName>(['phone', 'desktop'])('at %s width', (viewport) => {
  test('the sign-in page, also with a refused key, has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const { page, failed } = await openRecording('/app/login', viewport);
    try {
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await tooWide(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      const file = await screenshot(page, `app-login-${viewport}`);
      expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');

      await page.getByLabel('API key').fill('not_a_key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe('That API key is not valid.');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, `app-login-refused-${viewport}`);
      // The refused sign-in itself answers 401; nothing else the page loads fails.
      expect(failed).toEqual(['401 /app/login']);
    } finally {
      await page.context().close();
    }
  });

  test('the inbox with decision forms and a notice has no serious axe violations, fits the screen, and a screenshot is kept', async () => {
    const c = await customer(`Axe ${viewport} Handelsgesellschaft mit einem sehr langen Namen mbH`);
    const decided = await pendingInvoice(c, 'Decided first');
    await pendingInvoice(c, 'Kassensystem-Lizenz mit sehr langem Namen für die Filiale Hauptbahnhof');
    await pendingInvoice(c, 'Made by ada', TEST_KEYS.admin);
    const page = await signIn(TEST_KEYS.admin, viewport);
    try {
      await Promise.all([page.waitForURL(`**/app/approvals/${decided}/approve`), card(page, decided).getByRole('button', { name: 'Approve' }).click()]);
      await expect(page.getByRole('status').isVisible()).resolves.toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await tooWide(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      const file = await screenshot(page, `app-approvals-${viewport}`);
      expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
    } finally {
      await page.context().close();
    }
  });

  test('the inbox opened at a linked invoice, and at one decided already, has no serious axe violations, fits the screen, and screenshots are kept', async () => {
    const c = await customer(`Linked ${viewport} Großhandel mit einem recht langen Namen GmbH`);
    const linked = await pendingInvoice(c, 'Linked from the email');
    const decided = await pendingInvoice(c, 'Decided already');
    expect((await stack().app.http('POST', `/invoices/${decided}/reject`, { key: TEST_KEYS.admin, body: { reason: 'duplicate' } })).status).toBe(200);
    const page = await signIn(TEST_KEYS.approver, viewport);
    try {
      await page.goto(`${stack().app.url}${approvalInboxPath(linked)}`);
      await expect(card(page, linked).getByText('The invoice you were sent to decide on').isVisible()).resolves.toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await tooWide(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      await screenshot(page, `app-approvals-linked-${viewport}`);

      await eventually(async () => ((await invoiceNow(decided)).status === 'rejected' ? true : undefined));
      await page.goto(`${stack().app.url}${approvalInboxPath(decided)}`);
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Invoice ${decided} no longer waits for approval: it is now rejected.`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await tooWide(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      await screenshot(page, `app-approvals-decided-link-${viewport}`);
    } finally {
      await page.context().close();
    }
  });

  test('the inbox as a viewer sees it has no serious axe violations, and a screenshot is kept', async () => {
    const c = await customer(`Viewer ${viewport} AG`);
    await pendingInvoice(c, 'Looked at');
    const page = await signIn(TEST_KEYS.viewer, viewport);
    try {
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await tooWide(page)).toEqual([]);
      expect(await scrollsHorizontally(page)).toBe(false);
      await screenshot(page, `app-approvals-viewer-${viewport}`);
    } finally {
      await page.context().close();
    }
  });
});
