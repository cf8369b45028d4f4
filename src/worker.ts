import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { createActivities } from '../activities';
import { type Config, loadConfig, requireDatabaseUrl } from './config';
import { createSql, type Sql } from './db/client';
import { migrate } from './db/migrate';
import { createLogger } from './logger';
import { createStripeClient } from './services/stripe';
import { temporalConnectionOptions } from './temporal/connection';
import { registerSearchAttributes } from './temporal/register-search-attributes';
import { startInvoiceWorkflow } from './temporal/start-invoice';
import { createInvoiceService } from './services/invoices';
import { installRuntimeLogger } from './temporal/runtime';

export interface WorkerDeps {
  config: Pick<Config, 'temporal' | 'smtpUrl' | 'mailFrom' | 'publicBaseUrl' | 'approval' | 'worker' | 'stripe' | 'invoiceNumberPrefix'>;
  sql: Sql;
  connection: NativeConnection;
  /** A prebuilt bundle (tests build one per file); by default the worker bundles workflows/. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** billflow's workflows (workflows/index.ts). */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * How the worker bundles the workflows. Their modules are loaded once per workflow thread and shared
 * by every workflow (the SDK's preloadModules) instead of once per workflow as it starts or is
 * rebuilt from its history: they hold no per-workflow state (constants, activity proxies, message
 * definitions; ESLint refuses a module-level `let` there), and it takes about a fifth off the
 * worker's CPU per invoice (docs/performance.md).
 */
export const WORKFLOW_BUNDLER_OPTIONS = { preloadModules: [WORKFLOWS_PATH] };

/** The worker's connection to Temporal: the same options, TLS and API key as the api's client. */
export function connectWorker(config: Pick<Config, 'temporal'>): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config.temporal));
}

/**
 * A worker on billflow's task queue. Stateless: run as many as you need. Its memory is bounded by
 * the sticky cache (the workflows it keeps in memory between their tasks; an evicted one is rebuilt
 * from its history when it next has work), not by how many invoices are open.
 */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const client = new Client({ connection: deps.connection, namespace: deps.config.temporal.namespace });
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    maxCachedWorkflows: deps.config.worker.maxCachedWorkflows,
    activities: createActivities({
      sql: deps.sql,
      // A billing run's activities start the workflows of the invoices they record, on this task queue.
      startInvoice: (start) => startInvoiceWorkflow(client, deps.config.temporal.taskQueue, start, { eager: true }),
      // One pool of SMTP connections for all emails instead of a connection (and handshake) per message.
      mailer: createTransport({ pool: true, maxConnections: deps.config.worker.smtpConnections, url: deps.config.smtpUrl }),
      mailFrom: deps.config.mailFrom,
      publicBaseUrl: deps.config.publicBaseUrl,
      approvers: { notify: deps.config.approval.notify, escalateTo: deps.config.approval.escalateTo },
      // Card refunds go through Stripe (activities/stripe.ts); null without STRIPE_SECRET_KEY.
      stripe: createStripeClient(deps.config.stripe),
      // Bank payments reach invoices as any payment does: an Update to the invoice's workflow.
      invoices: createInvoiceService(deps.sql, client, deps.config),
    }),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'billflow-worker');
  installRuntimeLogger(logger);
  const sql = createSql(requireDatabaseUrl(config, 'npm run worker'));
  await migrate(sql);
  const connection = await connectWorker(config);
  await registerSearchAttributes(connection, config.temporal.namespace).then(
    (added) => added.length > 0 && logger.info({ added }, 'registered search attributes'),
    // Temporal Cloud and locked-down clusters refuse this: register them there by hand (README).
    (error: unknown) => logger.warn({ err: error }, 'could not register search attributes; register them by hand'),
  );
  const worker = await createWorker({ config, sql, connection });
  const { address, namespace, taskQueue, tls, apiKey } = config.temporal;
  logger.info({ taskQueue, address, namespace, tls: tls !== false, mtls: tls !== false && tls.clientCertPair !== undefined, apiKey: apiKey !== undefined }, 'worker running');
  // Worker.run resolves after SIGINT/SIGTERM (the SDK's default shutdown signals) once tasks drain.
  await worker.run();
  await connection.close();
  await sql.end();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
