import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import { type Config, loadConfig } from '../../src/config';
import { createSql, type Sql } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { connectClient, type TemporalClient } from '../../src/temporal/connection';
import { ROOT } from '../provision/tools';
import { freePort } from '../stack/ports';
import { startEmbeddedPostgres } from '../stack/postgres';
import { startTemporalDevServer } from '../stack/temporal';
import { findProcess, isAlive, killAndWait, type MeasuredPart, type NodeService, startNodeService, tailOf } from './processes';
import { type CountingSink, startCountingSink } from './sink';

/**
 * The local stack with durable settings, each part its own OS process: the Temporal dev server on
 * SQLite in the data dir, an embedded PostgreSQL with fsync on, and billflow's worker and api
 * started as an operator starts them. The SMTP sink runs in the bench process.
 */

/** API keys of the benchmark: the invoices' creator and their approver must be different people. */
export const BENCH_KEYS = {
  operator: { key: 'bf_bench_operator', principal: 'bench-olivia' },
  approver: { key: 'bf_bench_approver', principal: 'bench-arthur' },
} as const;

const NAMESPACE = 'default';
const READY_WITHIN_MS = 180_000;

/** Steps that undo what was started, run in reverse order, each given a bounded time. */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  async run(say: (line: string) => void): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)));
      const outcome = await Promise.race([step.run().then(() => 'ok' as const, (error: unknown) => error), gaveUp]);
      clearTimeout(timer);
      if (outcome === 'timeout') say(`stopping ${step.name}: gave up after 30 s`);
      else if (outcome !== 'ok') say(`stopping ${step.name}: ${outcome instanceof Error ? outcome.message : String(outcome)}`);
    }
  }
}

export interface BenchStack {
  /** The configuration the worker and the api run with, as they read it. */
  config: Readonly<Config>;
  databaseUrl: string;
  apiUrl: string;
  /** The bench's own pool (seeding, progress, the baseline): as large as the worker's. */
  sql: Sql;
  temporal: TemporalClient;
  sink: CountingSink;
  parts: MeasuredPart[];
  worker: NodeService;
  api: NodeService;
}

/**
 * Variables that configure billflow or its Temporal connection are the bench's to set; whatever
 * else the caller's environment holds (WORKER_* tuning, NODE_OPTIONS, PATH) reaches the processes.
 */
const BILLFLOW_VARIABLES =
  /^(TEMPORAL_|STRIPE_|DATABASE_URL$|SMTP_URL$|MAIL_FROM$|PUBLIC_BASE_URL$|BILLFLOW_API_KEYS$|PORT$|HOST$|LOG_LEVEL$|RATE_LIMIT_|APPROVERS_EMAIL$|APPROVAL_ESCALATION_|INVOICE_NUMBER_PREFIX$)/;

function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !BILLFLOW_VARIABLES.test(name)));
}

export async function startStack(options: { dataDir: string; keep: boolean; profileDir: string | null; cleanup: Cleanup; say: (line: string) => void }): Promise<BenchStack> {
  const { dataDir, cleanup, say } = options;
  const [temporalPort, postgresPort, apiPort] = await threeFreePorts();

  say(`starting the Temporal dev server (SQLite in ${path.join(dataDir, 'temporal.db')})`);
  const server = await startTemporalDevServer({
    ip: '127.0.0.1',
    port: temporalPort,
    namespace: NAMESPACE,
    dbFilename: path.join(dataDir, 'temporal.db'),
    ui: false,
    say,
  });
  const temporalPid = findProcess((args) => args.includes('start-dev') && args.some((arg) => arg === String(temporalPort) || arg.endsWith(`:${temporalPort}`)));
  cleanup.add('Temporal dev server', async () => {
    await server.stop();
    // The SDK stops the server it started; should it not, this process started it and ends it.
    if (temporalPid !== null && isAlive(temporalPid)) await killAndWait(temporalPid, 10_000);
  });
  if (temporalPid === null) throw new Error(`no process "temporal server start-dev" on port ${temporalPort} found in /proc`);
  killOnExit(temporalPid);

  say('starting PostgreSQL');
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'postgres'),
    port: postgresPort,
    database: 'billflow',
    throwaway: !options.keep,
    say,
  });
  cleanup.add('PostgreSQL', postgres.stop);
  const postmasterPid = Number((await readFile(path.join(postgres.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);

  const sink = await startCountingSink();
  cleanup.add('SMTP sink', sink.stop);

  // A profile file of the bench's own, so a ~/.config/temporalio/temporal.toml cannot add TLS or an API key.
  const temporalProfile = path.join(dataDir, 'temporal.toml');
  await writeFile(temporalProfile, `[profile.default]\naddress = "127.0.0.1:${temporalPort}"\nnamespace = "${NAMESPACE}"\n`);
  const env: NodeJS.ProcessEnv = {
    ...inheritedEnv(),
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_CONFIG_FILE: temporalProfile,
    TEMPORAL_PROFILE: 'default',
    SMTP_URL: sink.url,
    BILLFLOW_API_KEYS: Object.entries(BENCH_KEYS)
      .map(([role, { key, principal }]) => `${key}:${role}:${principal}`)
      .join(','),
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The approvals are one client's writes in quick succession, not what the limit guards against.
    RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
  };
  const config = loadConfig(env);

  const sql = createSql(postgres.url);
  cleanup.add('database pool', () => sql.end({ timeout: 5 }));
  await migrate(sql);
  const temporal = await connectClient(config);
  cleanup.add('Temporal client', () => temporal.connection.close());

  say('starting the worker and the api (node --import tsx src/worker.ts, src/api/main.ts)');
  // With the node flags of `npm run worker` (its heap limit); --profile adds V8's CPU profile of the
  // worker, written as it stops (open it in Chrome DevTools).
  const nodeArgs = [...(await workerNodeFlags()), ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [])];
  const worker = startNodeService({ name: 'worker', script: 'src/worker.ts', cwd: ROOT, env, logFile: path.join(dataDir, 'worker.log'), nodeArgs });
  cleanup.add('worker', worker.stop);
  killOnExit(worker.pid);
  const api = startNodeService({ name: 'api', script: 'src/api/main.ts', cwd: ROOT, env, logFile: path.join(dataDir, 'api.log') });
  cleanup.add('api', api.stop);
  killOnExit(api.pid);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await Promise.all([
    untilReady(worker, () => hasPollers(temporal, config.temporal.taskQueue)),
    untilReady(api, async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.status === 200),
  ]);

  return {
    config,
    databaseUrl: postgres.url,
    apiUrl,
    sql,
    temporal,
    sink,
    worker,
    api,
    parts: [
      { name: 'temporal', pid: temporalPid, tree: true },
      { name: 'worker', pid: worker.pid, tree: true },
      { name: 'api', pid: api.pid, tree: true },
      { name: 'postgres', pid: postmasterPid, tree: true },
      { name: 'bench', pid: process.pid, tree: false },
    ],
  };
}

/** Should the bench die without its cleanup, the processes it started die with it rather than linger. */
const startedPids = new Set<number>();
function killOnExit(pid: number): void {
  if (startedPids.size === 0) {
    process.once('exit', () => {
      for (const started of startedPids) if (isAlive(started)) process.kill(started, 'SIGKILL');
    });
  }
  startedPids.add(pid);
}

async function threeFreePorts(): Promise<[number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [a, b, c] = ports;
  return [a as number, b as number, c as number];
}

/** Polls `ready` until it answers true; fails with the process's log if it ends or takes too long. */
async function untilReady(service: NodeService, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!(await ready().catch(() => false))) {
    if (service.hasEnded() || Date.now() > deadline) {
      const why = service.hasEnded() ? await service.ended : `not ready after ${READY_WITHIN_MS / 1000} s`;
      throw new Error(`the ${service.name} did not start: ${why}\n--- ${service.logFile}\n${tailOf(service.logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The worker polls both its workflow and its activity task queue once it runs. */
async function hasPollers(temporal: TemporalClient, taskQueue: string): Promise<boolean> {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = proto.api.enums.v1.TaskQueueType;
  const counts = await Promise.all(
    [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY].map(async (taskQueueType) => {
      const answer = await temporal.connection.workflowService.describeTaskQueue({ namespace: NAMESPACE, taskQueue: { name: taskQueue }, taskQueueType });
      return answer.pollers?.length ?? 0;
    }),
  );
  return counts.every((count) => count > 0);
}

/** The node flags of package.json's `worker` script (`node <flags> --import tsx src/worker.ts`). */
async function workerNodeFlags(): Promise<string[]> {
  const scripts = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts.worker ?? '').split(/\s+/);
  return words[0] === 'node' ? words.slice(1, words.indexOf('--import')) : [];
}

/**
 * Runs a benchmark: parses its options (a usage error exits 2), then runs `body` in a temporary
 * folder of its own. `body` starts what it needs with `cleanup`, which stops it all afterwards, and
 * on Ctrl-C or SIGTERM. Answers the exit code: 0, 1 on a failure (its stack printed), 2 for bad
 * options or a system without /proc, 130 when stopped by a signal.
 */
export async function runBench<O extends { keep: boolean }>(
  bench: { name: string; prefix: string; parseOptions: (args: string[]) => O; say: (line: string) => void },
  body: (options: O, cleanup: Cleanup, dataDir: string) => Promise<void>,
): Promise<number> {
  const { say } = bench;
  let options: O;
  try {
    options = bench.parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  }
  if (process.platform !== 'linux') {
    console.error(`npm run ${bench.name} measures processes through /proc: it runs on Linux only`);
    return 2;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), bench.prefix));
  // PostgreSQL runs as the postgres user when the bench runs as root: it must be able to enter the folder.
  await chmod(dataDir, 0o755);
  const cleanup = new Cleanup();
  let stopping: Promise<void> | null = null;
  const stopAll = () =>
    (stopping ??= (async () => {
      say('stopping the stack');
      await cleanup.run(say);
      if (options.keep) say(`data kept in ${dataDir}`);
      else await rm(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping`);
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await body(options, cleanup, dataDir);
    return 0;
  } catch (error) {
    // Stopped by a signal: the failure is the parts going away underneath, not worth a stack trace.
    if (stopping) return 130;
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return 1;
  } finally {
    await stopAll();
  }
}

/** POSTs a file as a stream (as the operator) and answers the JSON report: the benches never hold a file in memory. */
export async function postFile(url: string, contentType: string, file: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { size } = await stat(file);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${BENCH_KEYS.operator.key}`, 'content-type': contentType, 'content-length': String(size) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    pipeline(createReadStream(file), request).catch(reject);
  });
}

/** Writes lines through a stream, waiting when it is full. */
export async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(`${line}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
