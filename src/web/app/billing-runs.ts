import { type Request, type Response, Router } from 'express';
import { outageOf } from '../../api/outage';
import type { Sql } from '../../db/client';
import { findCustomer, type PageCursor } from '../../db/customers';
import type { WebSession } from '../../db/web-sessions';
import type { Role } from '../../domain/actor';
import { formatMoney } from '../../domain/money';
import { AppError, ErrorCode } from '../../errors';
import type { BillingRunReport, BillingRunService } from '../../services/billing-runs';
import { html, type Html } from '../pay/html';
import { assertCsrf } from './csrf';
import { csrfField, type Notice, noticeBlock, page } from './layout';
import { sessionOf } from './session';

/** The roles that start and cancel runs, as the api's POST /billing-runs requires (admin may do everything). */
const RUNNERS: readonly Role[] = ['admin', 'operator'];
/** How many of the most recent runs the list shows. */
const RECENT_RUNS = 50;
const LIST_PAGE = 200;
/** The list is read oldest first; at most this many pages are read to find the newest. */
const MAX_LIST_PAGES = 50;
const PREVIEWS_SHOWN = 100;
/** Seconds between reloads of a running run's page (an HTTP Refresh header: no script). */
const REFRESH_SECONDS = 2;

const HTTP_STATUS: Partial<Record<string, number>> = { validation_failed: 400, forbidden: 403, not_found: 404, conflict: 409 };

const formValue = (req: Request, field: string): string | null => {
  const value = (req.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value.trim() : null;
};

const when = (iso: string | null): Html | string =>
  iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>` : '—';

const totalsOf = (report: BillingRunReport): string =>
  report.totals.length === 0 ? '—' : report.totals.map((t) => formatMoney({ amountMinor: t.totalMinor, currency: t.currency })).join(', ');

const statusText = (status: string): string => status.replace(/_/g, ' ');

function startForm(session: WebSession, period: string): Html {
  return html`<form method="post" action="/app/billing-runs" class="card" aria-labelledby="start-title">
<h2 id="start-title">Start a billing run</h2>
${csrfField(session.csrfToken)}
<label for="run-period">Period (YYYY-MM)</label>
<input id="run-period" name="period" type="text" inputmode="numeric" pattern="[0-9]{4}-[0-9]{2}" placeholder="2026-10" value="${period}" required>
<p><label for="run-dry"><input id="run-dry" name="dryRun" type="checkbox" value="on" checked> Dry run: preview the invoices, create nothing</label></p>
<button type="submit">Start</button>
</form>`;
}

function renderList(args: { runs: BillingRunReport[]; session: WebSession; notice: Notice | null; period: string }): string {
  const { runs, session } = args;
  const rows = runs.map(
    (run) => html`<tr>
<td><a href="/app/billing-runs/${run.id}">${run.period}${run.dryRun ? ' (dry run)' : ''}</a><br><span class="muted">${when(run.startedAt)}</span></td>
<td>${statusText(run.status)}</td>
<td>${run.counts.created} of ${run.counts.planned} created, ${run.counts.issued} issued, ${run.counts.sent} sent, ${run.counts.failed} failed</td>
<td class="n">${totalsOf(run)}</td>
</tr>`,
  );
  return page(
    'Billing runs',
    html`<h1>Billing runs</h1>
${noticeBlock(args.notice)}
${RUNNERS.includes(session.role) ? startForm(session, args.period) : html`<p class="muted">Your role (${session.role}) may view billing runs but not start or cancel them.</p>`}
<section class="card" aria-labelledby="recent-title">
<h2 id="recent-title">Recent runs</h2>
${
  runs.length === 0
    ? html`<p class="muted">No billing run yet.</p>`
    : html`<table>
<caption class="muted">The ${runs.length} most recent runs, newest first</caption>
<thead><tr><th scope="col">Period and start</th><th scope="col">Status</th><th scope="col">Invoices</th><th scope="col" class="n">Total</th></tr></thead>
<tbody>${rows}</tbody>
</table>`
}
</section>`,
    session,
  );
}

function renderRun(args: {
  run: BillingRunReport;
  previews: { customerId: string; customerName: string; currency: string; totalMinor: number; lines: number }[];
  session: WebSession;
  notice: Notice | null;
  refreshing: boolean;
}): string {
  const { run, session } = args;
  const runner = RUNNERS.includes(session.role);
  const running = run.status === 'running';
  const counts = html`<dl class="facts" aria-label="Progress">
<dt>Status</dt><dd>${statusText(run.status)}</dd>
<dt>Planned</dt><dd>${run.counts.planned}</dd>
<dt>${run.dryRun ? 'Previewed' : 'Created'}</dt><dd>${run.counts.created}</dd>
<dt>Issued</dt><dd>${run.counts.issued}</dd>
<dt>Sent</dt><dd>${run.counts.sent}</dd>
<dt>Failed</dt><dd>${run.counts.failed}</dd>
<dt>Total</dt><dd>${totalsOf(run)}</dd>
<dt>Started</dt><dd>${when(run.startedAt)}</dd>
<dt>Finished</dt><dd>${when(run.finishedAt)}</dd>
</dl>`;
  const refreshNote = running
    ? args.refreshing
      ? html`<p class="muted">This page reloads every ${REFRESH_SECONDS} seconds while the run is running. <a href="/app/billing-runs/${run.id}?refresh=off">Stop reloading</a></p>`
      : html`<p class="muted">Reloading is off. <a href="/app/billing-runs/${run.id}">Reload and follow the run</a></p>`
    : null;
  const cancel =
    running && runner
      ? html`<form method="post" action="/app/billing-runs/${run.id}/cancel" aria-label="Cancel ${run.id}">
${csrfField(session.csrfToken)}
<button type="submit" class="danger">Cancel this run</button>
</form>`
      : null;
  const previews =
    run.dryRun && run.status === 'completed'
      ? html`<section class="card" aria-labelledby="preview-title">
<h2 id="preview-title">Preview: the invoices a real run would create</h2>
${
  args.previews.length === 0
    ? html`<p class="muted">A real run would create no invoice: no pending charges for this period.</p>`
    : html`<table>
<thead><tr><th scope="col">Customer</th><th scope="col">Currency</th><th scope="col" class="n">Lines</th><th scope="col" class="n">Total</th></tr></thead>
<tbody>${args.previews.map(
        (p) => html`<tr><td>${p.customerName} <span class="muted">(${p.customerId})</span></td><td>${p.currency}</td><td class="n">${p.lines}</td><td class="n">${formatMoney({ amountMinor: p.totalMinor, currency: p.currency })}</td></tr>`,
      )}</tbody>
</table>`
}
${
  runner
    ? html`<form method="post" action="/app/billing-runs" aria-label="Start the real run for ${run.period}">
${csrfField(session.csrfToken)}
<input type="hidden" name="period" value="${run.period}">
<button type="submit">Start the real run for ${run.period}</button>
</form>`
    : null
}
</section>`
      : null;
  return page(
    `Billing run ${run.id}`,
    html`<p><a href="/app/billing-runs">All billing runs</a></p>
<h1>${run.dryRun ? 'Dry run' : 'Billing run'} for ${run.period}</h1>
${noticeBlock(args.notice)}
<section class="card" aria-labelledby="run-title">
<h2 id="run-title">${run.id}</h2>
${counts}
${refreshNote}
${cancel}
</section>
${previews}`,
    session,
  );
}

const NOTICES: Record<string, Notice> = {
  dry: { kind: 'ok', text: 'Dry run started: nothing is created; the preview appears here when it completes.' },
  real: { kind: 'ok', text: 'Billing run started.' },
  existing: { kind: 'ok', text: 'This period has a billing run already: here it is.' },
  cancelling: { kind: 'ok', text: 'Cancel asked: the run stops before its next invoice.' },
};

/** Starts and cancels go through the billing run service, as POST /billing-runs and its cancel. */
export function billingRunPages(deps: { sql: Sql; runs: BillingRunService }): Router {
  const router = Router();

  async function recent(): Promise<BillingRunReport[]> {
    let kept: BillingRunReport[] = [];
    let after: PageCursor | null = null;
    for (let i = 0; i < MAX_LIST_PAGES; i++) {
      const rows = await deps.runs.list({ limit: LIST_PAGE, after });
      kept = [...kept, ...rows].slice(-RECENT_RUNS);
      const last = rows.at(-1);
      if (rows.length < LIST_PAGE || !last) break;
      after = { createdAt: last.startedAt, id: last.id };
    }
    return kept.reverse();
  }

  const list = async (res: Response, notice: Notice | null, status = 200, period = '') => {
    res.status(status).type('html').send(renderList({ runs: await recent(), session: sessionOf(res), notice, period }));
  };

  const show = async (req: Request, res: Response, id: string, notice: Notice | null, status = 200) => {
    const run = await deps.runs.get(id);
    const previews =
      run.dryRun && run.status === 'completed'
        ? await Promise.all(
            (await deps.runs.previews(run.id, PREVIEWS_SHOWN, null)).map(async (p) => ({
              customerId: p.customerId,
              customerName: (await findCustomer(deps.sql, p.customerId))?.name ?? p.customerId,
              currency: p.currency,
              totalMinor: p.totalMinor,
              lines: p.lines.length,
            })),
          )
        : [];
    const refreshing = run.status === 'running' && req.query.refresh !== 'off';
    if (refreshing) res.set('Refresh', String(REFRESH_SECONDS));
    res.status(status).type('html').send(renderRun({ run, previews, session: sessionOf(res), notice, refreshing }));
  };

  const assertRunner = (session: WebSession) => {
    if (!RUNNERS.includes(session.role)) {
      throw new AppError({ code: ErrorCode.forbidden, message: `Your role (${session.role}) may not start or cancel billing runs; it needs admin or operator.` });
    }
  };

  router.get('/app/billing-runs', async (_req, res) => {
    await list(res, null);
  });

  router.post('/app/billing-runs', async (req, res) => {
    const session = sessionOf(res);
    assertCsrf(req, session.csrfToken);
    assertRunner(session);
    const period = formValue(req, 'period') ?? '';
    const dryRun = formValue(req, 'dryRun') !== null;
    try {
      const { run, created } = await deps.runs.start({ period, customerIds: null, dryRun, by: { principal: session.principal, role: session.role }, now: new Date().toISOString() });
      res.redirect(303, `/app/billing-runs/${run.id}?notice=${!created ? 'existing' : dryRun ? 'dry' : 'real'}`);
    } catch (error) {
      if (!(error instanceof AppError) || outageOf(error) !== null) throw error;
      await list(res, { kind: 'error', text: `No run was started: ${error.message}` }, HTTP_STATUS[error.code] ?? 400, period.slice(0, 20));
    }
  });

  router.get('/app/billing-runs/:id', async (req, res) => {
    const notice = typeof req.query.notice === 'string' ? (NOTICES[req.query.notice] ?? null) : null;
    await show(req, res, req.params.id, notice);
  });

  router.post('/app/billing-runs/:id/cancel', async (req, res) => {
    const session = sessionOf(res);
    assertCsrf(req, session.csrfToken);
    assertRunner(session);
    const id = req.params.id;
    try {
      await deps.runs.cancel(id);
      res.redirect(303, `/app/billing-runs/${id}?notice=cancelling`);
    } catch (error) {
      if (!(error instanceof AppError) || outageOf(error) !== null || error.code === ErrorCode.notFound) throw error;
      await show(req, res, id, { kind: 'error', text: `The run was not cancelled: ${error.message}` }, HTTP_STATUS[error.code] ?? 400);
    }
  });

  return router;
}
