import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers (nosniff, frame and referrer policies, HSTS, cross-origin isolation) with a CSP
 * for the server-rendered pages under /app and /pay: everything from billflow itself, no CDN, no
 * inline script. `upgrade-insecure-requests` is left out: `npm start` serves plain HTTP on loopback,
 * where it would send the pages' own requests to an https:// that is not there.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
      },
    },
  });
}

/**
 * Invoices, PDFs and customers are personal and financial data: no browser or proxy keeps a copy.
 * Set for every response; a route serving something cacheable (static assets) may override it.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** What an incoming X-Request-Id may look like to be adopted; anything else (markup, newlines, a novel) is replaced. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** pino-http's `genReqId`: the caller's id when it is safe to echo and log, else a fresh UUID. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
