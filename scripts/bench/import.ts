/**
 * `npm run bench:import`: CSV imports through the real api on the local stack with durable settings
 * (as `npm run bench` starts it: Temporal's dev server on SQLite, PostgreSQL with fsync, the worker
 * and the api as their own processes), and what they cost: rows per second from the first byte sent
 * to the report, and the api process's resident memory, before and at its peak during each import.
 * The same work at two sizes shows whether memory stays flat: the file is streamed and written a
 * chunk at a time, so 100,000 rows should need no more than 10,000.
 *
 * The api runs with a heap of --api-heap MB (V8's --max-old-space-size, given through NODE_OPTIONS;
 * the worker's own flag wins for the worker). Without a cap V8 lets garbage pile up while there is
 * room and collects it later, so a peak RSS measures V8's appetite more than what the import holds
 * (an uncapped run: 196 MB after 10,000 customers, 283 MB after 100,000, 202 MB again before the
 * next import). Under a cap, an import that held rows in memory would run out of heap.
 *
 *   npm run bench:import                                  # customers 10,000 and 100,000; invoices 1,000 and 10,000
 *   npm run bench:import -- --customers 10000,100000,300000 --invoices 0
 *
 * --customers N,M   sizes of the customer files (default 10000,100000)
 * --invoices N,M    sizes of the open-invoice files, against the customers imported first (default 1000,10000; 0 skips)
 * --api-heap MB     the api's heap limit (default 128; 0: V8's own)
 * --keep            keep the data dir (databases, logs, the CSV files) and print where it is
 *
 * Linux only (it reads /proc). Every process it starts is stopped at the end, on errors and on Ctrl-C.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RssSampler } from './processes';
import { type Cleanup, postFile, runBench, startStack, writeLines } from './stack';

const say = (line: string) => console.error(`[bench:import] ${line}`);

interface Options {
  customers: number[];
  invoices: number[];
  apiHeapMb: number;
  keep: boolean;
}

interface Measured {
  kind: 'customers' | 'invoices';
  rows: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  report: { status: string; imported: number; updated: number; unchanged: number; rejectedRows: number };
}

function sizes(name: string, text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const values = text.split(',').map((t) => Number(t.replace(/_/g, '')));
  if (values.some((v) => !Number.isSafeInteger(v) || v < 0)) throw new Error(`--${name} must be whole numbers separated by commas, not "${text}"`);
  return values.filter((v) => v > 0);
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { customers: { type: 'string' }, invoices: { type: 'string' }, 'api-heap': { type: 'string' }, keep: { type: 'boolean', default: false } },
    strict: true,
  });
  const apiHeapMb = Number(values['api-heap'] ?? 128);
  if (!Number.isSafeInteger(apiHeapMb) || apiHeapMb < 0) throw new Error(`--api-heap must be a whole number of MB, not "${values['api-heap']}"`);
  return { customers: sizes('customers', values.customers, [10_000, 100_000]), invoices: sizes('invoices', values.invoices, [1_000, 10_000]), apiHeapMb, keep: values.keep };
}

/** Writes `rows` lines through a stream, waiting when it is full: the bench holds no file in memory either. */
function writeCsv(file: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  return writeLines(file, (function* () {
    yield header;
    for (let i = 0; i < rows; i++) yield line(i);
  })());
}

/** POSTs the file as a stream and answers the report. */
const upload = (apiUrl: string, kind: string, file: string) => postFile(`${apiUrl}/imports/${kind}`, 'text/csv', file);

async function measure(kind: Measured['kind'], rows: number, file: string, apiUrl: string, sampler: () => RssSampler): Promise<Measured> {
  const rss = sampler();
  rss.sample();
  const rssBefore = rss.last.api;
  rss.start(100);
  const started = process.hrtime.bigint();
  const answer = await upload(apiUrl, kind, file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rss.stop();
  if (answer.status !== 200) throw new Error(`importing ${kind}: the api answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  const report = answer.body as unknown as Measured['report'];
  const measured: Measured = {
    kind,
    rows,
    megabytes: (await stat(file)).size / 1_048_576,
    seconds,
    rowsPerSecond: rows / seconds,
    rssBeforeMb: rssBefore / 1_048_576,
    rssPeakMb: rss.peak.api / 1_048_576,
    report: { status: report.status, imported: report.imported, updated: report.updated, unchanged: report.unchanged, rejectedRows: report.rejectedRows },
  };
  say(`${kind} ${rows.toLocaleString('en-US')}: ${seconds.toFixed(1)} s, ${Math.round(measured.rowsPerSecond)} rows/s, api RSS ${measured.rssBeforeMb.toFixed(0)} → peak ${measured.rssPeakMb.toFixed(0)} MB`);
  return measured;
}

function table(results: Measured[]): string {
  const head = ['import', 'rows', 'file MB', 'seconds', 'rows/s', 'api RSS before MB', 'api RSS peak MB', 'imported', 'unchanged', 'rejected'];
  const body = results.map((r) => [
    r.kind,
    r.rows.toLocaleString('en-US'),
    r.megabytes.toFixed(1),
    r.seconds.toFixed(1),
    Math.round(r.rowsPerSecond).toLocaleString('en-US'),
    r.rssBeforeMb.toFixed(0),
    r.rssPeakMb.toFixed(0),
    r.report.imported.toLocaleString('en-US'),
    r.report.unchanged.toLocaleString('en-US'),
    r.report.rejectedRows.toLocaleString('en-US'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(options: Options, cleanup: Cleanup, dataDir: string): Promise<Measured[]> {
  // The stack's processes inherit the environment: the api takes the cap; the worker's own flag wins over it.
  if (options.apiHeapMb > 0) process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--max-old-space-size=${options.apiHeapMb}`].filter(Boolean).join(' ');
  const stack = await startStack({ dataDir, keep: options.keep, profileDir: null, cleanup, say });
  const sampler = () => new RssSampler(stack.parts);
  const results: Measured[] = [];
  // Each size its own keys, so each import writes every row (a second import of a file changes nothing).
  for (const [n, rows] of options.customers.entries()) {
    const file = path.join(dataDir, `customers-${rows}.csv`);
    await writeCsv(file, 'externalId,name,email,currency,paymentTermsDays,taxRateBps,locale,approval', rows, (i) =>
      `c${n}-${i},"Customer ${n}-${i}, Ltd",ap${i}@c${n}.bench.test,EUR,30,1900,en,policy`,
    );
    results.push(await measure('customers', rows, file, stack.apiUrl, sampler));
  }
  const customers = options.customers[0] ?? 0;
  const dueAt = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  for (const [n, rows] of options.invoices.entries()) {
    if (customers === 0) break;
    const file = path.join(dataDir, `invoices-${rows}.csv`);
    // Due in 30 days: the workflows start and wait for the due date, as an imported book of open invoices does.
    await writeCsv(file, 'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description', rows, (i) =>
      `i${n}-${i},c0-${i % customers},OLD-${n}-${i},2026-01-15,${dueAt},EUR,1190.00,${i % 3 === 0 ? '100.00' : '0'},Services`,
    );
    results.push(await measure('invoices', rows, file, stack.apiUrl, sampler));
  }
  return results;
}

async function bench(): Promise<number> {
  return runBench({ name: 'bench:import', prefix: 'billflow-bench-import-', parseOptions, say }, async (options, cleanup, dataDir) => {
    const results = await main(options, cleanup, dataDir);
    const heap = options.apiHeapMb > 0 ? `api heap capped at ${options.apiHeapMb} MB` : 'api heap uncapped';
    console.log(`CSV imports on ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}, ${heap}, load ${os.loadavg()[0]?.toFixed(2)}\n`);
    console.log(table(results));
  });
}

void bench().then((code) => process.exit(code));
