import { z } from 'zod';
import { validationError } from '../../errors';
import { currencyCode } from '../validation';

/**
 * The query strings of the reports and the statement. Every parameter is named in a 400 when it is
 * wrong; parameters nobody defined are refused, so a typo ("asof") is not silently ignored.
 */

const MOMENT_MESSAGE = 'must be a date "YYYY-MM-DD" (00:00 UTC) or an ISO 8601 timestamp with offset';

/** A moment in a query: a date (its 00:00 UTC) or a timestamp with offset. */
export const moment = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: MOMENT_MESSAGE });

export const format = z.enum(['json', 'csv']).default('json').describe('`csv`: the same report as text/csv with a header row, amounts in minor units');

export const agingQuery = z.strictObject({
  currency: currencyCode,
  asOf: moment.optional().describe('the moment the report is as of (default: now); see the description'),
  format,
});

export const dsoQuery = z.strictObject({
  currency: currencyCode,
  days: z.coerce.number().int().min(1).max(3650).default(90).describe('the window of credit sales, in days up to `asOf`'),
  asOf: moment.optional().describe('the moment the DSO is as of (default: now): receivables then, and the sales of the `days` before it'),
  format,
});

export const collectionsQuery = z.strictObject({
  currency: currencyCode,
  from: moment.optional().describe('start of the period, included (default: 90 days before `to`)'),
  to: moment.optional().describe('end of the period, excluded (default: now)'),
  format,
});

export const statementQuery = z.strictObject({
  from: moment.optional().describe('start of the statement, included (default: the first entry; opening balance 0)'),
  to: moment.optional().describe('end of the statement, excluded (default: now)'),
  format,
});

/**
 * A parsed moment as ISO 8601 in UTC. A date PostgreSQL cannot hold (year 0, or past 9999 once moved
 * to UTC) is refused here rather than failing the query.
 */
export function momentOf(text: string, field: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  const year = new Date(ms).getUTCFullYear();
  if (Number.isNaN(ms) || year < 1 || year > 9999) throw validationError(field, MOMENT_MESSAGE);
  return new Date(ms).toISOString();
}

const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');

/** [from, to) from optional moments: `to` defaults to now, `from` to `defaultDays` before it (null: open); from must be before to. */
export function periodOf(query: { from?: string; to?: string }, now: string, defaultDays: number): { from: string; to: string };
export function periodOf(query: { from?: string; to?: string }, now: string, defaultDays: null): { from: string | null; to: string };
export function periodOf(query: { from?: string; to?: string }, now: string, defaultDays: number | null): { from: string | null; to: string } {
  const to = query.to === undefined ? now : momentOf(query.to, 'to');
  const from =
    query.from !== undefined ? momentOf(query.from, 'from') : defaultDays === null ? null : new Date(Math.max(Date.parse(to) - defaultDays * 86_400_000, EARLIEST_MS)).toISOString();
  if (from !== null && Date.parse(from) >= Date.parse(to)) throw validationError('to', 'must be after from');
  return { from, to };
}
