import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import { AppError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { apiKeyIdOf } from './auth';

const WINDOW_MS = 60_000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RateLimits {
  authFailuresPerMinute: number;
  writesPerMinute: number;
}

function tooManyRequests(message: string): AppError {
  return new AppError({ code: ErrorCode.rateLimited, message });
}

/**
 * The client's address, with IPv6 addresses grouped by their /56 so one host cannot rotate through
 * its own prefix. Behind a reverse proxy this is the proxy's address unless express's `trust proxy`
 * is set: then every client shares one failure budget.
 */
const clientKey = (req: Request): string => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');

/** express-rate-limit's warnings (e.g. an X-Forwarded-For it was not told to trust) go to our log. */
function limiterLogger(logger: Logger): Options['logger'] {
  return {
    warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
    error: (error, message) => logger.error({ err: error }, message ?? 'rate limiter error'),
  };
}

/**
 * Both limiters keep their counts in express-rate-limit's in-memory store: right for the one api
 * process billflow runs. Several api processes behind a balancer would each allow the full budget;
 * they would then need a shared store (express-rate-limit takes a Redis or PostgreSQL one).
 */
export function rateLimiters(limits: RateLimits, logger: Logger): {
  /** Before authentication: a client over its failure budget is refused whatever key it sends, so it cannot go on guessing. */
  authFailureGate: RequestHandler;
  /** After authentication, as an error handler: counts each 401 against the client's address. */
  countAuthFailure: ErrorRequestHandler;
  /** After authentication: writes per API key. */
  writes: RequestHandler;
} {
  // Only failures count (a busy client with a valid key never touches this budget), so the limiter
  // runs only on the failure path and the gate just reads its count.
  const failures = rateLimit({
    windowMs: WINDOW_MS,
    limit: limits.authFailuresPerMinute,
    keyGenerator: clientKey,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(tooManyRequests('too many failed authentications from this address; retry later')),
    logger: limiterLogger(logger),
  });

  const authFailureGate: RequestHandler = async (req, res, next) => {
    const info = await failures.getKey(clientKey(req));
    const resetMs = info?.resetTime ? info.resetTime.getTime() - Date.now() : 0;
    if (info && info.totalHits >= limits.authFailuresPerMinute && resetMs > 0) {
      res.set('Retry-After', String(Math.ceil(resetMs / 1000)));
      throw tooManyRequests('too many failed authentications from this address; retry later');
    }
    next();
  };

  const countAuthFailure: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof AppError && error.code === ErrorCode.unauthorized)) {
      next(error);
      return;
    }
    // Over the budget, the limiter answers 429 through its handler; otherwise the 401 goes on.
    void failures(req, res, (limited?: unknown) => next(limited ?? error));
  };

  const writes = rateLimit({
    windowMs: WINDOW_MS,
    limit: limits.writesPerMinute,
    skip: (req) => !WRITE_METHODS.has(req.method),
    keyGenerator: (_req, res) => apiKeyIdOf(res),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(tooManyRequests('too many writes with this API key; retry later')),
    logger: limiterLogger(logger),
  });

  return { authFailureGate, countAuthFailure, writes };
}
