import type { PricedLine } from '../domain/lines';
import type { Sql } from './client';
import { toIso, toMinor } from './client';
import type { PageCursor } from './customers';
import type { Delivery } from './deliveries';
import { type InvoiceRecord, listInvoices } from './invoices';

/**
 * Billing runs: the run's row (written by the api when the run starts, then by the run's workflow
 * as it goes), the invoices it made and, for a dry run, the previews of the invoices it would make.
 */

export const BILLING_RUN_STATUSES = ['running', 'completed', 'cancelled', 'failed'] as const;
export type BillingRunStatus = (typeof BILLING_RUN_STATUSES)[number];

export interface CurrencyTotal {
  currency: string;
  totalMinor: number;
}

export interface BillingRun {
  id: string;
  /** `YYYY-MM`: the run bills every pending charge of this period or earlier. */
  period: string;
  dryRun: boolean;
  status: BillingRunStatus;
  /** Only these customers; null for every customer with pending charges. */
  customerIds: string[] | null;
  planned: number;
  created: number;
  failed: number;
  /** In currency order. */
  totals: CurrencyTotal[];
  createdBy: string;
  startedAt: string;
  finishedAt: string | null;
}

/** The run's own progress, as its workflow reports it page by page. */
export interface RunProgress {
  planned: number;
  created: number;
  failed: number;
  totals: CurrencyTotal[];
}

export interface RunEnd {
  status: Exclude<BillingRunStatus, 'running'>;
  finishedAt: string;
}

interface BillingRunRow {
  id: string;
  period: string;
  dry_run: boolean;
  status: BillingRunStatus;
  customer_ids: string[] | null;
  planned: number;
  created: number;
  failed: number;
  totals: { currency: string; totalMinor: number | string }[];
  created_by: string;
  started_at: Date;
  finished_at: Date | null;
}

function toBillingRun(row: BillingRunRow): BillingRun {
  return {
    id: row.id,
    period: row.period,
    dryRun: row.dry_run,
    status: row.status,
    customerIds: row.customer_ids,
    planned: row.planned,
    created: row.created,
    failed: row.failed,
    totals: row.totals.map((t) => ({ currency: t.currency, totalMinor: toMinor(t.totalMinor) })),
    createdBy: row.created_by,
    startedAt: toIso(row.started_at) ?? '',
    finishedAt: toIso(row.finished_at),
  };
}

const COLUMNS = ['id', 'period', 'dry_run', 'status', 'customer_ids', 'planned', 'created', 'failed', 'totals', 'created_by', 'started_at', 'finished_at'];

/** What starting a run knows: it is running, has counted nothing yet, and has not finished. */
export type NewBillingRun = Pick<BillingRun, 'id' | 'period' | 'dryRun' | 'customerIds' | 'createdBy' | 'startedAt'>;

/**
 * Stores a new run, or finds the one already stored under its id (the same period posted again, or
 * at the same time): `inserted` tells which, so exactly one of many concurrent starts is "new".
 */
export async function insertBillingRun(sql: Sql, start: NewBillingRun): Promise<{ run: BillingRun; inserted: boolean }> {
  const run: BillingRun = { ...start, status: 'running', planned: 0, created: 0, failed: 0, totals: [], finishedAt: null };
  const [row] = await sql<BillingRunRow[]>`
    insert into billing_runs (id, period, dry_run, status, customer_ids, planned, created, failed, totals,
                              created_by, started_at, finished_at)
    values (${run.id}, ${run.period}, ${run.dryRun}, ${run.status}, ${run.customerIds ? sql.json(run.customerIds) : null},
            ${run.planned}, ${run.created}, ${run.failed}, ${sql.json(run.totals as never)},
            ${run.createdBy}, ${run.startedAt}, ${run.finishedAt})
    on conflict (id) do nothing
    returning ${sql(COLUMNS)}`;
  if (row) return { run: toBillingRun(row), inserted: true };
  const existing = await findBillingRun(sql, run.id);
  if (!existing) throw new Error(`billing run ${run.id} vanished after a conflicting insert`);
  return { run: existing, inserted: false };
}

export async function findBillingRun(sql: Sql, id: string): Promise<BillingRun | null> {
  const [row] = await sql<BillingRunRow[]>`
    select ${sql(COLUMNS)}
    from billing_runs
    where id = ${id}`;
  return row ? toBillingRun(row) : null;
}

/** A page of runs, oldest first; the cursor's `createdAt` is the run's `startedAt`. */
export async function listBillingRuns(sql: Sql, page: { limit: number; after: PageCursor | null }): Promise<BillingRun[]> {
  const rows = await sql<BillingRunRow[]>`
    select ${sql(COLUMNS)}
    from billing_runs
    where ${page.after ? sql`(started_at, id) > (${page.after.createdAt}, ${page.after.id})` : sql`true`}
    order by started_at, id
    limit ${page.limit}`;
  return rows.map(toBillingRun);
}

/**
 * Records the run's progress after page `seq`, and with `end` its final status. Activities can be
 * retried and run late, so a write carries its page number: an older page never overwrites a newer
 * one, and the same page written again changes nothing. True when this write was applied.
 */
export async function recordRunProgress(sql: Sql, runId: string, seq: number, progress: RunProgress, end?: RunEnd): Promise<boolean> {
  const rows = await sql`
    update billing_runs
    set planned = ${progress.planned},
        created = ${progress.created},
        failed = ${progress.failed},
        totals = ${sql.json(progress.totals as never)},
        ${end ? sql`status = ${end.status}, finished_at = ${end.finishedAt},` : sql``}
        progress_seq = ${seq}
    where id = ${runId}
      and progress_seq <= ${seq}
    returning id`;
  return rows.length === 1;
}

/** How many of a run's invoices were issued (have a number) and sent (their email went out). */
export async function runInvoiceCounts(sql: Sql, runId: string): Promise<{ issued: number; sent: number }> {
  return (await invoiceCountsByRun(sql, [runId])).get(runId) ?? { issued: 0, sent: 0 };
}

/** runInvoiceCounts of several runs in one query (a page of runs); runs without invoices are absent. */
export async function invoiceCountsByRun(sql: Sql, runIds: readonly string[]): Promise<Map<string, { issued: number; sent: number }>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql<{ billing_run_id: string; issued: number; sent: number }[]>`
    select i.billing_run_id,
           count(*) filter (where i.number is not null)::int as issued,
           count(*) filter (where d.status = 'sent')::int as sent
    from invoices i
    left join invoice_deliveries d
      on d.invoice_id = i.id
      and d.step = 'invoice'
    where i.billing_run_id in ${sql(runIds as string[])}
    group by i.billing_run_id`;
  return new Map(rows.map((r) => [r.billing_run_id, { issued: r.issued, sent: r.sent }]));
}

/** A page of the run's invoices, oldest first, as GET /invoices lists them. */
export async function listRunInvoices(sql: Sql, runId: string, limit: number, after: PageCursor | null): Promise<(InvoiceRecord & { delivery: Delivery | null })[]> {
  return listInvoices(sql, { status: null, customerId: null, billingRunId: runId, limit, after });
}

/** What a dry run would have invoiced for one customer and currency. */
export interface RunPreview {
  customerId: string;
  currency: string;
  lines: PricedLine[];
  totalMinor: number;
}

export interface PreviewCursor {
  customerId: string;
  currency: string;
}

/** A page of a dry run's previews, by customer and currency. */
export async function listRunPreviews(sql: Sql, runId: string, limit: number, after: PreviewCursor | null): Promise<RunPreview[]> {
  const rows = await sql<{ customer_id: string; currency: string; lines: PricedLine[]; total_minor: string }[]>`
    select customer_id, currency, lines, total_minor
    from billing_run_previews
    where run_id = ${runId}
      and ${after ? sql`(customer_id, currency) > (${after.customerId}, ${after.currency})` : sql`true`}
    order by customer_id, currency
    limit ${limit}`;
  return rows.map((r) => ({ customerId: r.customer_id, currency: r.currency.trim(), lines: r.lines, totalMinor: toMinor(r.total_minor) }));
}

/** Which of `ids` are customers (a run for customers that do not exist is refused). */
export async function knownCustomerIds(sql: Sql, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    select id
    from customers
    where id in ${sql(ids as string[])}`;
  return new Set(rows.map((r) => r.id));
}
