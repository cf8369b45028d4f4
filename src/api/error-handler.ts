import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ErrorCode } from '../errors';
import { OUTAGE_RETRY_AFTER_SECONDS, outageOf } from './outage';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/**
 * Errors raised by express and its body parsers (http-errors) carry a 4xx `status`, and the parsers
 * a `type`: malformed JSON, a body too large, an unknown charset or encoding, a gzip body that does
 * not inflate, a path with malformed percent-encoding. Each is the client's mistake: API.md's codes.
 */
function fromHttpError(error: { type?: unknown; status?: unknown; message?: unknown }): AppError | null {
  if (error.type === 'entity.parse.failed') {
    return new AppError({ code: ErrorCode.validationFailed, message: 'the request body is not valid JSON', details: [{ path: '(body)', message: 'malformed JSON' }] });
  }
  if (typeof error.status !== 'number' || error.status < 400 || error.status >= 500) return null;
  switch (error.status) {
    case 413:
      return new AppError({ code: ErrorCode.payloadTooLarge, message: 'the request body is too large' });
    case 415:
      return new AppError({ code: ErrorCode.unsupportedMediaType, message: String(error.message) });
    default: {
      const where = error instanceof URIError ? '(path)' : '(body)';
      const message = where === '(path)' ? 'the path is not valid percent-encoding' : `the request body cannot be read: ${String(error.message)}`;
      return new AppError({ code: ErrorCode.validationFailed, message, details: [{ path: where, message }] });
    }
  }
}

export const notFoundRoute: RequestHandler = (req) => {
  throw new AppError({ code: ErrorCode.notFound, message: `no route for ${req.method} ${req.path}` });
};

/**
 * The one place where errors become responses: API.md's shape, never a stack trace. A database or
 * Temporal that cannot be reached is 503 with Retry-After, also when it surfaces as the cause of an
 * internal error: the request may well succeed in a few seconds.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const requestId = req.id as string;
  const known = error instanceof AppError ? error : fromHttpError(error as { type?: unknown; status?: unknown });
  if (!known || known.code === ErrorCode.internal) {
    const outage = outageOf(error);
    if (outage) {
      req.log.warn({ err: error, outage }, 'a dependency is unavailable');
      res
        .status(STATUS.unavailable)
        .set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS))
        .json({ error: { code: ErrorCode.unavailable, message: 'billflow cannot serve this request right now; retry shortly', details: [], requestId } });
      return;
    }
  }
  if (!known) {
    req.log.error({ err: error }, 'unhandled error');
    res.status(500).json({ error: { code: ErrorCode.internal, message: 'internal error', details: [], requestId } });
    return;
  }
  const status = STATUS[known.code];
  if (status >= 500) req.log.error({ err: known.cause ?? known }, known.message);
  if (status === 503 && !res.get('Retry-After')) res.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
  res.status(status).json({
    error: { code: known.code, message: known.message, details: known.details, ...known.extra },
  });
};
