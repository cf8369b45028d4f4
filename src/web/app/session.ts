import { createHash, randomBytes } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Sql } from '../../db/client';
import { deleteExpiredWebSessions, deleteWebSession, findWebSession, insertWebSession, type WebSession } from '../../db/web-sessions';
import type { Person } from '../../domain/actor';
import { AppError, ErrorCode } from '../../errors';

/**
 * Sessions of the pages under /app. The cookie holds a random id (never the API key); PostgreSQL
 * holds its hash with the principal, role and CSRF token the sign-in resolved, until it expires
 * or the person signs out.
 */

export const SESSION_COOKIE = 'billflow_session';
/** Before sign-in there is no session: the sign-in form's token is bound to this cookie instead. */
export const LOGIN_COOKIE = 'billflow_login';
const SESSION_HOURS = 8;
const LOGIN_FORM_MINUTES = 30;

const hashOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');
export const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * HttpOnly (no script reads it), SameSite=Strict (no other site's form or link sends it), Secure
 * when the page came over https (plain http on loopback is how `npm start` serves), and only for /app.
 */
function cookieOptions(req: Request, maxAgeMs: number): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/app', maxAge: maxAgeMs };
}

/** A cookie of the request, without a cookie-parsing dependency: the pages read two cookies at most. */
export function readCookie(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
    }
  }
  return null;
}

/** Starts a session for the person an API key named, and sets its cookie. */
export async function startSession(sql: Sql, req: Request, res: Response, person: Person): Promise<WebSession> {
  const now = new Date();
  await deleteExpiredWebSessions(sql, now.toISOString());
  const id = randomToken();
  const session: WebSession = {
    idHash: hashOf(id),
    principal: person.principal,
    role: person.role,
    csrfToken: randomToken(),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString(),
  };
  await insertWebSession(sql, session);
  res.cookie(SESSION_COOKIE, id, cookieOptions(req, SESSION_HOURS * 3_600_000));
  res.clearCookie(LOGIN_COOKIE, { path: '/app' });
  return session;
}

/** Ends the request's session, if any: its row goes, so the old cookie no longer signs anyone in. */
export async function endSession(sql: Sql, req: Request, res: Response): Promise<void> {
  const id = readCookie(req, SESSION_COOKIE);
  if (id) await deleteWebSession(sql, hashOf(id));
  res.clearCookie(SESSION_COOKIE, { path: '/app' });
}

/** Puts the request's live session (or null) in `res.locals.webSession`. */
export function loadSession(sql: Sql): RequestHandler {
  return async (req, res, next) => {
    const id = readCookie(req, SESSION_COOKIE);
    res.locals.webSession = id ? await findWebSession(sql, hashOf(id), new Date().toISOString()) : null;
    next();
  };
}

export function currentSession(res: Response): WebSession | null {
  return (res.locals.webSession as WebSession | null | undefined) ?? null;
}

/** The signed-in session; 401 (the pages send people to sign in) when there is none. */
export function sessionOf(res: Response): WebSession {
  const session = currentSession(res);
  if (!session) throw new AppError({ code: ErrorCode.unauthorized, message: 'Your session has ended. Please sign in again.' });
  return session;
}

/** The token of the sign-in form: the one its cookie already holds, else a new one with its cookie. */
export function loginFormToken(req: Request, res: Response): string {
  const existing = readCookie(req, LOGIN_COOKIE);
  if (existing) return existing;
  const token = randomToken();
  res.cookie(LOGIN_COOKIE, token, cookieOptions(req, LOGIN_FORM_MINUTES * 60_000));
  return token;
}
