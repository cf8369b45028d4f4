import { createHash } from 'node:crypto';
import type { PayPageInvoice } from '../../db/pay-pages';
import type { InvoiceStatus } from '../../domain/invoice';
import { formatDate, formatQuantity, money } from '../../render/format';
import { ENGLISH, type Locale, resolveLocale } from '../../render/locale';
import { type PayPageCopy, payPageCopy } from './copy';
import { html, type Html, trusted } from './html';

/**
 * The customer's pay page, server-rendered: the invoice, what is paid and due, its PDF, and how to
 * pay (Stripe Checkout, or a bank transfer quoting the invoice number). No script and nothing from
 * another origin; the style is inline and allowed by its hash in the page's own CSP (payPageCsp).
 * It speaks the customer's language (copy.ts) with the PDF's formats for amounts and dates
 * (src/render/format.ts), and fits a phone's width: a long word wraps rather than scrolling sideways.
 */

/** Statuses in which an invoice takes a payment (the workflow's PAYERS rule). */
export const PAYABLE: readonly InvoiceStatus[] = ['open', 'overdue', 'disputed'];

export type HowToPay = 'card' | 'bank_transfer' | 'nothing_due';

/** Card when Stripe is configured and something is due on a payable invoice; else a bank transfer, or nothing. */
export function howToPay(invoice: Pick<PayPageInvoice, 'status' | 'dueMinor'>, stripeConfigured: boolean): HowToPay {
  if (!PAYABLE.includes(invoice.status) || invoice.dueMinor <= 0) return 'nothing_due';
  return stripeConfigured ? 'card' : 'bank_transfer';
}

/** What came back from Stripe Checkout (its success and cancel URLs lead back here). */
export type CheckoutReturn = 'success' | 'cancelled' | null;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2933;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:40rem;margin:0 auto;padding:1rem}
header{display:flex;align-items:center;gap:.75rem;max-width:40rem;margin:0 auto;padding:1rem 1rem 0}
header img{max-height:2.5rem;max-width:10rem}
.brand{margin:0;font-weight:600;font-size:1.1rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
td,th,p,h1{overflow-wrap:anywhere}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.card{background:#fff;border-radius:8px;padding:1.25rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:0 0 .25rem}
.muted{color:#52606d;font-size:.9rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:999px;background:#e4e7eb;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.status.paid{background:#d1fae5;color:#065f46}.status.overdue{background:#fee2e2;color:#991b1b}
table{width:100%;border-collapse:collapse}
th,td{padding:.4rem 0;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap;padding-left:.75rem}
thead th{font-size:.75rem;color:#52606d;text-transform:uppercase;border-bottom:2px solid #d2d6dc}
tbody td{border-bottom:1px solid #e5e7eb}
.totals td{border:0;padding:.2rem 0}
.due td{font-weight:700;font-size:1.15rem;border-top:2px solid #1f2933;padding-top:.5rem}
.pay{display:block;width:100%;padding:.9rem;border:0;border-radius:6px;background:#1f4e79;color:#fff;font-size:1.1rem;font-weight:600;cursor:pointer}
.notice{padding:.75rem 1rem;border-radius:6px;background:#eff6ff;margin-bottom:1rem}
.notice.warn{background:#fffbeb}
a{color:#1f4e79}
@media (max-width:30rem){.optional{display:none}}
`;

/** The page's CSP: this origin only, no script, the style above by its hash, and forms that may lead on to Stripe Checkout. */
export const payPageCsp = [
  "default-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'self' data:",
  // A form's redirect must match form-action too: the Pay button's 303 goes on to Stripe.
  "form-action 'self' https://checkout.stripe.com",
].join('; ');

/** Who the page is from (COMPANY_NAME, and whether COMPANY_LOGO_FILE is served at /pay/logo). */
export interface Company {
  name: string;
  hasLogo: boolean;
}

export const DEFAULT_COMPANY: Company = { name: 'billflow', hasLogo: false };

/** The URL of the company's logo, served by billflow itself (routes.ts). */
export const LOGO_PATH = '/pay/logo';

function layout(title: string, body: Html, { locale = ENGLISH, company = DEFAULT_COMPANY }: { locale?: Locale; company?: Company } = {}): string {
  return html`<!doctype html>
<html lang="${locale.tag}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header>${company.hasLogo && html`<img src="${LOGO_PATH}" alt="">`}<p class="brand">${company.name}</p></header>
<main>${body}</main>
</body>
</html>
`.markup;
}

export interface PayPageView {
  invoice: PayPageInvoice;
  how: HowToPay;
  /** The invoice's own path prefix: /pay/<token>. */
  path: string;
  checkout: CheckoutReturn;
  company: Company;
}

export function renderPayPage({ invoice: inv, how, path, checkout, company }: PayPageView): string {
  const locale = resolveLocale(inv.customerLocale);
  const t = payPageCopy(locale.language);
  const m = (amountMinor: number) => money(inv, amountMinor, locale);
  const date = (iso: string | null) => (iso ? formatDate(iso, locale) : '');
  const status = t.status[inv.status] ?? inv.status;
  const body = html`
<div class="card">
  <h1>${t.title(inv.number)}</h1>
  <p class="muted">${t.issuedFor({ customer: inv.customerName, issuedOn: date(inv.issuedAt), dueOn: date(inv.dueAt) })}</p>
  <span class="status ${inv.status}">${status}</span>
</div>
${checkout === 'success' && html`<div class="notice" role="status">${t.checkoutSuccess}</div>`}
${checkout === 'cancelled' && html`<div class="notice warn" role="status">${t.checkoutCancelled}</div>`}
<div class="card">
  <table>
    <caption class="sr-only">${t.linesCaption}</caption>
    <thead><tr><th scope="col">${t.columns.description}</th><th scope="col" class="n optional">${t.columns.quantity}</th><th scope="col" class="n optional">${t.columns.unitPrice}</th><th scope="col" class="n">${t.columns.amount}</th></tr></thead>
    <tbody>
    ${inv.lines.map(
      (line) =>
        html`<tr><td>${line.description}</td><td class="n optional">${formatQuantity(line.quantity, locale)}</td><td class="n optional">${m(line.unitPriceMinor)}</td><td class="n">${m(line.netMinor)}</td></tr>`,
    )}
    </tbody>
  </table>
  <table class="totals">
    <tr><td>${t.amounts.subtotal}</td><td class="n">${m(inv.subtotalMinor)}</td></tr>
    <tr><td>${t.amounts.tax}</td><td class="n">${m(inv.taxMinor)}</td></tr>
    <tr><td><strong>${t.amounts.total}</strong></td><td class="n"><strong>${m(inv.totalMinor)}</strong></td></tr>
    ${inv.feesMinor > 0 && html`<tr><td>${t.amounts.lateFees}</td><td class="n">${m(inv.feesMinor)}</td></tr>`}
    ${inv.paidMinor > 0 && html`<tr><td>${t.amounts.paid}</td><td class="n">−${m(inv.paidMinor)}</td></tr>`}
    ${inv.creditedMinor > 0 && html`<tr><td>${t.amounts.credited}</td><td class="n">−${m(inv.creditedMinor)}</td></tr>`}
    <tr class="due"><td>${t.amounts.amountDue}</td><td class="n" id="amount-due">${m(inv.dueMinor)}</td></tr>
  </table>
  <p><a href="${path}/pdf" download="${inv.number}.pdf">${t.downloadPdf}</a></p>
</div>
<section class="card" aria-labelledby="how-to-pay">${howToPaySection(inv, how, path, m, t, status)}</section>
`;
  return layout(t.title(inv.number), body, { locale, company });
}

function howToPaySection(inv: PayPageInvoice, how: HowToPay, path: string, m: (minor: number) => string, t: PayPageCopy, status: string): Html {
  switch (how) {
    case 'card':
      return html`<h2 id="how-to-pay">${t.howToPay}</h2>
  <form method="post" action="${path}/checkout"><button class="pay" type="submit">${t.payButton(m(inv.dueMinor))}</button></form>
  <p class="muted">${t.stripeNote}</p>`;
    case 'bank_transfer':
      return html`<h2 id="how-to-pay">${t.bankTransferHeading}</h2>
  <p>${t.bankTransfer.before} <strong>${m(inv.dueMinor)}</strong> ${t.bankTransfer.quoting}
  <strong id="payment-reference">${inv.number}</strong> ${t.bankTransfer.after}</p>`;
    case 'nothing_due':
      return html`<h2 id="how-to-pay">${t.howToPay}</h2>
  <p>${inv.status === 'paid' ? t.paid : inv.dueMinor <= 0 ? t.nothingDue : t.notPayable(status)}</p>`;
  }
}

/** A page for an error the customer sees (an unknown link, nothing to pay, Stripe unreachable). */
export function renderPayError(title: string, message: string, company: Company = DEFAULT_COMPANY): string {
  return layout(title, html`<div class="card"><h1>${title}</h1><p>${message}</p></div>`, { company });
}
