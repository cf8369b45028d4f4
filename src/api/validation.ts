import { z } from 'zod';
import { MAX_AMOUNT_MINOR, isCurrencyCode } from '../domain/money';
import { findUnstorableText, MULTI_LINE_TEXT, SINGLE_LINE_TEXT } from '../domain/text';
import { AppError, ErrorCode, type ErrorDetail, validationError } from '../errors';

/**
 * Parses `input` with `schema`, or throws 400 validation_failed naming every bad field. Text that
 * PostgreSQL cannot store (NUL, a lone surrogate) is refused first, wherever it is in the input,
 * field names included: a request never gets as far as a write that would fail.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const unstorable = findUnstorableText(input);
  if (unstorable) throw validationError([root, unstorable.path].filter(Boolean).join('.'), unstorable.message);
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';
    const missing = issue.code !== 'unrecognized_keys' && valueAt(input, issue.path) === undefined;
    if (issue.code === 'unrecognized_keys') {
      return { path: [path === '(body)' ? '' : path, issue.keys[0]].filter(Boolean).join('.'), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path, message: missing ? 'is required' : issue.message };
  });
  const first = details[0];
  throw new AppError({
    code: ErrorCode.validationFailed,
    message: first ? `${first.path}: ${first.message}` : 'invalid input',
    details,
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export const currencyCode = z
  .string()
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code such as "EUR"');

/**
 * A name, reference or line description: trimmed, Unicode NFC, one line, no control or
 * bidirectional-override characters (refused, not stripped: see src/domain/text.ts).
 */
export const singleLineText = (max: number) =>
  z
    .string()
    .trim()
    .normalize('NFC')
    .min(1, 'is required')
    .max(max)
    .regex(SINGLE_LINE_TEXT, 'must be one line without control or bidirectional-override characters');

/** A memo, reason or comment: as single-line text, but line breaks (CR LF stored as LF) and tabs allowed. */
export const multiLineText = (max: number) =>
  z
    .string()
    .overwrite((text) => text.replace(/\r\n/g, '\n'))
    .normalize('NFC')
    .max(max)
    .regex(MULTI_LINE_TEXT, 'must not contain control characters (other than line breaks and tabs) or bidirectional overrides');

/**
 * An ISO 8601 timestamp with offset, within the years 0001 to 9999 once in UTC: what PostgreSQL
 * stores and every reader shows the same (year 0000 would be stored as 1 BC).
 */
export const isoTimestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 timestamp with offset' })
  .refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'must fall within the years 0001 to 9999 (UTC)');

/** An amount in minor units as billflow accepts it (see MAX_AMOUNT_MINOR). */
export const amountMinor = (min: number) =>
  z.int('must be a whole number of minor units').min(min).max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} (10^15 minor units)`);

/** A domain rule's refusal (an amount too large for a line) as 400 naming the field; other errors pass. */
export const basisPoints = (max: number) =>
  z.int('must be a whole number of basis points').min(0).max(max);

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});
