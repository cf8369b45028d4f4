import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKey } from '../config';
import type { Person, Role } from '../domain/actor';
import { AppError, ErrorCode } from '../errors';

export interface Caller {
  principal: string;
  role: Role;
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * Finds the configured key equal to `presented` in time that does not depend on which key matched
 * or how many leading characters agreed: every key is compared, over fixed-length digests, and the
 * loop never exits early.
 */
export function keyMatcher(keys: readonly ApiKey[]): (presented: string) => number {
  const digests = keys.map((k) => digest(k.key));
  return (presented) => {
    const candidate = digest(presented);
    let found = -1;
    for (const [index, known] of digests.entries()) {
      if (timingSafeEqual(candidate, known) && found === -1) found = index;
    }
    return found;
  };
}

/**
 * Resolves `Authorization: Bearer <key>` to a caller; 401 when missing or unknown. `res.locals.apiKeyId`
 * names the key (not the secret itself) for per-key limits.
 */
export function authenticate(keys: readonly ApiKey[]): RequestHandler {
  const match = keyMatcher(keys);
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const index = bearer ? match(bearer) : -1;
    const key = keys[index];
    if (!key) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new AppError({
        code: ErrorCode.unauthorized,
        message: header ? 'the API key is not valid' : 'send an API key as "Authorization: Bearer <key>"',
      });
    }
    res.locals.caller = { principal: key.principal, role: key.role } satisfies Caller;
    res.locals.apiKeyId = `key${index}`;
    next();
  };
}

/** Which configured key authenticated the request, e.g. "key2"; never the key itself. */
export function apiKeyIdOf(res: Response): string {
  const id = res.locals.apiKeyId as string | undefined;
  if (!id) throw new AppError({ code: ErrorCode.unauthorized, message: 'not authenticated' });
  return id;
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new AppError({ code: ErrorCode.unauthorized, message: 'not authenticated' });
  return caller;
}

/** The caller as the person who acts on an invoice. */
export function personOf(res: Response): Person {
  const { principal, role } = callerOf(res);
  return { principal, role };
}

/** 403 unless the caller has one of `roles`; admin may do everything. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const caller = callerOf(res);
    if (caller.role !== 'admin' && !roles.includes(caller.role)) {
      throw new AppError({
        code: ErrorCode.forbidden,
        message: `role "${caller.role}" may not do this; it needs ${['admin', ...roles].join(' or ')}`,
      });
    }
    next();
  };
}
