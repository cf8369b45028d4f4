import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createApp, listen, type RunningApi } from '../src/api/app';
import { type Config, ConfigError, loadConfig } from '../src/config';
import { createSql } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { connectClient } from '../src/temporal/connection';
import { installRuntimeLogger } from '../src/temporal/runtime';
import { connectWorker, createWorker } from '../src/worker';
import { ROOT } from './provision/tools';
import { EmbeddedPostgresError, startEmbeddedPostgres } from './stack/postgres';
import { startSmtpSink } from './stack/smtp-sink';
import { startTemporalDevServer } from './stack/temporal';

/**
 * `npm start`: billflow on one machine with embedded defaults. Starts what is not provided through
 * the environment (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL): the Temporal dev server, an embedded
 * PostgreSQL and an SMTP sink, all keeping their data under .data/; then the worker and the api.
 */
const DATA_DIR = path.join(ROOT, '.data');
const EMBEDDED_PG_PORT = 54320;
const SMTP_SINK_PORT = 1025;

export const DEV_API_KEYS = [
  'bf_dev_admin:admin:admin',
  'bf_dev_operator:operator:olivia',
  'bf_dev_approver:approver:arthur',
  'bf_dev_approver2:approver:beatrice',
  'bf_dev_viewer:viewer:victor',
].join(',');

/**
 * `npm start` serves well-known development keys: it listens on loopback only unless HOST says
 * otherwise (HOST=0.0.0.0 to reach it from other machines or containers).
 */
export function apiHost(config: Pick<Config, 'host'>): string {
  return config.host ?? '127.0.0.1';
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

const say = (line: string) => console.log(`[billflow] ${line}`);

/** Each part started registers how to stop it; Ctrl-C stops them in reverse order. */
const stops: { name: string; stop: () => Promise<unknown> }[] = [];

async function stopAll(): Promise<void> {
  for (const { name, stop } of stops.reverse()) {
    // Ctrl-C also reaches the child servers directly, so a stop may find its part already gone.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stop().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    say(`stopped ${name}`);
  }
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const devKeys = !env.BILLFLOW_API_KEYS;
  if (devKeys) env.BILLFLOW_API_KEYS = DEV_API_KEYS;
  // Fail fast on a bad variable before starting anything.
  const logger = createLogger(loadConfig(env).logLevel);
  // Before anything touches the SDK's runtime, which the dev server below already does.
  installRuntimeLogger(logger);
  await mkdir(DATA_DIR, { recursive: true });

  let uiUrl: string | null = null;
  if (!process.env.TEMPORAL_ADDRESS) {
    say('starting the Temporal dev server (SQLite in .data/temporal.db)');
    const temporal = await startTemporalDevServer({
      ip: '127.0.0.1',
      port: 7233,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      dbFilename: path.join(DATA_DIR, 'temporal.db'),
      ui: true,
      say,
    });
    stops.push({ name: 'Temporal dev server', stop: temporal.stop });
    env.TEMPORAL_ADDRESS = temporal.address;
    uiUrl = temporal.uiUrl;
    // The pages under /app link each invoice to its workflow in this Web UI.
    if (uiUrl && !env.TEMPORAL_UI_URL) env.TEMPORAL_UI_URL = uiUrl;
  }
  if (!process.env.DATABASE_URL) {
    say(`starting the embedded PostgreSQL (data in .data/postgres, port ${EMBEDDED_PG_PORT})`);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'postgres'), port: EMBEDDED_PG_PORT, database: 'billflow', say });
    stops.push({ name: 'PostgreSQL', stop: pg.stop });
    env.DATABASE_URL = pg.url;
  }
  let mailDir: string | null = null;
  if (!process.env.SMTP_URL) {
    mailDir = path.join(DATA_DIR, 'mail');
    const sink = await startSmtpSink({
      port: SMTP_SINK_PORT,
      dir: mailDir,
      onMail: (mail) => say(`mail to ${mail.to.join(', ')} kept in ${path.relative(ROOT, mail.file ?? '')}`),
    });
    stops.push({ name: 'SMTP sink', stop: sink.stop });
    env.SMTP_URL = sink.url;
  }

  const config = loadConfig(env);
  const sql = createSql(config.databaseUrl as string);
  stops.push({ name: 'database pool', stop: () => sql.end() });
  const { applied } = await migrate(sql);
  if (applied.length > 0) say(`applied migrations: ${applied.join(', ')}`);

  const workerConnection = await connectWorker(config);
  stops.push({ name: 'worker connection', stop: () => workerConnection.close() });
  const worker = await createWorker({ config, sql, connection: workerConnection });
  const workerDone = worker.run();
  stops.push({ name: 'worker', stop: async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
  } });

  const temporal = await connectClient(config);
  stops.push({ name: 'client connection', stop: () => temporal.connection.close() });
  const host = apiHost(config);
  const api: RunningApi = await listen(createApp({ config, sql, temporal, logger }), config.port, host);
  stops.push({ name: 'api', stop: () => api.close() });

  const keys = config.apiKeys.map((k) => `    ${k.key.padEnd(20)} ${k.role.padEnd(9)} ${k.principal}`).join('\n');
  console.log(`
billflow is running.
  API            ${config.publicBaseUrl}   (OpenAPI: ${config.publicBaseUrl}/openapi.json; listening on ${host})
  Temporal       ${config.temporal.address}${uiUrl ? `   Web UI: ${uiUrl}` : ''}
  PostgreSQL     ${config.databaseUrl?.replace(/:[^:@/]+@/, ':***@')}
  Mail           ${config.smtpUrl}${mailDir ? `   (kept as .eml files in ${path.relative(ROOT, mailDir)}/)` : ''}
  API keys${devKeys ? ' (development only; set BILLFLOW_API_KEYS for your own)' : ''}:
${devKeys ? keys : '    from BILLFLOW_API_KEYS'}

Try:
  curl -s -X POST ${config.publicBaseUrl}/customers -H 'Authorization: Bearer bf_dev_operator' \\
    -H 'Content-Type: application/json' -d '{"name":"Acme","email":"ap@acme.test","currency":"EUR"}'
Ctrl-C stops everything; the data stays in .data/ for the next npm start.
`);
  if (devKeys && !isLoopback(host)) say(`WARNING: HOST=${host} opens the api to other machines with the public development keys: set BILLFLOW_API_KEYS`);
}

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping`);
  void stopAll().then(() => process.exit(0));
}
// Run as `npm start`; imported (by tests), it only exports.
if (require.main === module) {
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  main().catch(async (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof EmbeddedPostgresError;
    console.error(known ? error.message : error instanceof Error ? (error.stack ?? error.message) : error);
    await stopAll();
    process.exit(1);
  });
}
