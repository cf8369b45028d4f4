import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError, ErrorCode } from '../../errors';

/** The hidden field every form under /app carries. */
export const CSRF_FIELD = '_csrf';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The form's token as posted, or '' when the body has none (or was not a form). */
export function postedToken(req: Request): string {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[CSRF_FIELD];
  return typeof value === 'string' ? value : '';
}

/**
 * 403 unless the posted token equals the one bound to the session (or to the sign-in form's cookie).
 * Compared over fixed-length digests in constant time; an empty expected token never matches.
 */
export function assertCsrf(req: Request, expected: string | null): void {
  const presented = postedToken(req);
  if (!expected || !presented || !timingSafeEqual(digest(presented), digest(expected))) {
    throw new AppError({
      code: ErrorCode.forbidden,
      message: 'This form has expired or did not come from billflow. Reload the page and try again.',
      details: [{ path: CSRF_FIELD, message: 'missing or wrong' }],
    });
  }
}
