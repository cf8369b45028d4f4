import type { PageCursor } from '../db/customers';
import { validationError } from '../errors';
import { couldBeRowId } from '../ids';

/**
 * A cursor is opaque to clients: base64url of `[createdAt, id]` of the last row of a page. The
 * OpenAPI document states this pattern too, so an empty `cursor=` is refused by both.
 */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,400}$/;

/** What `toISOString` prints: the only form a cursor's time can take, and one PostgreSQL reads. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined): PageCursor | null {
  if (text === undefined) return null;
  if (text === '') throw validationError('cursor', 'must not be empty: leave cursor out for the first page');
  if (!CURSOR_PATTERN.test(text)) throw validationError('cursor', 'is not a cursor returned by this API');
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
      const [createdAt, id] = parsed as [string, string];
      // Dates that Date.parse accepts and PostgreSQL does not ("2024-02-30", "1") would be 500s;
      // an impossible date fails the round trip (or throws a RangeError, caught below).
      if (ISO_UTC.test(createdAt) && new Date(createdAt).toISOString() === createdAt && couldBeRowId(id)) {
        return { createdAt, id };
      }
    }
  } catch {
    // falls through to the validation error
  }
  throw validationError('cursor', 'is not a cursor returned by this API');
}

/** A page of `limit` rows and, when there may be more, the cursor of the next page. */
export function page<T extends { createdAt: string; id: string }, V>(rows: T[], limit: number, view: (row: T) => V) {
  const last = rows[rows.length - 1];
  return { data: rows.map(view), nextCursor: rows.length === limit && last ? encodeCursor(last) : null };
}
