import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config';
import type { Sql } from '../db/client';
import { AppError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { createBillingRunService } from '../services/billing-runs';
import { createBillingScheduleService } from '../services/billing-schedules';
import { createChargeService } from '../services/charges';
import { createImportService } from '../services/imports';
import { createBankStatementService } from '../services/bank-statements';
import { createInvoiceService } from '../services/invoices';
import { createStripeClient } from '../services/stripe';
import { payPageRoutes } from '../web/pay/routes';
import { appPageRoutes } from '../web/app/routes';
import { stripeWebhookRoutes } from './webhooks/stripe';
import { createSubscriptionService } from '../services/subscriptions';
import { createReportService } from '../services/reports';
import type { TemporalClient } from '../temporal/connection';
import { authenticate } from './auth';
import { errorHandler, notFoundRoute } from './error-handler';
import { openApiDocument } from './openapi';
import { rateLimiters } from './rate-limit';
import { billingRunRoutes } from './billing-runs/routes';
import { billingScheduleRoutes } from './billing-schedules/routes';
import { chargeRoutes } from './charges/routes';
import { customerRoutes } from './customers/routes';
import { dunningPolicyRoutes } from './dunning-policies/routes';
import { healthRoutes } from './health/routes';
import { importRoutes, isImportUpload } from './imports/routes';
import { bankStatementRoutes, isBankStatementUpload } from './bank-statements/routes';
import { reconciliationRoutes } from './reconciliation/routes';
import { invoiceRoutes } from './invoices/routes';
import { noStore, requestId, securityHeaders } from './security';
import { subscriptionRoutes } from './subscriptions/routes';
import { reportRoutes } from './reports/routes';
import { creditNoteRoutes } from './credit-notes/routes';

export interface ApiDeps {
  config: Pick<Config, 'apiKeys' | 'temporal' | 'approval' | 'invoiceNumberPrefix' | 'publicBaseUrl' | 'mailFrom' | 'rateLimit' | 'stripe' | 'company' | 'temporalUiUrl'>;
  sql: Sql;
  temporal: TemporalClient;
  logger: Logger;
}

export function createApp(deps: ApiDeps): Express {
  const limits = rateLimiters(deps.config.rateLimit, deps.logger);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestId,
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use(securityHeaders());
  app.use(noStore);
  app.use(healthRoutes(deps.sql, deps.temporal.connection));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  // The customer's pay page and Stripe's webhook: no API key (the page's token, the event's
  // signature), and before the JSON gate and parser (a form post; the raw body the signature covers).
  const stripe = createStripeClient(deps.config.stripe);
  const invoices = createInvoiceService(deps.sql, deps.temporal.client, deps.config);
  app.use(payPageRoutes({ sql: deps.sql, pdf: (id) => invoices.pdf(id), stripe, publicBaseUrl: deps.config.publicBaseUrl, logger: deps.logger, company: deps.config.company }));
  app.use(stripeWebhookRoutes({ sql: deps.sql, invoices, stripe, webhookSecret: deps.config.stripe.webhookSecret, logger: deps.logger }));
  // The pages for people: a session cookie instead of a key, urlencoded forms with a CSRF token.
  app.use(
    appPageRoutes({
      sql: deps.sql,
      invoices,
      apiKeys: deps.config.apiKeys,
      authFailureGate: limits.authFailureGate,
      countAuthFailure: limits.countAuthFailure,
      logger: deps.logger,
      config: deps.config,
      billingRuns: createBillingRunService(deps.sql, deps.temporal.client, deps.config),
      bankStatements: createBankStatementService(deps.sql, deps.temporal.client, deps.config),
    }),
  );
  // Browsers ask for it on every page, with no key: it is not a failed sign-in (and would lock people out).
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(limits.authFailureGate);
  app.use((req, _res, next) => {
    // Writes take JSON only, but for the imports, which stream CSV (and answer 415 themselves).
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json') && !isImportUpload(req) && !isBankStatementUpload(req)) {
      throw new AppError({ code: ErrorCode.unsupportedMediaType, message: 'send the request body as application/json' });
    }
    next();
  });
  app.use(express.json({ limit: '1mb' }));
  app.use(authenticate(deps.config.apiKeys));
  app.use(limits.countAuthFailure);
  app.use(limits.writes);
  app.use(customerRoutes(deps.sql));
  app.use(dunningPolicyRoutes(deps.sql));
  app.use(invoiceRoutes({ sql: deps.sql, invoices }));
  app.use(chargeRoutes({ sql: deps.sql, charges: createChargeService(deps.sql) }));
  app.use(billingRunRoutes({ sql: deps.sql, runs: createBillingRunService(deps.sql, deps.temporal.client, deps.config) }));
  app.use(billingScheduleRoutes({ schedules: createBillingScheduleService(deps.temporal.client, deps.config) }));
  app.use(importRoutes({ imports: createImportService(deps.sql, deps.temporal.client, deps.config) }));
  app.use(subscriptionRoutes({ sql: deps.sql, subscriptions: createSubscriptionService(deps.sql, deps.temporal.client, deps.config) }));
  app.use(reportRoutes({ reports: createReportService(deps.sql) }));
  app.use(creditNoteRoutes({ sql: deps.sql, config: deps.config }));
  const bankStatements = createBankStatementService(deps.sql, deps.temporal.client, deps.config);
  app.use(bankStatementRoutes({ statements: bankStatements }));
  app.use(reconciliationRoutes({ statements: bankStatements }));
  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one, as the tests do). */
export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<RunningApi> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
