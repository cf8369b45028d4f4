import { Router } from 'express';
import { z } from 'zod';
import { parseInput, currencyCode } from '../../api/validation';
import type { Sql } from '../../db/client';
import { currencyExponent, formatMoney } from '../../domain/money';
import { AGING_BUCKETS, type AgingReport, type CollectionsReport, createReportService, type DsoReport, type ReportService } from '../../services/reports';
import { html, type Html } from '../pay/html';
import { barChart, lineChart } from './charts';
import { page } from './layout';
import { sessionOf } from './session';

/**
 * The receivables dashboard (GET /app/dashboard?currency=EUR), for every signed-in role: aging by
 * bucket, DSO at the end of each of the last six months, invoiced against collected per month, and the
 * late payers. Every figure comes from the report service the JSON api uses (GET /reports/aging,
 * /reports/dso, /reports/collections), with the api's defaults: aging as of now, DSO over 90 days,
 * late payers over the 90 days up to now. Months are calendar months in UTC; the current one runs
 * to now, and its DSO is the api's DSO now.
 */

export const DASHBOARD_MONTHS = 6;
/** GET /reports/dso's default window and GET /reports/collections' default period. */
export const DSO_DAYS = 90;
export const LATE_PAYER_DAYS = 90;
const DEFAULT_CURRENCY = 'EUR';
const DAY_MS = 86_400_000;

/** The currency as typed in the selector: "nok" is NOK. */
const dashboardQuery = z.strictObject({ currency: z.preprocess((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v), currencyCode).optional() });

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface Month {
  /** "Nov 2026" */
  label: string;
  /** The first instant of the month, included. */
  from: string;
  /** The first instant of the next month, or now for the current month: excluded. */
  to: string;
}

/** The last `count` calendar months in UTC, oldest first, the current one ending at now. */
export function lastMonths(now: string, count: number): Month[] {
  const nowMs = Date.parse(now);
  const today = new Date(nowMs);
  const months: Month[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 1);
    const next = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back + 1, 1);
    const first = new Date(start);
    months.push({
      label: `${MONTH_NAMES[first.getUTCMonth()]} ${first.getUTCFullYear()}`,
      from: new Date(start).toISOString(),
      to: new Date(Math.min(next, nowMs)).toISOString(),
    });
  }
  return months;
}

export interface Dashboard {
  currency: string;
  now: string;
  aging: AgingReport;
  dso: { month: Month; report: DsoReport }[];
  collections: { month: Month; report: CollectionsReport }[];
  late: CollectionsReport;
}

export async function loadDashboard(reports: ReportService, currency: string, now: string): Promise<Dashboard> {
  const months = lastMonths(now, DASHBOARD_MONTHS);
  const lateFrom = new Date(Date.parse(now) - LATE_PAYER_DAYS * DAY_MS).toISOString();
  const [aging, dso, collections, late] = await Promise.all([
    reports.aging({ currency, asOf: now }),
    Promise.all(months.map(async (month) => ({ month, report: await reports.dso({ currency, days: DSO_DAYS, now: month.to }) }))),
    Promise.all(months.map(async (month) => ({ month, report: await reports.collections({ currency, from: month.from, to: month.to, now }) }))),
    reports.collections({ currency, from: lateFrom, to: now, now }),
  ]);
  return { currency, now, aging, dso, collections, late };
}

const BUCKET_LABELS: Record<(typeof AGING_BUCKETS)[number], string> = {
  current: 'Not yet due',
  '1-30': '1–30 days',
  '31-60': '31–60 days',
  '61-90': '61–90 days',
  '90+': 'Over 90 days',
};

/** An axis tick: the amount in major units, short ("12K"), as the figures' table has it exactly. */
const axisAmount = (currency: string) => {
  const short = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
  return (minor: number) => short.format(minor / 10 ** currencyExponent(currency));
};

const money = (currency: string, amountMinor: number): Html => html`<td class="n" data-minor="${amountMinor}">${formatMoney({ amountMinor, currency })}</td>`;
const dsoText = (dso: number | null) => (dso === null ? 'no sales' : `${dso.toFixed(1)} days`);
const day = (iso: string) => iso.slice(0, 10);

export function renderDashboard(d: Dashboard, session: Parameters<typeof page>[2]): string {
  const { currency } = d;
  const agingValues = AGING_BUCKETS.map((bucket) => d.aging.buckets[bucket]);
  const agingTotal = agingValues.reduce((a, b) => a + b, 0);
  const aging = html`<section class="card" aria-labelledby="aging-h">
<h2 id="aging-h">Aging</h2>
<p class="muted">What customers owe in ${currency} now, by days past due.</p>
${barChart({
  id: 'aging-chart',
  title: `Aging of receivables in ${currency}`,
  description: `Amount due by days past due: ${AGING_BUCKETS.map((b) => `${BUCKET_LABELS[b]} ${formatMoney({ amountMinor: d.aging.buckets[b], currency })}`).join('; ')}.`,
  labels: AGING_BUCKETS.map((b) => BUCKET_LABELS[b]),
  series: [{ name: 'Amount due', values: agingValues, colour: '#1f4e79' }],
  axisLabel: axisAmount(currency),
})}
<table id="aging-figures"><caption class="muted">Aging figures</caption>
<thead><tr><th scope="col">Days past due</th><th scope="col" class="n">Amount due</th></tr></thead>
<tbody>${AGING_BUCKETS.map((b) => html`<tr data-bucket="${b}"><th scope="row">${BUCKET_LABELS[b]}</th>${money(currency, d.aging.buckets[b])}</tr>`)}
<tr data-bucket="total"><th scope="row">Total</th>${money(currency, agingTotal)}</tr></tbody>
</table>
</section>`;

  const dso = html`<section class="card" aria-labelledby="dso-h">
<h2 id="dso-h">Days sales outstanding</h2>
<p class="muted">At the end of each month (this month: now): receivables ÷ credit sales of the ${DSO_DAYS} days before × ${DSO_DAYS}.</p>
${lineChart({
  id: 'dso-chart',
  title: `Days sales outstanding in ${currency}, last ${DASHBOARD_MONTHS} months`,
  description: `DSO at the end of each month: ${d.dso.map(({ month, report }) => `${month.label} ${dsoText(report.dso)}`).join('; ')}.`,
  labels: d.dso.map(({ month }) => month.label),
  series: [{ name: 'DSO', values: d.dso.map(({ report }) => report.dso), colour: '#b45309' }],
  axisLabel: (days) => `${days} d`,
})}
<table id="dso-figures"><caption class="muted">DSO figures</caption>
<thead><tr><th scope="col">Month</th><th scope="col">As of</th><th scope="col" class="n">DSO</th><th scope="col" class="n">Receivables</th><th scope="col" class="n">Sales (${DSO_DAYS} days)</th></tr></thead>
<tbody>${d.dso.map(
    ({ month, report }) =>
      html`<tr data-to="${month.to}"><th scope="row">${month.label}</th><td>${day(month.to)}</td><td class="n" data-dso="${report.dso === null ? '' : String(report.dso)}">${dsoText(report.dso)}</td>${money(currency, report.receivablesMinor)}${money(currency, report.salesMinor)}</tr>`,
  )}</tbody>
</table>
</section>`;

  const collections = html`<section class="card" aria-labelledby="collections-h">
<h2 id="collections-h">Invoiced and collected</h2>
<p class="muted">Per calendar month (UTC): invoices issued, and payments received.</p>
${barChart({
  id: 'collections-chart',
  title: `Invoiced and collected in ${currency} per month`,
  description: `Invoiced and collected per month: ${d.collections
    .map(({ month, report }) => `${month.label} invoiced ${formatMoney({ amountMinor: report.invoicedMinor, currency })}, collected ${formatMoney({ amountMinor: report.collectedMinor, currency })}`)
    .join('; ')}.`,
  labels: d.collections.map(({ month }) => month.label),
  series: [
    { name: 'Invoiced', values: d.collections.map(({ report }) => report.invoicedMinor), colour: '#1f4e79' },
    { name: 'Collected', values: d.collections.map(({ report }) => report.collectedMinor), colour: '#15803d' },
  ],
  axisLabel: axisAmount(currency),
})}
<table id="collections-figures"><caption class="muted">Invoiced and collected figures</caption>
<thead><tr><th scope="col">Month</th><th scope="col" class="n">Invoiced</th><th scope="col" class="n">Collected</th><th scope="col" class="n">Outstanding</th><th scope="col" class="n">Written off</th></tr></thead>
<tbody>${d.collections.map(
    ({ month, report }) =>
      html`<tr data-from="${month.from}" data-to="${month.to}"><th scope="row">${month.label}</th>${money(currency, report.invoicedMinor)}${money(currency, report.collectedMinor)}${money(currency, report.outstandingMinor)}${money(currency, report.writtenOffMinor)}</tr>`,
  )}</tbody>
</table>
</section>`;

  const late = html`<section class="card" aria-labelledby="late-h">
<h2 id="late-h">Late payers</h2>
<p class="muted">Customers with late invoices among those due from ${day(d.late.from)} to now.</p>
${
  d.late.latePayers.length === 0
    ? html`<p>No late payers.</p>`
    : html`<table id="late-payers">
<thead><tr><th scope="col">Customer</th><th scope="col" class="n">Late invoices</th><th scope="col" class="n">Average days late</th></tr></thead>
<tbody>${d.late.latePayers.map(
        (p) => html`<tr data-customer="${p.customerId}"><th scope="row">${p.name}</th><td class="n">${p.lateInvoices}</td><td class="n">${p.averageDaysLate}</td></tr>`,
      )}</tbody>
</table>`
}
</section>`;

  return page(
    `Receivables ${currency}`,
    html`<h1>Receivables in ${currency}</h1>
<form method="get" action="/app/dashboard" class="card">
<label for="currency">Currency</label>
<input type="text" id="currency" name="currency" value="${currency}" maxlength="3" autocomplete="off" spellcheck="false" inputmode="text" pattern="[A-Za-z]{3}" aria-describedby="currency-hint">
<p id="currency-hint" class="muted">A three-letter ISO 4217 code, such as EUR.</p>
<button type="submit">Show</button>
</form>
<p class="muted">As of ${d.now.slice(0, 16).replace('T', ' ')} UTC.</p>
${aging}${dso}${collections}${late}`,
    session,
  );
}

/** GET /app/dashboard: any signed-in role reads it, as any role reads the reports. */
export function dashboardRoutes(deps: { sql: Sql }): Router {
  const router = Router();
  const reports = createReportService(deps.sql);
  router.get('/app/dashboard', async (req, res) => {
    const session = sessionOf(res);
    const query = parseInput(dashboardQuery, req.query);
    const currency = query.currency ?? DEFAULT_CURRENCY;
    const dashboard = await loadDashboard(reports, currency, new Date().toISOString());
    res.type('html').send(renderDashboard(dashboard, session));
  });
  return router;
}
