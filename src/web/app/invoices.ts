import { type Request, Router } from 'express';
import { creditNoteDocument } from '../../api/credit-notes/views';
import { decodeCursor, encodeCursor } from '../../api/pagination';
import type { Config } from '../../config';
import type { TimelineEntry } from '../../db/audit';
import type { Sql } from '../../db/client';
import { findCreditNote } from '../../db/credit-notes';
import { findCustomer } from '../../db/customers';
import { listFees } from '../../db/invoices';
import type { WebSession } from '../../db/web-sessions';
import { amountDueMinor, INVOICE_STATUSES, type InvoiceFacts, type InvoiceStatus } from '../../domain/invoice';
import { formatMoney } from '../../domain/money';
import { notFound, validationError } from '../../errors';
import { couldBeRowId } from '../../ids';
import { renderCreditNotePdf } from '../../render/pdf';
import type { InvoiceService } from '../../services/invoices';
import { invoiceWorkflowId } from '../../temporal/workflow-ids';
import { html, type Html } from '../pay/html';
import { page } from './layout';
import { sessionOf } from './session';

/**
 * The invoices pages under /app, for every signed-in role (viewers read, as GET /invoices does): a
 * filterable list paged by cursor, and each invoice with its lines, money, reminders, timeline, its
 * PDFs (served here against the session, not an API key) and a link to its workflow in the Temporal
 * Web UI when TEMPORAL_UI_URL is set. Read only, through the invoice service and the db's reads.
 */
export interface InvoicePageDeps {
  sql: Sql;
  invoices: InvoiceService;
  config: Pick<Config, 'temporal' | 'temporalUiUrl' | 'publicBaseUrl' | 'mailFrom'>;
}

const PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

const money = (amountMinor: number, currency: string): string => formatMoney({ amountMinor, currency });
const when = (iso: string | null): Html | string =>
  iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>` : '—';
const day = (iso: string | null): Html | string => (iso ? html`<time datetime="${iso}">${iso.slice(0, 10)}</time>` : '—');
const statusText = (status: string): string => status.replace(/_/g, ' ');

interface ListFilter {
  status: InvoiceStatus | null;
  customerId: string | null;
  billingRunId: string | null;
  overdue: boolean;
  limit: number;
  cursor: string | undefined;
}

function queryText(req: Request, name: string): string | null {
  const value = req.query[name];
  if (value === undefined) return null;
  if (typeof value !== 'string') throw validationError(name, 'must be given once');
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function filterOf(req: Request): ListFilter {
  const status = queryText(req, 'status');
  if (status !== null && !(INVOICE_STATUSES as readonly string[]).includes(status)) {
    throw validationError('status', `must be one of ${INVOICE_STATUSES.join(', ')}`);
  }
  const id = (name: string) => {
    const value = queryText(req, name);
    if (value !== null && (!couldBeRowId(value) || value.length > 200)) throw validationError(name, 'is not an id');
    return value;
  };
  const cursor = queryText(req, 'cursor') ?? undefined;
  const limitText = queryText(req, 'limit');
  const limit = limitText === null ? PAGE_SIZE : Number(limitText);
  if (!/^\d{1,3}$/.test(limitText ?? '50') || limit < 1 || limit > MAX_PAGE_SIZE) throw validationError('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  const overdue = queryText(req, 'overdue') !== null;
  return { status: status as InvoiceStatus | null, customerId: id('customerId'), billingRunId: id('billingRunId'), overdue, limit, cursor };
}

function listQueryString(f: ListFilter, cursor: string | null): string {
  const params = new URLSearchParams();
  if (f.status) params.set('status', f.status);
  if (f.customerId) params.set('customerId', f.customerId);
  if (f.billingRunId) params.set('billingRunId', f.billingRunId);
  if (f.overdue) params.set('overdue', '1');
  if (f.limit !== PAGE_SIZE) params.set('limit', String(f.limit));
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function filterForm(f: ListFilter): Html {
  const options = INVOICE_STATUSES.map((s) => html`<option value="${s}"${f.status === s ? html` selected` : null}>${statusText(s)}</option>`);
  return html`<form method="get" action="/app/invoices" class="card" aria-label="Filter invoices">
<div class="filters">
<div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">any</option>${options}</select></div>
<div><label for="f-customer">Customer id</label><input id="f-customer" name="customerId" type="text" value="${f.customerId ?? ''}"></div>
<div><label for="f-run">Billing run id</label><input id="f-run" name="billingRunId" type="text" value="${f.billingRunId ?? ''}"></div>
<div><label><input name="overdue" type="checkbox" value="1"${f.overdue ? html` checked` : null}> Overdue only (unpaid past its due date)</label></div>
</div>
<button type="submit">Filter</button> <a href="/app/invoices">Clear</a>
</form>`;
}

function renderList(args: { rows: InvoiceFacts[]; names: Map<string, string>; filter: ListFilter; next: string | null; session: WebSession }): string {
  const { rows, names, filter } = args;
  const row = (invoice: InvoiceFacts) => {
    const { draft } = invoice;
    return html`<tr>
<td><a href="/app/invoices/${draft.id}">${invoice.number ?? html`<span class="muted">(no number) ${draft.id}</span>`}</a></td>
<td>${names.get(draft.customerId) ?? draft.customerId}</td>
<td>${statusText(invoice.status)}</td>
<td class="n">${money(draft.totalMinor, draft.currency)}</td>
<td>${day(invoice.dueAt ?? draft.dueAt)}</td>
<td class="n">${money(amountDueMinor(invoice), draft.currency)}</td>
</tr>`;
  };
  return page(
    'Invoices',
    html`<h1>Invoices</h1>
${filterForm(filter)}
${rows.length === 0
  ? html`<p class="muted" role="status">No invoices match.</p>`
  : html`<table>
<caption class="muted">Invoices, oldest first</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col" class="n">Total</th><th scope="col">Due</th><th scope="col" class="n">Amount due</th></tr></thead>
<tbody>${rows.map(row)}</tbody>
</table>`}
${args.next ? html`<p><a href="/app/invoices${listQueryString(filter, args.next)}" rel="next">Next page</a></p>` : null}`,
    args.session,
  );
}

function detailOf(entry: TimelineEntry): string {
  const parts = Object.entries(entry.detail ?? {})
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`);
  return parts.join(', ');
}

function renderInvoice(args: {
  invoice: InvoiceFacts;
  timeline: TimelineEntry[];
  customerName: string;
  workflowUrl: string | null;
  session: WebSession;
}): string {
  const { invoice, timeline } = args;
  const { draft } = invoice;
  const id = draft.id;
  const m = (amountMinor: number) => money(amountMinor, draft.currency);
  const feesMinor = invoice.fees.reduce((sum, fee) => sum + fee.amountMinor, 0);
  const reminders = timeline.filter((entry) => entry.type === 'reminder_sent');
  const title = invoice.number ? `Invoice ${invoice.number}` : `Invoice ${id}`;
  const section = (heading: string, anchor: string, body: Html) => html`<section class="card" aria-labelledby="${anchor}"><h2 id="${anchor}">${heading}</h2>${body}</section>`;
  const none = (what: string) => html`<p class="muted">No ${what}.</p>`;

  return page(
    title,
    html`<p><a href="/app/invoices">← All invoices</a></p>
<h1>${title}</h1>
<section class="card" aria-labelledby="facts">
<h2 id="facts">Summary</h2>
<dl class="facts">
<dt>Invoice id</dt><dd>${id}</dd>
<dt>Number</dt><dd>${invoice.number ?? '—'}</dd>
<dt>Status</dt><dd>${statusText(invoice.status)}</dd>
<dt>Customer</dt><dd>${args.customerName} <span class="muted">(${draft.customerId})</span></dd>
<dt>Issued</dt><dd>${day(invoice.issuedAt)}</dd>
<dt>Due</dt><dd>${day(invoice.dueAt ?? draft.dueAt)}</dd>
<dt>Created by</dt><dd>${draft.createdBy}, ${when(draft.createdAt)}</dd>
${draft.billingRunId ? html`<dt>Billing run</dt><dd><a href="/app/invoices?billingRunId=${encodeURIComponent(draft.billingRunId)}">${draft.billingRunId}</a></dd>` : null}
${draft.memo ? html`<dt>Memo</dt><dd>${draft.memo}</dd>` : null}
</dl>
<ul class="links">
${invoice.number ? html`<li><a href="/app/invoices/${id}/pdf">Download the PDF</a></li>` : html`<li class="muted">The PDF exists once the invoice is issued.</li>`}
${args.workflowUrl ? html`<li><a href="${args.workflowUrl}" rel="noopener noreferrer">Its workflow in the Temporal Web UI</a></li>` : null}
</ul>
</section>
${section(
  'Lines',
  'lines',
  html`<table>
<thead><tr><th scope="col">Description</th><th scope="col" class="n">Quantity</th><th scope="col" class="n">Unit price</th><th scope="col" class="n">Tax</th><th scope="col" class="n">Amount incl. tax</th></tr></thead>
<tbody>${draft.lines.map(
    (line) =>
      html`<tr><td>${line.description}</td><td class="n">${line.quantity}</td><td class="n">${m(line.unitPriceMinor)}</td><td class="n">${m(line.taxMinor)}</td><td class="n">${m(line.totalMinor)}</td></tr>`,
  )}</tbody>
</table>`,
)}
${section(
  'Totals',
  'totals',
  html`<dl class="facts">
<dt>Subtotal</dt><dd>${m(draft.subtotalMinor)}</dd>
<dt>Tax</dt><dd>${m(draft.taxMinor)}</dd>
<dt>Total</dt><dd>${m(draft.totalMinor)}</dd>
${feesMinor > 0 ? html`<dt>Late fees</dt><dd>${m(feesMinor)}</dd>` : null}
<dt>Paid</dt><dd>${m(invoice.amountPaidMinor)}</dd>
${(invoice.creditedMinor ?? 0) > 0 ? html`<dt>Credited</dt><dd>${m(invoice.creditedMinor ?? 0)}</dd>` : null}
<dt>Amount due</dt><dd><strong>${m(amountDueMinor(invoice))}</strong></dd>
</dl>`,
)}
${section(
  'Payments',
  'payments',
  invoice.payments.length === 0
    ? none('payments')
    : html`<table>
<thead><tr><th scope="col">Received</th><th scope="col">Method</th><th scope="col">Reference</th><th scope="col" class="n">Amount</th><th scope="col" class="n">Applied</th><th scope="col">Recorded by</th></tr></thead>
<tbody>${invoice.payments.map(
        (p) =>
          html`<tr><td>${when(p.receivedAt)}</td><td>${p.method.replace(/_/g, ' ')}</td><td>${p.reference}</td><td class="n">${m(p.amountMinor)}</td><td class="n">${m(p.appliedMinor)}</td><td>${p.recordedBy}</td></tr>`,
      )}</tbody>
</table>`,
)}
${section(
  'Refunds',
  'refunds',
  invoice.refunds.length === 0
    ? none('refunds')
    : html`<table>
<thead><tr><th scope="col">Recorded</th><th scope="col">Reference</th><th scope="col">Of payment</th><th scope="col" class="n">Amount</th><th scope="col">Reason</th><th scope="col">By</th></tr></thead>
<tbody>${invoice.refunds.map(
        (r) =>
          html`<tr><td>${when(r.recordedAt)}</td><td>${r.reference}</td><td>${r.paymentReference}</td><td class="n">${m(r.amountMinor)}</td><td>${r.reason}</td><td>${r.recordedBy}</td></tr>`,
      )}</tbody>
</table>`,
)}
${section(
  'Credit notes',
  'credit-notes',
  invoice.creditNotes.length === 0
    ? none('credit notes')
    : html`<table>
<thead><tr><th scope="col">Number</th><th scope="col">Issued</th><th scope="col" class="n">Amount</th><th scope="col">Reason</th><th scope="col">PDF</th></tr></thead>
<tbody>${invoice.creditNotes.map(
        (c) =>
          html`<tr><td>${c.number}</td><td>${when(c.issuedAt)}</td><td class="n">${m(c.amountMinor)}</td><td>${c.reason}</td><td><a href="/app/invoices/${id}/credit-notes/${encodeURIComponent(c.number)}/pdf">${c.number}.pdf</a></td></tr>`,
      )}</tbody>
</table>`,
)}
${section(
  'Reminders sent',
  'reminders',
  reminders.length === 0
    ? none('reminders sent')
    : html`<table>
<thead><tr><th scope="col">Sent</th><th scope="col">Step</th><th scope="col">Template</th><th scope="col" class="n">Amount due then</th></tr></thead>
<tbody>${reminders.map((r) => {
        const d = r.detail as { step?: unknown; template?: unknown; amountDueMinor?: unknown };
        return html`<tr><td>${when(r.at)}</td><td>${typeof d.step === 'number' ? d.step + 1 : '—'}</td><td>${typeof d.template === 'string' ? d.template : '—'}</td><td class="n">${typeof d.amountDueMinor === 'number' ? m(d.amountDueMinor) : '—'}</td></tr>`;
      })}</tbody>
</table>`,
)}
${section(
  'Timeline',
  'timeline',
  timeline.length === 0
    ? none('events yet')
    : html`<ol class="timeline">${timeline.map(
        (e) => html`<li>${when(e.at)} <strong>${statusText(e.type)}</strong> by ${e.actor}${detailOf(e) ? html` <span class="muted">(${detailOf(e)})</span>` : null}</li>`,
      )}</ol>`,
)}`,
    args.session,
  );
}

export function invoicePageRoutes(deps: InvoicePageDeps): Router {
  const router = Router();
  const names = async (customerIds: string[]) => {
    const map = new Map<string, string>();
    for (const id of new Set(customerIds)) map.set(id, (await findCustomer(deps.sql, id))?.name ?? id);
    return map;
  };

  router.get('/app/invoices', async (req, res) => {
    const session = sessionOf(res);
    const filter = filterOf(req);
    const rows = await deps.invoices.list({
      status: filter.status,
      customerId: filter.customerId,
      billingRunId: filter.billingRunId,
      overdueAt: filter.overdue ? new Date().toISOString() : null,
      limit: filter.limit,
      after: decodeCursor(filter.cursor),
    });
    // The list reads no fees; an invoice's late fees are part of what it has due.
    const shown = await Promise.all(rows.map(async (row) => (row.dunningLevel > 0 ? { ...row, fees: await listFees(deps.sql, row.draft.id) } : row)));
    const last = rows[rows.length - 1];
    const next = rows.length === filter.limit && last ? encodeCursor({ createdAt: last.draft.createdAt, id: last.draft.id }) : null;
    res.type('html').send(renderList({ rows: shown, names: await names(rows.map((r) => r.draft.customerId)), filter, next, session }));
  });

  router.get('/app/invoices/:id', async (req, res) => {
    const session = sessionOf(res);
    const id = req.params.id;
    const loaded = await deps.invoices.load(id);
    if (!loaded) throw notFound('invoice', id);
    const customerId = loaded.invoice.draft.customerId;
    const customerName = (await findCustomer(deps.sql, customerId))?.name ?? customerId;
    const ui = deps.config.temporalUiUrl;
    const workflowUrl = ui
      ? `${ui}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows/${invoiceWorkflowId(encodeURIComponent(id))}`
      : null;
    res.type('html').send(renderInvoice({ invoice: loaded.invoice, timeline: loaded.timeline, customerName, workflowUrl, session }));
  });

  router.get('/app/invoices/:id/pdf', async (req, res) => {
    sessionOf(res);
    const { number, pdf } = await deps.invoices.pdf(req.params.id);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${number}.pdf"`).send(pdf);
  });

  router.get('/app/invoices/:id/credit-notes/:number/pdf', async (req, res) => {
    sessionOf(res);
    const id = req.params.id;
    const number = req.params.number;
    const note = couldBeRowId(number) ? await findCreditNote(deps.sql, number) : null;
    if (!note || note.invoiceId !== id) throw notFound('credit note', number);
    const pdf = await renderCreditNotePdf(creditNoteDocument(note, await findCustomer(deps.sql, note.customerId), deps.config));
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${note.number}.pdf"`).send(pdf);
  });

  return router;
}
