import type { WebSession } from '../../db/web-sessions';
import type { Role } from '../../domain/actor';
import type { InvoiceFacts } from '../../domain/invoice';
import { formatMoney } from '../../domain/money';
import { html, type Html } from '../pay/html';
import { csrfField, type Notice, noticeBlock, page } from './layout';

/** The roles that decide on approvals, as the api's decision routes require (admin may do everything). */
export const DECIDERS: readonly Role[] = ['admin', 'approver'];

export interface InboxItem {
  invoice: InvoiceFacts;
  customerName: string;
  /** The invoice a link asked for (/app/approvals?invoice=<id>): shown first, and marked. */
  linked?: boolean;
}

/** The anchor of an invoice in the inbox: /app/approvals#invoice-<id>, where an approval email links (links.ts). */
const anchorOf = (id: string): string => `invoice-${id}`;

function decisionForms(item: InboxItem, session: WebSession): Html {
  const { draft } = item.invoice;
  const id = draft.id;
  const token = csrfField(session.csrfToken);
  if (!DECIDERS.includes(session.role)) {
    return html`<p class="muted">Your role (${session.role}) may view this invoice but not decide on it.</p>`;
  }
  const own = draft.createdBy === session.principal;
  const approve = own
    ? html`<p class="muted">You created this invoice, so someone else must approve it.</p>`
    : html`<form method="post" action="/app/approvals/${id}/approve" aria-label="Approve ${id}">
${token}
<label for="comment-${id}">Comment (optional)</label>
<input id="comment-${id}" name="comment" type="text" maxlength="1000">
<button type="submit">Approve</button>
</form>`;
  const withReason = (path: string, verb: string, style: string) => html`<form method="post" action="/app/approvals/${id}/${path}" aria-label="${verb} ${id}">
${token}
<label for="${path}-reason-${id}">Reason for “${verb.toLowerCase()}”</label>
<textarea id="${path}-reason-${id}" name="reason" rows="2" maxlength="1000" required></textarea>
<button type="submit" class="${style}">${verb}</button>
</form>`;
  return html`<div class="actions">${approve}${withReason('reject', 'Reject', 'danger')}${withReason('request-changes', 'Request changes', 'secondary')}</div>`;
}

function invoiceCard(item: InboxItem, session: WebSession): Html {
  const { draft } = item.invoice;
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: draft.currency });
  return html`<article class="${item.linked ? 'card linked' : 'card'}" id="${anchorOf(draft.id)}" aria-labelledby="${anchorOf(draft.id)}-title">
${item.linked ? html`<p class="linked-note">The invoice you were sent to decide on</p>` : null}
<h2 id="${anchorOf(draft.id)}-title">${item.customerName}: ${money(draft.totalMinor)}</h2>
<dl class="facts">
<dt>Invoice</dt><dd>${draft.id}</dd>
<dt>Customer</dt><dd>${item.customerName}</dd>
<dt>Total</dt><dd>${money(draft.totalMinor)} (tax ${money(draft.taxMinor)})</dd>
<dt>Created by</dt><dd>${draft.createdBy}</dd>
<dt>Created</dt><dd><time datetime="${draft.createdAt}">${draft.createdAt.slice(0, 16).replace('T', ' ')} UTC</time></dd>
${draft.memo ? html`<dt>Memo</dt><dd>${draft.memo}</dd>` : null}
</dl>
<table>
<caption class="muted">Lines</caption>
<thead><tr><th scope="col">Description</th><th scope="col" class="n">Quantity</th><th scope="col" class="n">Unit price</th><th scope="col" class="n">Amount incl. tax</th></tr></thead>
<tbody>${draft.lines.map(
    (line) => html`<tr><td>${line.description}</td><td class="n">${line.quantity}</td><td class="n">${money(line.unitPriceMinor)}</td><td class="n">${money(line.totalMinor)}</td></tr>`,
  )}</tbody>
</table>
${decisionForms(item, session)}
</article>`;
}

function summary(items: InboxItem[], more: boolean): string {
  if (items.length === 0) return 'Nothing waits for approval.';
  const linked = items[0]?.linked ? 'the one you were sent to first, then the rest ' : '';
  return `${items.length} invoice${items.length === 1 ? '' : 's'} waiting for approval, ${linked}oldest first${more ? ' (the oldest shown; decide on these to see more)' : ''}.`;
}

/**
 * What waits for approval, oldest first (an invoice a link asked for before them), each with its
 * decision forms for those who may decide.
 */
export function renderInbox(args: { items: InboxItem[]; more: boolean; session: WebSession; notice: Notice | null }): string {
  const { items, session } = args;
  return page(
    'Approvals',
    html`<h1>Approvals</h1>
${noticeBlock(args.notice)}
<p class="muted">${summary(items, args.more)}</p>
${items.map((item) => invoiceCard(item, session))}`,
    session,
  );
}
