/**
 * Text that billflow stores and prints. PostgreSQL cannot store NUL, a lone UTF-16 surrogate is
 * not text at all (it would be stored as U+FFFD, silently changing what was sent), bidirectional
 * controls can make an invoice line or a name read differently from what it is (U+202E), and a line
 * break in a name or reference ends up in email headers and PDF titles. Such text is refused,
 * naming the field; nothing is silently rewritten except the two harmless normalisations below.
 */
/* eslint-disable no-control-regex -- these patterns exist to find control characters */
import { DomainError } from './errors';

export class TextError extends DomainError {
  override name = 'TextError';
}

export type TextKind = 'single-line' | 'multi-line';

/** In a `u` regex a paired surrogate is one code point, so this matches only a lone one. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates. */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/** C0 and C1 controls (NUL, CR, LF, TAB, ESC, …). */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** The same, less LF and TAB, which multi-line text (memos, reasons) may hold. */
const CONTROL_EXCEPT_LF_TAB = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/** Whole-string patterns of acceptable text (for validation schemas and the OpenAPI document). */
export const SINGLE_LINE_TEXT = /^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$/;
export const MULTI_LINE_TEXT = /^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$/;

/** Why `text` cannot be stored as given, or null when it can. */
export function textProblem(text: string, kind: TextKind): string | null {
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode text)';
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (BIDI_CONTROL.test(text)) return 'contains a bidirectional control character (U+202A–U+202E, U+2066–U+2069)';
  const control = kind === 'single-line' ? CONTROL : CONTROL_EXCEPT_LF_TAB;
  const match = control.exec(text);
  if (match) {
    const code = `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return kind === 'single-line' && (match[0] === '\n' || match[0] === '\r') ? 'must be a single line' : `contains the control character ${code}`;
  }
  return null;
}

/**
 * The stored form of acceptable text: Unicode NFC (so "é" typed two ways is one string) and, in
 * multi-line text, CR LF as LF. Refuses what `textProblem` names.
 */
export function storableText(text: string, kind: TextKind, path: string | null = null): string {
  const normalised = kind === 'multi-line' ? text.replace(/\r\n/g, '\n') : text;
  const problem = textProblem(normalised, kind);
  if (problem) throw new TextError(problem, path);
  return normalised.normalize('NFC');
}

/** The first string anywhere in `value` that PostgreSQL cannot store (NUL, lone surrogate). */
export function findUnstorableText(value: unknown, path = ''): { path: string; message: string } | null {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) return { path: path || '(body)', message: 'contains a lone UTF-16 surrogate (not valid Unicode text)' };
    if (value.includes('\u0000')) return { path: path || '(body)', message: 'contains a NUL character' };
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = path ? `${path}.${key}` : key;
    const keyProblem = findUnstorableText(key, childPath);
    if (keyProblem) return keyProblem;
    const problem = findUnstorableText(child, childPath);
    if (problem) return problem;
  }
  return null;
}
