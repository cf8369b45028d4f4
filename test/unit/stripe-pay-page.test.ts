import { createHash } from 'node:crypto';
import type { PayPageInvoice } from '../../src/db/pay-pages';
import { couldBePayToken } from '../../src/db/pay-pages';
import { howToPay, payPageCsp, renderPayPage } from '../../src/web/pay/page';

/** The pay page as HTML: how it offers to pay, what it escapes, and that its CSP allows exactly its own style. */

const invoice = (overrides: Partial<PayPageInvoice> = {}): PayPageInvoice => ({
  id: 'inv_1',
  number: 'INV-2026-000001',
  status: 'open',
  currency: 'EUR',
  customerName: '<img src=x onerror=alert(1)>',
  customerLocale: 'en',
  issuedAt: '2026-03-01T00:00:00.000Z',
  dueAt: '2026-03-31T00:00:00.000Z',
  lines: [{ description: 'Hosting "gold" & support', quantity: '1', unitPriceMinor: 10000, netMinor: 10000 }],
  subtotalMinor: 10000,
  taxMinor: 1900,
  totalMinor: 11900,
  feesMinor: 0,
  paidMinor: 4000,
  creditedMinor: 0,
  dueMinor: 7900,
  ...overrides,
});

describe('howToPay', () => {
  test.each([
    ['open', 7900, true, 'card'],
    ['overdue', 7900, false, 'bank_transfer'],
    ['disputed', 7900, true, 'card'],
    ['paid', 0, true, 'nothing_due'],
    ['open', 0, true, 'nothing_due'],
    ['void', 7900, true, 'nothing_due'],
    ['uncollectible', 7900, false, 'nothing_due'],
  ] as const)('when the invoice is %s with %i due and Stripe configured is %s, then %s', (status, dueMinor, stripe, how) => {
    expect(howToPay({ status, dueMinor }, stripe)).toBe(how);
  });
});

describe('renderPayPage', () => {
  test('when customer text holds markup, then the page shows it as text', () => {
    const page = renderPayPage({ invoice: invoice(), how: 'card', path: '/pay/abc', checkout: null, company: { name: 'Muster & Co', hasLogo: true } });
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('Hosting &quot;gold&quot; &amp; support');
    expect(page).toContain('Pay EUR 79.00');
    expect(page).toContain('−EUR 40.00');
  });

  test('when the customer writes German, then the page is in German with German amounts and dates, and its lang says so', () => {
    const page = renderPayPage({ invoice: invoice({ customerLocale: 'de-AT' }), how: 'bank_transfer', path: '/pay/abc', checkout: null, company: { name: 'Muster GmbH', hasLogo: false } });
    expect(page).toContain('<html lang="de-AT">');
    expect(page).toContain('<h1>Rechnung INV-2026-000001</h1>');
    expect(page).toContain('Rechnungsdatum 01.03.2026 · fällig am 31.03.2026');
    // Austrian German puts the euro sign first.
    expect(page).toMatch(/id="amount-due">€\u00a079,00</);
    expect(page).toContain('<h2 id="how-to-pay">Zahlung per Überweisung</h2>');
    expect(page).toContain('<p class="brand">Muster GmbH</p>');
    expect(page).not.toContain('/pay/logo');
  });

  test('when the customer writes a language billflow does not, then the page is in English', () => {
    const page = renderPayPage({ invoice: invoice({ customerLocale: 'fr-FR' }), how: 'card', path: '/pay/abc', checkout: 'success', company: { name: 'billflow', hasLogo: true } });
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('id="amount-due">EUR 79.00<');
    expect(page).toContain('<img src="/pay/logo" alt="">');
    expect(page).toContain('Thank you. Your payment is being processed');
  });

  test('when the page is rendered, then its CSP allows exactly its inline style and no script', () => {
    const page = renderPayPage({ invoice: invoice(), how: 'bank_transfer', path: '/pay/abc', checkout: 'cancelled', company: { name: 'billflow', hasLogo: false } });
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(payPageCsp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(payPageCsp).toContain("default-src 'none'");
    expect(page).not.toContain('<script');
    expect(page).toContain('The payment was cancelled');
  });
});

test('a pay token is 64 lowercase hex digits', () => {
  expect(couldBePayToken('a'.repeat(64))).toBe(true);
  expect(couldBePayToken('A'.repeat(64))).toBe(false);
  expect(couldBePayToken('a'.repeat(63))).toBe(false);
  expect(couldBePayToken(`${'a'.repeat(63)}\0`)).toBe(false);
});
