import { createHash } from 'node:crypto';
import type { PayPageInvoice } from '../../db/pay-pages';
import type { InvoiceStatus } from '../../domain/invoice';
import { formatMoney } from '../../domain/money';
import { html, type Html, trusted } from './html';

/**
 * The customer's pay page, server-rendered: the invoice, what is paid and due, its PDF, and how to
 * pay (Stripe Checkout, or a bank transfer quoting the invoice number). No script and nothing from
 * another origin; the style is inline and allowed by its hash in the page's own CSP (payPageCsp).
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
.card{background:#fff;border-radius:8px;padding:1.25rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:0 0 .25rem}
.muted{color:#616e7c;font-size:.9rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:999px;background:#e4e7eb;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.status.paid{background:#d1fae5;color:#065f46}.status.overdue{background:#fee2e2;color:#991b1b}
table{width:100%;border-collapse:collapse}
th,td{padding:.4rem 0;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap;padding-left:.75rem}
thead th{font-size:.75rem;color:#616e7c;text-transform:uppercase;border-bottom:2px solid #d2d6dc}
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

function layout(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body><main>${body}</main></body>
</html>
`.markup;
}

const STATUS_LABEL: Partial<Record<InvoiceStatus, string>> = {
  open: 'Open',
  overdue: 'Overdue',
  disputed: 'Disputed',
  paid: 'Paid',
  void: 'Void',
  uncollectible: 'Written off',
};

export interface PayPageView {
  invoice: PayPageInvoice;
  how: HowToPay;
  /** The invoice's own path prefix: /pay/<token>. */
  path: string;
  checkout: CheckoutReturn;
}

export function renderPayPage({ invoice: inv, how, path, checkout }: PayPageView): string {
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: inv.currency });
  const date = (iso: string | null) => (iso ? iso.slice(0, 10) : '');
  const body = html`
<div class="card">
  <h1>Invoice ${inv.number}</h1>
  <p class="muted">For ${inv.customerName} · issued ${date(inv.issuedAt)} · due ${date(inv.dueAt)}</p>
  <span class="status ${inv.status}">${STATUS_LABEL[inv.status] ?? inv.status}</span>
</div>
${checkout === 'success' && html`<div class="notice">Thank you. Your payment is being processed; this page shows it as paid once it is confirmed.</div>`}
${checkout === 'cancelled' && html`<div class="notice warn">The payment was cancelled. Nothing was charged.</div>`}
<div class="card">
  <table>
    <thead><tr><th>Description</th><th class="n optional">Qty</th><th class="n optional">Unit price</th><th class="n">Amount</th></tr></thead>
    <tbody>
    ${inv.lines.map(
      (line) => html`<tr><td>${line.description}</td><td class="n optional">${line.quantity}</td><td class="n optional">${m(line.unitPriceMinor)}</td><td class="n">${m(line.netMinor)}</td></tr>`,
    )}
    </tbody>
  </table>
  <table class="totals">
    <tr><td>Subtotal</td><td class="n">${m(inv.subtotalMinor)}</td></tr>
    <tr><td>Tax</td><td class="n">${m(inv.taxMinor)}</td></tr>
    <tr><td><strong>Total</strong></td><td class="n"><strong>${m(inv.totalMinor)}</strong></td></tr>
    ${inv.feesMinor > 0 && html`<tr><td>Late fees</td><td class="n">${m(inv.feesMinor)}</td></tr>`}
    ${inv.paidMinor > 0 && html`<tr><td>Paid</td><td class="n">−${m(inv.paidMinor)}</td></tr>`}
    ${inv.creditedMinor > 0 && html`<tr><td>Credited</td><td class="n">−${m(inv.creditedMinor)}</td></tr>`}
    <tr class="due"><td>Amount due</td><td class="n" id="amount-due">${m(inv.dueMinor)}</td></tr>
  </table>
  <p><a href="${path}/pdf">Download the invoice (PDF)</a></p>
</div>
<div class="card">${howToPaySection(inv, how, path, m)}</div>
`;
  return layout(`Invoice ${inv.number}`, body);
}

function howToPaySection(inv: PayPageInvoice, how: HowToPay, path: string, m: (minor: number) => string): Html {
  switch (how) {
    case 'card':
      return html`<form method="post" action="${path}/checkout"><button class="pay" type="submit">Pay ${m(inv.dueMinor)}</button></form>
  <p class="muted">You pay on Stripe's secure checkout page; your card details never reach us.</p>`;
    case 'bank_transfer':
      return html`<h2>Pay by bank transfer</h2>
  <p>Please transfer <strong>${m(inv.dueMinor)}</strong> to the bank account shown on the invoice, quoting
  <strong id="payment-reference">${inv.number}</strong> as the payment reference so we can match it.</p>`;
    case 'nothing_due':
      return html`<p>${inv.status === 'paid' ? 'This invoice is paid. Thank you.' : inv.dueMinor <= 0 ? 'Nothing is due on this invoice.' : `This invoice is ${(STATUS_LABEL[inv.status] ?? inv.status).toLowerCase()}: there is nothing to pay.`}</p>`;
  }
}

/** A page for an error the customer sees (an unknown link, nothing to pay, Stripe unreachable). */
export function renderPayError(title: string, message: string): string {
  return layout(title, html`<div class="card"><h1>${title}</h1><p>${message}</p></div>`);
}
