import { DomainError } from './domain/errors';

/**
 * The one error type of billflow. Codes are the `error.code` values of API.md, and also the
 * ApplicationFailure types activities throw, so a failure keeps its meaning across Temporal.
 */
export const ErrorCode = {
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  idempotencyConflict: 'idempotency_conflict',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
  unavailable: 'unavailable',
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  /** Extra fields for the error body, e.g. the current status on a refused transition. */
  readonly extra: Record<string, unknown>;

  constructor(args: { code: ErrorCode; message: string; details?: ErrorDetail[]; extra?: Record<string, unknown>; cause?: unknown }) {
    super(args.message, { cause: args.cause });
    this.code = args.code;
    this.details = args.details ?? [];
    this.extra = args.extra ?? {};
  }
}

export function validationError(path: string, message: string): AppError {
  return new AppError({ code: ErrorCode.validationFailed, message: `${path}: ${message}`, details: [{ path, message }] });
}

export function notFound(what: string, id: string): AppError {
  return new AppError({ code: ErrorCode.notFound, message: `${what} ${id} does not exist` });
}

/** A domain rule's refusal of the caller's data (money out of range, a bad line) as a 400 naming the field. */
export function asValidationError(error: unknown): unknown {
  if (!(error instanceof DomainError)) return error;
  return validationError(error.path ?? '(body)', error.message);
}
