import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { ensureTemporalCli, type Say, TEMPORAL_CLI_HELP } from '../provision/tools';

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  env: TestWorkflowEnvironment;
  stop: () => Promise<void>;
}

/**
 * SQLite in write-ahead-log mode, synced at checkpoints rather than at every commit: a crash of the
 * server (or a kill -9) loses nothing committed; a power cut may lose the last moments, never the
 * file. About twice the throughput of the defaults in the experiments issue 8 reports (docs/performance.md).
 */
const SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'];

/**
 * Eager activity execution: an activity scheduled by a workflow task goes back to the worker that
 * completed the task, with the task's answer, instead of through the matching service and a poll.
 * The server supports it but leaves it off by default; with it the approver's round trip (an
 * Update whose write is an activity) took half the time in the bench (docs/performance.md). A
 * cluster sets it in its own dynamic config.
 */
const DYNAMIC_CONFIG: Record<string, unknown> = {
  'system.enableActivityEagerExecution': true,
};

/**
 * The real Temporal server of the Temporal CLI (`temporal server start-dev`): SQLite persistence
 * when `dbFilename` is given (open invoices survive a restart), the Web UI on port + 1000, and
 * billflow's search attributes registered.
 */
export async function startTemporalDevServer(options: {
  ip: string;
  port: number;
  namespace: string;
  dbFilename?: string;
  ui: boolean;
  say?: Say;
}): Promise<RunningTemporal> {
  const executable = await ensureTemporalCli(options.say);
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        ip: options.ip,
        port: options.port,
        namespace: options.namespace,
        ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
        extraArgs: [
          ...(options.dbFilename ? SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]) : []),
          ...Object.entries(DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
        ],
        ...(options.ui ? { ui: true, uiPort: options.port + 1000 } : { ui: false }),
        searchAttributes: [...SEARCH_ATTRIBUTES],
        log: { format: 'pretty', level: 'error' },
      },
    });
  } catch (error) {
    throw new Error(`${TEMPORAL_CLI_HELP}\n(cause: ${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return {
    address: `${options.ip}:${options.port}`,
    uiUrl: options.ui ? `http://${options.ip}:${options.port + 1000}` : null,
    env,
    stop: () => env.teardown(),
  };
}
