import type { UpdateDefinition } from '@temporalio/common';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express';
import { approveUpdate, type DecisionCommand, rejectUpdate, requestChangesUpdate } from '../../../workflows/invoice/messages';
import { keyMatcher } from '../../api/auth';
import { OUTAGE_RETRY_AFTER_SECONDS, outageOf } from '../../api/outage';
import type { ApiKey, Config } from '../../config';
import type { Sql } from '../../db/client';
import { findCustomer } from '../../db/customers';
import type { InvoiceState } from '../../domain/invoice';
import { AppError, ErrorCode, validationError } from '../../errors';
import { couldBeRowId } from '../../ids';
import type { Logger } from '../../logger';
import type { InvoiceService } from '../../services/invoices';
import type { BankStatementService } from '../../services/bank-statements';
import type { BillingRunService } from '../../services/billing-runs';
import { billingRunPages } from './billing-runs';
import { assertCsrf } from './csrf';
import { dashboardRoutes } from './dashboard';
import { renderInbox, DECIDERS, type InboxItem } from './inbox-page';
import { invoicePageRoutes } from './invoices';
import { errorPage, type Notice, STYLESHEET } from './layout';
import { loginPathFor, NEXT_FIELD, safeNextPath } from './links';
import { renderLoginPage } from './login-page';
import { reconciliationPages } from './reconciliation';
import { currentSession, endSession, LOGIN_COOKIE, loadSession, loginFormToken, readCookie, sessionOf, startSession } from './session';

export interface AppPageDeps {
  sql: Sql;
  invoices: InvoiceService;
  apiKeys: readonly ApiKey[];
  /** The api's failed-authentication budget (src/api/rate-limit.ts): a wrong key here counts as one there. */
  authFailureGate: RequestHandler;
  countAuthFailure: ErrorRequestHandler;
  logger: Logger;
  /** The billing runs and reconciliation pages: the same services as the api's routes. */
  billingRuns: BillingRunService;
  bankStatements: BankStatementService;
  /** What the invoices pages link to: the Temporal Web UI (and namespace), and the credit notes' sender. */
  config: Pick<Config, 'temporal' | 'temporalUiUrl' | 'publicBaseUrl' | 'mailFrom'>;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};
const statusOf = (error: AppError): number => STATUS[error.code] ?? 500;

const INBOX_LIMIT = 50;
/** Where a sign-in leads when it was not asked to lead anywhere else. */
const HOME = '/app/approvals';

const DECISIONS: Record<string, { update: UpdateDefinition<InvoiceState, [DecisionCommand]>; field: 'comment' | 'reason'; done: string }> = {
  approve: { update: approveUpdate, field: 'comment', done: 'approved' },
  reject: { update: rejectUpdate, field: 'reason', done: 'rejected' },
  'request-changes': { update: requestChangesUpdate, field: 'reason', done: 'sent back for changes' },
};

const formText = (req: Request, field: string): string | null => {
  const value = (req.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' && value.trim() !== '' ? value : null;
};

/**
 * The pages for people under /app: sign-in with an API key into a session cookie, and the approvals
 * inbox. Mounted before the api's JSON gate and key authentication: forms post urlencoded bodies and
 * the session, not a bearer key, says who is asking. Changes go through the invoice service's
 * commands, as the api's; every post carries the session's CSRF token.
 */
export function appPageRoutes(deps: AppPageDeps): Router {
  const router = Router();
  const match = keyMatcher(deps.apiKeys);
  router.get('/app/style.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('text/css').send(STYLESHEET);
  });
  router.use('/app', express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 20 }), loadSession(deps.sql));

  router.get('/app', (_req, res) => {
    res.redirect(303, currentSession(res) ? HOME : '/app/login');
  });

  // `next`: the page asked for before sign-in (appErrorPage puts it here), kept only when it is a path under /app/.
  router.get('/app/login', (req, res) => {
    const next = safeNextPath(req.query[NEXT_FIELD]);
    if (currentSession(res)) {
      res.redirect(303, next ?? HOME);
      return;
    }
    res.type('html').send(renderLoginPage({ csrfToken: loginFormToken(req, res), error: null, next }));
  });

  /** A refused sign-in shows the form again, with why (and the status: 401, 403 or 429). */
  const loginRefused: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof AppError) || res.headersSent) {
      next(error);
      return;
    }
    const message = error.code === ErrorCode.rateLimited ? 'Too many failed sign-ins from this address. Please wait a minute and try again.' : error.message;
    res.status(statusOf(error)).type('html').send(renderLoginPage({ csrfToken: loginFormToken(req, res), error: message, next: safeNextPath(formText(req, NEXT_FIELD)) }));
  };

  router.post(
    '/app/login',
    deps.authFailureGate,
    async (req: Request, res: Response) => {
      assertCsrf(req, readCookie(req, LOGIN_COOKIE));
      const key = deps.apiKeys[match(formText(req, 'apiKey') ?? '')];
      if (!key) throw new AppError({ code: ErrorCode.unauthorized, message: 'That API key is not valid.' });
      await startSession(deps.sql, req, res, { principal: key.principal, role: key.role });
      // Anything but a path under /app/ goes home: a crafted link must not send the person elsewhere.
      res.redirect(303, safeNextPath(formText(req, NEXT_FIELD)) ?? HOME);
    },
    deps.countAuthFailure,
    loginRefused,
  );

  router.post('/app/logout', async (req, res) => {
    assertCsrf(req, sessionOf(res).csrfToken);
    await endSession(deps.sql, req, res);
    res.redirect(303, '/app/login');
  });

  /**
   * The inbox: the oldest INBOX_LIMIT invoices waiting for approval. `linkedId` (an approval email's
   * ?invoice=) comes first wherever it is in the queue; one that no longer waits is a notice instead.
   */
  const inbox = async (res: Response, notice: Notice | null, status = 200, linkedId: string | null = null) => {
    const session = sessionOf(res);
    const names = new Map<string, string>();
    const nameOf = async (customerId: string) => {
      if (!names.has(customerId)) names.set(customerId, (await findCustomer(deps.sql, customerId))?.name ?? customerId);
      return names.get(customerId) ?? customerId;
    };
    const items: InboxItem[] = [];
    if (linkedId !== null) {
      // An id no row could have is looked up no further (a NUL byte would fail in PostgreSQL).
      const loaded = couldBeRowId(linkedId) ? await deps.invoices.load(linkedId) : null;
      if (!loaded) {
        const which = couldBeRowId(linkedId) ? `There is no invoice ${linkedId}.` : 'That link names no invoice.';
        notice = { kind: 'error', text: `${which} Perhaps the link is incomplete.` };
        status = 404;
      } else if (loaded.invoice.status !== 'pending_approval') {
        const now = loaded.invoice.status.replace(/_/g, ' ');
        notice = { kind: 'ok', text: `Invoice ${linkedId} no longer waits for approval: it is now ${now}.`, link: { href: `/app/invoices/${encodeURIComponent(linkedId)}`, text: `Open invoice ${linkedId}` } };
      } else {
        items.push({ invoice: loaded.invoice, customerName: await nameOf(loaded.invoice.draft.customerId), linked: true });
      }
    }
    const pending = await deps.invoices.list({ status: 'pending_approval', customerId: null, limit: INBOX_LIMIT + 1, after: null });
    for (const summary of pending.slice(0, INBOX_LIMIT)) {
      if (summary.draft.id === linkedId) continue;
      // The list has no lines; each invoice is read whole, as GET /invoices/:id reads it.
      const loaded = await deps.invoices.load(summary.draft.id);
      if (!loaded || loaded.invoice.status !== 'pending_approval') continue;
      items.push({ invoice: loaded.invoice, customerName: await nameOf(loaded.invoice.draft.customerId) });
    }
    res.status(status).type('html').send(renderInbox({ items, more: pending.length > INBOX_LIMIT, session, notice }));
  };

  router.get('/app/approvals', async (req, res) => {
    const linked = req.query.invoice;
    if (linked !== undefined && typeof linked !== 'string') throw validationError('invoice', 'must be given once');
    await inbox(res, null, 200, linked === undefined || linked.trim() === '' ? null : linked);
  });

  router.post('/app/approvals/:id/:decision', async (req, res) => {
    const session = sessionOf(res);
    assertCsrf(req, session.csrfToken);
    const id = req.params.id;
    const decision = DECISIONS[req.params.decision];
    if (!decision) throw new AppError({ code: ErrorCode.notFound, message: 'There is no such decision.' });
    try {
      if (!DECIDERS.includes(session.role)) {
        throw new AppError({ code: ErrorCode.forbidden, message: `Your role (${session.role}) may not decide on approvals; it needs admin or approver.` });
      }
      const state = await deps.invoices.command(id, decision.update, { principal: session.principal, role: session.role, reason: formText(req, decision.field) });
      const number = state.number ? `, number ${state.number}` : '';
      await inbox(res, { kind: 'ok', text: `Invoice ${id} ${decision.done}: it is now ${state.status.replace(/_/g, ' ')}${number}.` });
    } catch (error) {
      if (!(error instanceof AppError) || outageOf(error) !== null) throw error;
      await inbox(res, { kind: 'error', text: `Invoice ${id} was not changed: ${error.message}` }, statusOf(error));
    }
  });

  router.use(dashboardRoutes(deps));
  router.use(invoicePageRoutes(deps));
  router.use(billingRunPages({ sql: deps.sql, runs: deps.billingRuns }), reconciliationPages({ statements: deps.bankStatements }));
  router.use('/app', () => {
    throw new AppError({ code: ErrorCode.notFound, message: 'There is no such page.' });
  });
  router.use('/app', appErrorPage(deps.logger));
  return router;
}

/** Errors under /app as pages: people without a session are sent to sign in; the rest read why. */
function appErrorPage(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res: Response, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const session = currentSession(res);
    res.type('html');
    if (error instanceof AppError && error.code === ErrorCode.unauthorized && req.method === 'GET') {
      // The page asked for (path and query) survives sign-in: an approval email's link leads to its invoice.
      res.redirect(303, loginPathFor(req.originalUrl));
      return;
    }
    if (error instanceof AppError && error.code !== ErrorCode.internal) {
      const status = statusOf(error);
      const title = status === 401 ? 'Please sign in' : status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Not done';
      res.status(status).send(errorPage(title, error.message, status === 401 ? null : session));
      return;
    }
    const outage = outageOf(error) !== null;
    logger.error({ err: error }, outage ? 'app page: a dependency is unavailable' : 'app page failed');
    if (outage) res.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    res.status(outage ? 503 : 500).send(errorPage('Please try again shortly', 'This page is not available right now. Please try again in a few moments.', session));
  };
}
