import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createApp, listen } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import type { Sql } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { connectClient, type TemporalClient } from '../../src/temporal/connection';
import { connectWorker, createWorker, WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/worker';
import { testEnv } from './test-env';
import { createTestDatabase, type TestDatabase } from './database';
import { type RunningSmtpSink, startSmtpSink } from '../../scripts/stack/smtp-sink';

export const TEST_KEYS = {
  admin: 'test_admin_key',
  operator: 'test_operator_key',
  approver: 'test_approver_key',
  viewer: 'test_viewer_key',
} as const;

/** The Stripe webhook secret of the tests' billflow: tests sign events with it (stripe.webhooks.generateTestHeaderString). */
export const TEST_STRIPE_WEBHOOK_SECRET = 'whsec_billflow_test_secret';

const API_KEYS = 'test_admin_key:admin:ada,test_operator_key:operator:olivia,test_approver_key:approver:arthur,test_viewer_key:viewer:victor';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflows bundled once per test file (bundling takes seconds; workers take the bundle). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...WORKFLOW_BUNDLER_OPTIONS, logger: quietLogger });
  return bundle;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

export interface Billflow {
  url: string;
  /** The real SMTP server on loopback that this instance delivers to. */
  mail: RunningSmtpSink;
  /** Stops the worker as a crash would end it, and starts a new one on the same task queue. */
  restartWorker: () => Promise<void>;
  config: Readonly<Config>;
  temporal: TemporalClient;
  http: (method: string, path: string, options?: { key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }) => Promise<{ status: number; body: any; headers: Headers }>;
  stop: () => Promise<void>;
}

/**
 * billflow's worker and api in-process (api on port 0) against the shared Temporal dev server and
 * the given database, on a task queue of their own so test files never steal each other's tasks.
 */
export async function startBillflow(options: { sql: Sql; databaseUrl: string; env?: Record<string, string> }): Promise<Billflow> {
  const mail = await startSmtpSink({ port: 0 });
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    SMTP_URL: mail.url,
    TEMPORAL_ADDRESS: testEnv('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    BILLFLOW_API_KEYS: API_KEYS,
    PORT: '0',
    LOG_LEVEL: 'silent',
    // stripe-mock (test/support/global-setup.ts); a test file can turn Stripe off with STRIPE_SECRET_KEY: ''.
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_BASE: testEnv('stripeMock'),
    STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
    ...options.env,
  });
  const connection = await connectWorker(config);
  const newWorker = async () => {
    const worker = await createWorker({ config, sql: options.sql, connection, workflowBundle: await workflowBundle() });
    return { worker, running: worker.run() };
  };
  let current = await newWorker();
  const temporal = await connectClient(config);
  const api = await listen(createApp({ config, sql: options.sql, temporal, logger: createLogger(process.env.BILLFLOW_TEST_LOG ?? 'silent') }), 0, '127.0.0.1');
  return {
    url: api.url,
    mail,
    async restartWorker() {
      current.worker.shutdown();
      await current.running;
      current = await newWorker();
    },
    config,
    temporal,
    async http(method, path, { key = TEST_KEYS.admin, body, rawBody, headers = {} } = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    },
    async stop() {
      await api.close();
      current.worker.shutdown();
      await current.running;
      await temporal.connection.close();
      await connection.close();
      await mail.stop();
    },
  };
}

/** A fresh database and a running billflow for one test file, stopped after its last test; `env` adds to its configuration. */
export function useBillflow(options: { env?: Record<string, string> } = {}): () => { db: TestDatabase; app: Billflow } {
  let db: TestDatabase | undefined;
  let app: Billflow | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startBillflow({ sql: db.sql, databaseUrl: db.url, env: options.env });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });
  return () => {
    if (!db || !app) throw new Error('billflow is not running');
    return { db, app };
  };
}
