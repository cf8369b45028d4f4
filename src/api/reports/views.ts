import { stringify } from 'csv-stringify/sync';
import { AGING_BUCKETS } from '../../db/reports';
import type { AgingReport, CollectionsReport, DsoReport, Statement } from '../../services/reports';

/**
 * The reports as CSV: a header row, then rows; amounts in minor units as integers, times in ISO 8601
 * UTC, CRLF line ends (RFC 4180). Text a spreadsheet would run as a formula (a customer named
 * "=HYPERLINK(…)") is written with a leading apostrophe (csv-stringify's `escape_formulas`); numbers
 * are written as they are, negative ones included. The JSON of each report is the service's result.
 */

type Cell = string | number | null;

function csv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return stringify([[...header], ...rows.map((row) => [...row])], { record_delimiter: 'windows', escape_formulas: true, cast: { number: (value) => String(value) } });
}

export const AGING_CSV_HEADER = ['row', 'currency', 'asOf', 'customerId', 'name', ...AGING_BUCKETS, 'total'] as const;

/** One row per customer (row "customer"), then the totals (row "total", no customer). */
export function agingCsv(report: AgingReport): string {
  const sum = (buckets: AgingReport['buckets']) => AGING_BUCKETS.reduce((total, bucket) => total + buckets[bucket], 0);
  const bucketCells = (buckets: AgingReport['buckets']) => [...AGING_BUCKETS.map((bucket) => buckets[bucket]), sum(buckets)];
  return csv(AGING_CSV_HEADER, [
    ...report.customers.map((c) => ['customer', report.currency, report.asOf, c.customerId, c.name, ...bucketCells(c.buckets)]),
    ['total', report.currency, report.asOf, null, null, ...bucketCells(report.buckets)],
  ]);
}

export const DSO_CSV_HEADER = ['currency', 'days', 'dso', 'receivablesMinor', 'salesMinor'] as const;

/** One row; `dso` is empty when there were no sales. */
export function dsoCsv(report: DsoReport): string {
  return csv(DSO_CSV_HEADER, [[report.currency, report.days, report.dso, report.receivablesMinor, report.salesMinor]]);
}

export const COLLECTIONS_CSV_HEADER = [
  'row',
  'currency',
  'from',
  'to',
  'invoicedMinor',
  'collectedMinor',
  'outstandingMinor',
  'writtenOffMinor',
  'customerId',
  'name',
  'lateInvoices',
  'averageDaysLate',
] as const;

/** The period's figures (row "total"), then one row per late payer (row "late_payer") with its own columns filled. */
export function collectionsCsv(report: CollectionsReport): string {
  const period = [report.currency, report.from, report.to] as const;
  return csv(COLLECTIONS_CSV_HEADER, [
    ['total', ...period, report.invoicedMinor, report.collectedMinor, report.outstandingMinor, report.writtenOffMinor, null, null, null, null],
    ...report.latePayers.map((p) => ['late_payer', ...period, null, null, null, null, p.customerId, p.name, p.lateInvoices, p.averageDaysLate.toFixed(1)]),
  ]);
}

export const STATEMENT_CSV_HEADER = ['currency', 'at', 'type', 'reference', 'invoiceNumber', 'amountMinor', 'balanceMinor'] as const;

/** Per currency: its opening balance (at `from`), the entries, its closing balance (at `to`). */
export function statementCsv(statement: Statement): string {
  return csv(
    STATEMENT_CSV_HEADER,
    statement.currencies.flatMap((c) => [
      [c.currency, statement.from, 'opening_balance', null, null, null, c.openingBalanceMinor],
      ...c.entries.map((e) => [c.currency, e.at, e.type, e.reference, e.invoiceNumber, e.amountMinor, e.balanceMinor]),
      [c.currency, statement.to, 'closing_balance', null, null, null, c.closingBalanceMinor],
    ]),
  );
}
