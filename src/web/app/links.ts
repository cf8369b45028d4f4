/**
 * Links into the pages under /app from outside them (an approval email), and where sign-in may send
 * a person afterwards. Knows no HTTP framework, so the email activity can build its link here too.
 */

/** Where the sign-in form goes: the page, and the field that carries the page asked for before it. */
export const LOGIN_PATH = '/app/login';
export const NEXT_FIELD = 'next';

/**
 * The approvals inbox at one invoice: the query makes the inbox show it first (even beyond the oldest
 * 50 it lists, or say what became of it), and survives sign-in; the fragment scrolls to its entry.
 */
export function approvalInboxPath(invoiceId: string): string {
  return `/app/approvals?invoice=${encodeURIComponent(invoiceId)}#invoice-${encodeURIComponent(invoiceId)}`;
}

const MAX_NEXT_LENGTH = 2000;
/** The characters of a URL's path and query (RFC 3986), without '#' and without '\\'. */
const PATH_AND_QUERY = /^\/app\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const NOWHERE = 'https://billflow.invalid';

/**
 * `value` when it is a path under /app/ of this site (with its query), else null: never another
 * origin, so a link cannot use the sign-in to send a person elsewhere (an open redirect). Refused: a
 * scheme (`https:`, `javascript:`), a protocol-relative `//host`, any backslash (browsers read `/\host`
 * as `//host`), a dot segment, a fragment, control characters, and the sign-in page itself.
 */
export function safeNextPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_NEXT_LENGTH || !PATH_AND_QUERY.test(value)) return null;
  const path = value.split('?', 1)[0] ?? '';
  if (path.includes('//') || /(^|\/)\.\.?(\/|$)/.test(path) || /%(2e|2f|5c)/i.test(path)) return null;
  const url = new URL(value, NOWHERE);
  if (url.origin !== NOWHERE || !url.pathname.startsWith('/app/') || url.pathname === LOGIN_PATH) return null;
  return value;
}

/** The sign-in page that sends the person on to `next` (when it is safe) once signed in. */
export function loginPathFor(next: string | null): string {
  const safe = safeNextPath(next);
  return safe ? `${LOGIN_PATH}?${NEXT_FIELD}=${encodeURIComponent(safe)}` : LOGIN_PATH;
}
