import type { WebSession } from '../../db/web-sessions';
import { html, type Html } from '../pay/html';
import { CSRF_FIELD } from './csrf';

/**
 * The frame of every page under /app: a language, a title, a skip link, the signed-in person with
 * a sign-out form, and one stylesheet served by billflow (/app/style.css, allowed by the api's CSP
 * as 'self'). No script.
 */

export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2933;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;background:#1f4e79;color:#fff;padding:.75rem 1rem}
header a{color:#fff}
ul.nav{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
figure.chart{margin:0}
figure.chart img{display:block;width:100%;height:auto}
header form{display:inline}
.brand{font-weight:700;font-size:1.1rem}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:0 0 .5rem}
.card{background:#fff;border-radius:8px;padding:1.25rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.muted{color:#52606d;font-size:.9rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse;margin:.5rem 0}
th,td{padding:.35rem .5rem .35rem 0;text-align:left;vertical-align:top;border-bottom:1px solid #e5e7eb}
td.n,th.n{text-align:right}td.n{white-space:nowrap}td:not(.n){overflow-wrap:anywhere}
@media (max-width:30rem){main{padding:.5rem}.card{padding:.75rem}td.n{white-space:normal}table{font-size:.8125rem}th,td{padding-right:.3rem}th,td.n,li{overflow-wrap:anywhere}}
.actions{display:flex;flex-wrap:wrap;gap:1rem;margin-top:1rem}
.actions form{flex:1 1 14rem;border:1px solid #d2d6dc;border-radius:6px;padding:.75rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=password],input[type=text],textarea{width:100%;padding:.5rem;border:1px solid #7b8794;border-radius:4px;font:inherit}
button{margin-top:.5rem;padding:.5rem 1rem;border:0;border-radius:4px;background:#1f4e79;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button.danger{background:#9b1c1c}button.secondary{background:#52606d}
header button{margin:0;background:#fff;color:#1f4e79}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.notice{padding:.75rem 1rem;border-radius:6px;margin-bottom:1rem;background:#d1fae5;color:#065f46}
.notice.error{background:#fee2e2;color:#991b1b}
.notice a{color:inherit}
.card.linked{border-left:6px solid #b45309}
.linked-note{margin:0 0 .5rem;font-weight:600;color:#92400e}
`;

export const csrfField = (token: string): Html => html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
  /** A page that says more, linked after the text. */
  link?: { href: string; text: string };
}

/** A notice for the outcome of a form: a status for success, an alert for a refusal. */
export function noticeBlock(notice: Notice | null): Html | null {
  if (!notice) return null;
  const link = notice.link ? html` <a href="${notice.link.href}">${notice.link.text}</a>` : null;
  return notice.kind === 'ok'
    ? html`<p class="notice" role="status">${notice.text}${link}</p>`
    : html`<p class="notice error" role="alert">${notice.text}${link}</p>`;
}

export function page(title: string, body: Html, session: WebSession | null): string {
  const who = session
    ? html`<nav aria-label="Account"><span>Signed in as <strong>${session.principal}</strong> (${session.role})</span>
<form method="post" action="/app/logout">${csrfField(session.csrfToken)}<button type="submit">Sign out</button></form></nav>`
    : null;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · billflow</title>
<link rel="stylesheet" href="/app/style.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">billflow</span>${session ? html`<nav aria-label="Main"><ul class="nav">
<li><a href="/app/approvals">Approvals</a></li>
<li><a href="/app/dashboard">Receivables</a></li>
<li><a href="/app/invoices">Invoices</a></li>
<li><a href="/app/billing-runs">Billing runs</a></li>
<li><a href="/app/reconciliation">Reconciliation</a></li>
</ul></nav>` : null}${who}</header>
<main id="main">${body}</main>
</body>
</html>
`.markup;
}

export function errorPage(title: string, message: string, session: WebSession | null): string {
  return page(title, html`<h1>${title}</h1><p class="notice error" role="alert">${message}</p><p><a href="/app">Back to billflow</a></p>`, session);
}
