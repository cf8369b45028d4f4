import { createHash } from 'node:crypto';
import { type ApiClient, ApiError, createApiClient, type RunStatus, UnreachableError } from './api-client';
import { type Command, parseCommand, USAGE, UsageError } from './args';
import { followRun } from './follow';
import { importFile } from './import';
import { lineProgress, type ProgressView, summaryLines, ttyProgress } from './progress';

export const EXIT = { completed: 0, failed: 1, cancelled: 2, api: 3, usage: 4, interrupted: 130 } as const;

const EXIT_BY_STATUS: Record<Exclude<RunStatus, 'running'>, number> = { completed: EXIT.completed, failed: EXIT.failed, cancelled: EXIT.cancelled };

/** Without a terminal, one line per change at most this often, so CI logs stay readable. */
const LINE_EVERY_MS = 3_000;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WritableStream;
  /** Aborts on Ctrl-C: following stops, the run goes on. */
  interrupt: AbortSignal;
}

/** The command line from argv to exit code; main.ts wires it to the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`billflow: ${error.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.completed;
  }

  const apiKey = io.env.BILLFLOW_API_KEY?.trim();
  if (!apiKey) {
    io.stderr.write('billflow: BILLFLOW_API_KEY is not set: export BILLFLOW_API_KEY=<an operator\'s API key>, one of the api\'s BILLFLOW_API_KEYS\n');
    return EXIT.usage;
  }
  const baseUrl = io.env.BILLFLOW_URL?.trim() || 'http://127.0.0.1:3000';
  if (!URL.canParse(baseUrl)) {
    io.stderr.write(`billflow: BILLFLOW_URL is not a URL: "${baseUrl}"\n`);
    return EXIT.usage;
  }

  if (command.kind === 'import') return importFile({ baseUrl, apiKey, what: command.what, file: command.file }, io);
  const api = createApiClient({ baseUrl, apiKey });
  try {
    const runId = command.kind === 'run' ? await start(api, command, io) : command.runId;
    return await follow(api, runId, command.intervalMs, io);
  } catch (error) {
    if (error instanceof ApiError || error instanceof UnreachableError) {
      io.stderr.write(`billflow: ${describe(error)}\n`);
      return EXIT.api;
    }
    throw error;
  }
}

async function start(api: ApiClient, command: Extract<Command, { kind: 'run' }>, io: CliIo): Promise<string> {
  // Sorted so that the same customers in another order are the same request (and the same key).
  const customerIds = command.customerIds === null ? undefined : [...command.customerIds].sort();
  const body = { period: command.period, dryRun: command.dryRun, ...(customerIds ? { customerIds } : {}) };
  const key = idempotencyKey(body, Date.now());
  const { created, run } = await retryOnce(() => api.startRun(body, key));
  const what = run.dryRun ? 'Dry run' : 'Run';
  io.stdout.write(`${what} ${run.id} for ${run.period} ${created ? 'started' : 'already exists'} (${run.status})\n`);
  return run.id;
}

/**
 * The key is the arguments and the moment this command was given: the retry after a lost answer
 * (retryOnce) finds the run its first try started. Not the arguments alone: the api keeps keys for
 * good and replays the first answer, so the same command tomorrow would be told "started (running)"
 * about a run long completed, and a dry run would show last month's preview. The api itself
 * answers a period's run posted again with that run and 200 ("already exists").
 */
export function idempotencyKey(body: { period: string; dryRun: boolean; customerIds?: string[] }, invokedAt: number): string {
  const digest = createHash('sha256').update(JSON.stringify([body.period, body.dryRun, body.customerIds ?? null])).digest('hex').slice(0, 32);
  return `billflow-cli-${body.dryRun ? 'dry-run' : 'run'}-${digest}-${invokedAt}`;
}

async function retryOnce<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const transient = (error instanceof ApiError && error.transient) || error instanceof UnreachableError;
    if (!transient) throw error;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return call();
  }
}

async function follow(api: ApiClient, runId: string, intervalMs: number, io: CliIo): Promise<number> {
  const tty = io.stdout.isTTY === true;
  const view: ProgressView = tty ? ttyProgress(io.stdout) : lineProgress(io.stdout, { everyMs: LINE_EVERY_MS });
  if (tty) io.stdout.write('Ctrl-C stops following; the run goes on.\n');
  const outcome = await followRun({ api, runId, intervalMs, view, signal: io.interrupt }).finally(() => view.close());

  if (outcome.kind === 'interrupted') {
    io.stdout.write(`Stopped following ${runId}: the run was not cancelled and goes on. Follow it again: npm run billflow -- follow ${runId}\n`);
    return EXIT.interrupted;
  }
  const { run } = outcome;
  if (run.dryRun && run.status === 'completed') {
    io.stdout.write(`Previews: ${await api.countPreviews(run.id)} invoices would be created (GET /billing-runs/${run.id}/invoices lists them); nothing was created\n`);
  }
  for (const line of summaryLines(run, outcome.followedMs)) io.stdout.write(`${line}\n`);
  return EXIT_BY_STATUS[run.status as keyof typeof EXIT_BY_STATUS] ?? EXIT.api;
}

function describe(error: ApiError | UnreachableError): string {
  if (error instanceof UnreachableError) return error.message;
  const hint = error.status === 401 ? ' (check BILLFLOW_API_KEY)' : error.status === 403 ? ' (starting a run needs an operator\'s key)' : '';
  // A single problem is often the message itself ("period: must be ..."): not shown twice.
  const details = error.details.map((d) => `${d.path}: ${d.message}`).filter((d) => d !== error.apiMessage).map((d) => `\n  ${d}`).join('');
  return `${error.message}${hint}${details}`;
}
