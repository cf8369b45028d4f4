/**
 * `npm run bench`: a billing run of N customers end to end on the local stack with durable settings
 * (Temporal's dev server on SQLite, PostgreSQL with fsync, the worker and the api as their own
 * processes), and what it costs:
 *
 *   - invoices per second from POST /billing-runs until the last invoice's email has arrived;
 *   - CPU milliseconds per invoice and peak memory of each process (from /proc);
 *   - Temporal history events per invoice, of the invoice workflows and of the run itself;
 *   - the approver's round trip (POST /invoices/:id/approve) with the run's invoices open;
 *   - a baseline: the same activities called in-process, without Temporal, as many at once.
 *
 *   npm run bench                                # 10,000 customers
 *   npm run bench -- --customers 1000 --baseline 500 --concurrency 2 --approvals 100
 *   npm run bench -- --customers 300 --keep --json bench.json
 *
 * --customers N    customers, one invoice each (default 10,000)
 * --baseline N     invoices of the in-process baseline (default min(N, 2,000); 0 skips it)
 * --concurrency C  batches in flight in the baseline (default: the billing run's BATCH_WINDOW)
 * --approvals M    approval round trips (default 200; 0 skips them)
 * --keep           keep the data dir (databases, worker and api logs) and print where it is
 * --json FILE      also write every figure as JSON
 * --profile DIR    write the worker's V8 CPU profile (.cpuprofile, for Chrome DevTools) to DIR
 *
 * Linux only (it reads /proc). Every process it starts is stopped at the end, on errors and on Ctrl-C.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BATCH_SIZE, BATCH_WINDOW } from '../../workflows/billing-run/workflow';
import { approvalRoundTrips } from './approvals';
import { runBaseline } from './baseline';
import { runBillingRun } from './e2e';
import { invoiceHistoryStats, runHistoryStats } from './history';
import { baselineFigures, e2eFigures, type Figures, formatReport, summariseLatencies, targetsOf } from './report';
import { seedApprovalCustomer, seedCustomers } from './seed';
import { type Cleanup, runBench, startStack } from './stack';

const HISTORY_SAMPLE = 20;

interface Options {
  customers: number;
  baseline: number;
  concurrency: number;
  approvals: number;
  keep: boolean;
  json: string | null;
  profile: string | null;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string' },
      baseline: { type: 'string' },
      concurrency: { type: 'string' },
      approvals: { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'string' },
      profile: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const count = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text.replace(/[_,]/g, ''));
    if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${text}"`);
    return value;
  };
  const customers = count('customers', values.customers, 10_000, 1);
  return {
    customers,
    baseline: count('baseline', values.baseline, Math.min(customers, 2_000), 0),
    concurrency: count('concurrency', values.concurrency, BATCH_WINDOW, 1),
    approvals: count('approvals', values.approvals, 200, 0),
    keep: values.keep,
    json: values.json ?? null,
    profile: values.profile ? path.resolve(values.profile) : null,
  };
}

const say = (line: string) => console.error(`[bench] ${line}`);

async function main(options: Options, cleanup: Cleanup, dataDir: string): Promise<Figures> {
  // Other work on the machine skews every figure: the report shows how busy it was.
  const loadAverageAtStart = os.loadavg()[0] ?? 0;
  const stack = await startStack({ dataDir, keep: options.keep, profileDir: options.profile, cleanup, say });

  // Far from any other period; the baseline's charges are a month later, so the run leaves them alone.
  const year = 2100 + Math.floor(Math.random() * 800);
  const runPeriod = `${year}-01`;
  const baselinePeriod = `${year}-02`;
  const seedStarted = Date.now();
  const run = await seedCustomers(stack.sql, { count: options.customers, period: runPeriod, label: `run-${year}` });
  const baselineCustomers = await seedCustomers(stack.sql, { count: options.baseline, period: baselinePeriod, label: `baseline-${year}` });
  const approvalCustomer = await seedApprovalCustomer(stack.sql, `${year}`);
  say(`seeded ${(options.customers + options.baseline).toLocaleString('en-US')} customers with ${(run.charges + baselineCustomers.charges).toLocaleString('en-US')} pending charges in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

  const e2e = e2eFigures(await runBillingRun(stack, { period: runPeriod, invoices: run.groups.length, say }));

  const client = stack.temporal.client;
  const sample = await stack.sql<{ id: string }[]>`
    select id
    from invoices
    where billing_run_id = ${e2e.runId}
    order by random()
    limit ${HISTORY_SAMPLE}`;
  const history = {
    invoice: await invoiceHistoryStats(client, sample.map((r) => r.id)),
    run: await runHistoryStats(client, e2e.runId, e2e.invoices),
  };

  let approvals: Figures['approvals'] = null;
  if (options.approvals > 0) {
    say(`approval round trips: creating ${options.approvals} invoices that need approval`);
    approvals = summariseLatencies(await approvalRoundTrips(stack, { count: options.approvals, customerId: approvalCustomer, say }));
  }

  let baseline: Figures['baseline'] = null;
  if (options.baseline > 0) {
    say(`baseline: ${options.baseline.toLocaleString('en-US')} invoices in-process, ${options.concurrency} batches of ${BATCH_SIZE} at once`);
    baseline = baselineFigures(await runBaseline(stack, { period: baselinePeriod, groups: baselineCustomers.groups, concurrency: options.concurrency }), e2e);
  }

  const figures: Omit<Figures, 'targets'> = {
    meta: {
      customers: options.customers,
      cores: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      loadAverageAtStart,
      node: process.version,
      date: new Date().toISOString(),
      period: runPeriod,
      dataDir: options.keep ? dataDir : null,
    },
    e2e,
    history,
    approvals,
    baseline,
  };
  return { ...figures, targets: targetsOf(figures) };
}

async function bench(): Promise<number> {
  return runBench({ name: 'bench', prefix: 'billflow-bench-', parseOptions, say }, async (options, cleanup, dataDir) => {
    const figures = await main(options, cleanup, dataDir);
    console.log(formatReport(figures));
    if (options.json) {
      await writeFile(options.json, `${JSON.stringify(figures, null, 2)}\n`);
      say(`figures written to ${options.json}`);
    }
  });
}

void bench().then((code) => process.exit(code));
