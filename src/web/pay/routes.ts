import path from 'node:path';
import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import Stripe from 'stripe';
import { outageOf, OUTAGE_RETRY_AFTER_SECONDS } from '../../api/outage';
import type { Sql } from '../../db/client';
import { findInvoiceByPayToken, type PayPageInvoice, payPageUrl } from '../../db/pay-pages';
import { AppError, ErrorCode } from '../../errors';
import type { Logger } from '../../logger';
import { createCheckoutSession } from '../../services/stripe';
import { type CheckoutReturn, type Company, howToPay, LOGO_PATH, payPageCsp, renderPayError, renderPayPage } from './page';

export interface PayPageDeps {
  sql: Sql;
  /** The issued invoice's PDF (InvoiceService.pdf). */
  pdf: (invoiceId: string) => Promise<{ number: string; pdf: Buffer }>;
  /** Null when Stripe is not configured: the page then says how to pay by bank transfer. */
  stripe: Stripe | null;
  publicBaseUrl: string;
  logger: Logger;
  /** COMPANY_NAME and COMPANY_LOGO_FILE: the pages' header. */
  company?: { name: string; logoFile: string | undefined };
}

const NOT_FOUND = { title: 'Page not found', message: 'This payment link is not valid. Please use the link in your invoice email.' };

/**
 * The customer's pay page, without an API key: the unguessable token in the path is the key. An
 * unknown or ill-formed token is a 404 (ill-formed ones without a query). The Pay button posts to
 * /pay/:token/checkout, which answers 303 to a Stripe Checkout Session for the amount due.
 */
export function payPageRoutes(deps: PayPageDeps): Router {
  const router = Router();
  const logoFile = deps.company?.logoFile;
  const company: Company = { name: deps.company?.name ?? 'billflow', hasLogo: logoFile !== undefined };
  router.use('/pay', (_req, res, next) => {
    res.set('Content-Security-Policy', payPageCsp);
    res.set('X-Robots-Tag', 'noindex');
    next();
  });

  // The company's logo from billflow itself (no CDN: the page's CSP allows images from this origin only).
  // The path is the operator's (COMPANY_LOGO_FILE), so a dot directory on it is fine.
  if (logoFile !== undefined) {
    router.get(LOGO_PATH, (_req, res, next) => {
      res.sendFile(path.resolve(logoFile), { dotfiles: 'allow', headers: { 'Cache-Control': 'public, max-age=3600' } }, (error) => {
        if (error) next(new AppError({ code: ErrorCode.notFound, message: NOT_FOUND.message }));
      });
    });
  }

  const invoiceOf = async (req: Request): Promise<PayPageInvoice> => {
    const invoice = await findInvoiceByPayToken(deps.sql, req.params.token as string);
    if (!invoice) throw new AppError({ code: ErrorCode.notFound, message: NOT_FOUND.message });
    return invoice;
  };

  router.get('/pay/:token', async (req, res) => {
    const invoice = await invoiceOf(req);
    const returned = req.query.checkout;
    const checkout: CheckoutReturn = returned === 'success' || returned === 'cancelled' ? returned : null;
    res.type('html').send(renderPayPage({ invoice, how: howToPay(invoice, deps.stripe !== null), path: `/pay/${req.params.token}`, checkout, company }));
  });

  router.get('/pay/:token/pdf', async (req, res) => {
    const invoice = await invoiceOf(req);
    const { number, pdf } = await deps.pdf(invoice.id);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${number}.pdf"`).send(pdf);
  });

  router.post('/pay/:token/checkout', async (req, res) => {
    const invoice = await invoiceOf(req);
    const how = howToPay(invoice, deps.stripe !== null);
    if (how !== 'card' || !deps.stripe) {
      throw new AppError({
        code: ErrorCode.conflict,
        message: how === 'bank_transfer' ? 'Card payments are not available: please pay by bank transfer as the invoice page says.' : 'Nothing is due on this invoice.',
      });
    }
    const token = req.params.token;
    const url = await createCheckoutSession(deps.stripe, invoice, payPageUrl(deps.publicBaseUrl, token));
    res.redirect(303, url);
  });

  // Anything else under /pay (a token with more path, another method) is not a page.
  router.use('/pay', () => {
    throw new AppError({ code: ErrorCode.notFound, message: NOT_FOUND.message });
  });
  router.use('/pay', payErrorPage(deps.logger, company));
  return router;
}

/** Errors of the pay page as pages, not JSON: the reader is a customer with a browser. */
function payErrorPage(logger: Logger, company: Company): ErrorRequestHandler {
  return (error: unknown, _req, res: Response, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    res.type('html');
    if (error instanceof AppError && error.code === ErrorCode.notFound) {
      res.status(404).send(renderPayError(NOT_FOUND.title, NOT_FOUND.message, company));
      return;
    }
    if (error instanceof AppError && error.code === ErrorCode.conflict) {
      res.status(409).send(renderPayError('Nothing to pay by card', error.message, company));
      return;
    }
    if (error instanceof Stripe.errors.StripeError && !(error instanceof Stripe.errors.StripeConnectionError) && !(error instanceof Stripe.errors.StripeAPIError)) {
      logger.warn({ err: error, stripeCode: error.code }, 'Stripe refused a checkout session');
      res.status(502).send(renderPayError('The payment could not be started', `Our payment provider refused it: ${error.message}`, company));
      return;
    }
    const unavailable = error instanceof Stripe.errors.StripeError || outageOf(error) !== null;
    logger.error({ err: error }, unavailable ? 'pay page: a dependency is unavailable' : 'pay page failed');
    if (unavailable) res.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    res.status(unavailable ? 503 : 500).send(renderPayError('Please try again shortly', 'This page is not available right now. Please try again in a few moments.', company));
  };
}
