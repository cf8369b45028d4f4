import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKey, Role } from '../config';
import { AppError, ErrorCode } from '../errors';

export interface Caller {
  principal: string;
  role: Role;
}

/** Resolves `Authorization: Bearer <key>` to a caller; 401 when missing or unknown. */
export function authenticate(keys: readonly ApiKey[]): RequestHandler {
  const byKey = new Map(keys.map((k) => [k.key, { principal: k.principal, role: k.role } satisfies Caller]));
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match?.[1] ? byKey.get(match[1]) : undefined;
    if (!caller) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new AppError({
        code: ErrorCode.unauthorized,
        message: header ? 'the API key is not valid' : 'send an API key as "Authorization: Bearer <key>"',
      });
    }
    res.locals.caller = caller;
    next();
  };
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new AppError({ code: ErrorCode.unauthorized, message: 'not authenticated' });
  return caller;
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
