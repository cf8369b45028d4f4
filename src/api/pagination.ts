import type { PageCursor } from '../db/customers';
import { validationError } from '../errors';

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined): PageCursor | null {
  if (text === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
      const [createdAt, id] = parsed as [string, string];
      if (!Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
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
