import type { ImportRecord, Rejection, RejectionCursor } from '../../db/imports';
import { validationError } from '../../errors';
import type { ImportReport } from '../../services/imports';
import { CURSOR_PATTERN, encodeCursor } from '../pagination';

/** An import as API.md shows it: the report of POST /imports/<kind> and GET /imports/:id. */
export interface ImportView {
  id: string;
  kind: ImportRecord['kind'];
  status: ImportRecord['status'];
  /** Data rows read so far (the header not counted). */
  processed: number;
  imported: number;
  updated: number;
  unchanged: number;
  /** Rows rejected: exact, whatever the list below shows. */
  rejectedRows: number;
  /** The problems of the rejected rows by line, the first 1,000 (GET /imports/:id/rejections pages through all). */
  rejected: Rejection[];
  /** More problems than `rejected` lists. */
  rejectedTruncated: boolean;
  error: string | null;
  createdBy: string;
  startedAt: string;
  finishedAt: string | null;
}

export function importView(report: ImportReport): ImportView {
  const i = report.import;
  return {
    id: i.id,
    kind: i.kind,
    status: i.status,
    processed: i.processed,
    imported: i.imported,
    updated: i.updated,
    unchanged: i.unchanged,
    rejectedRows: i.rejectedRows,
    rejected: report.rejected.map((r) => ({ line: r.line, field: r.field, message: r.message })),
    rejectedTruncated: report.rejectedTruncated,
    error: i.error,
    createdBy: i.createdBy,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
  };
}

/** A list entry: the import's counts without its rejections. */
export function importSummaryView(i: ImportRecord): Omit<ImportView, 'rejected' | 'rejectedTruncated'> {
  const { rejected: _rejected, rejectedTruncated: _truncated, ...summary } = importView({ import: i, rejected: [], rejectedTruncated: false });
  return summary;
}

/** A page of imports, oldest first: the cursor is the last import's start and id. */
export function importPage(rows: ImportRecord[], limit: number) {
  const last = rows[rows.length - 1];
  return { data: rows.map(importSummaryView), nextCursor: rows.length === limit && last ? encodeCursor({ createdAt: last.startedAt, id: last.id }) : null };
}

/** A page of rejections in line order: the cursor is the last line and field listed. */
export function rejectionPage(rows: Rejection[], limit: number) {
  const last = rows[rows.length - 1];
  const nextCursor = rows.length === limit && last ? Buffer.from(JSON.stringify([last.line, last.field])).toString('base64url') : null;
  return { data: rows.map((r) => ({ line: r.line, field: r.field, message: r.message })), nextCursor };
}

export function decodeRejectionCursor(text: string | undefined): RejectionCursor | null {
  if (text === undefined) return null;
  if (text === '') throw validationError('cursor', 'must not be empty: leave cursor out for the first page');
  if (CURSOR_PATTERN.test(text)) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string' && !parsed[1].includes('\u0000')) {
        return { line: parsed[0] as number, field: parsed[1] };
      }
    } catch {
      // falls through to the validation error
    }
  }
  throw validationError('cursor', 'is not a cursor returned by this API');
}
