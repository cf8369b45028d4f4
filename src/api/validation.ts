import { z } from 'zod';
import { isCurrencyCode } from '../domain/money';
import { AppError, ErrorCode, type ErrorDetail } from '../errors';

/** Parses `input` with `schema`, or throws 400 validation_failed naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
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

export const basisPoints = (max: number) =>
  z.int('must be a whole number of basis points').min(0).max(max);

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});
