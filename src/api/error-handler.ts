import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ErrorCode } from '../errors';

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

/** Errors raised by express's body parsers carry a `type`; map them to API.md's codes. */
function fromBodyParser(error: { type?: unknown; message?: unknown }): AppError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError({ code: ErrorCode.validationFailed, message: 'the request body is not valid JSON', details: [{ path: '(body)', message: 'malformed JSON' }] });
    case 'entity.too.large':
      return new AppError({ code: ErrorCode.payloadTooLarge, message: 'the request body is too large' });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError({ code: ErrorCode.unsupportedMediaType, message: String(error.message) });
    default:
      return null;
  }
}

export const notFoundRoute: RequestHandler = (req) => {
  throw new AppError({ code: ErrorCode.notFound, message: `no route for ${req.method} ${req.path}` });
};

/** The one place where errors become responses: API.md's shape, never a stack trace. */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const known = error instanceof AppError ? error : fromBodyParser(error as { type?: unknown });
  if (!known) {
    req.log.error({ err: error }, 'unhandled error');
    res.status(500).json({ error: { code: ErrorCode.internal, message: 'internal error', details: [], requestId: req.id as string } });
    return;
  }
  if (STATUS[known.code] >= 500) req.log.error({ err: known.cause ?? known }, known.message);
  res.status(STATUS[known.code]).json({
    error: { code: known.code, message: known.message, details: known.details, ...known.extra },
  });
};
