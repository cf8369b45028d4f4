/**
 * `npm run bench:reconcile`: bank reconciliation on the local stack with durable settings (as
 * `npm run bench` starts it), in its two phases, measured apart because they cost very different
 * things:
 *
 * 1. Matching: statements of 10,000, 30,000 and 100,000 lines against 100,000 open invoices (seeded straight
 *    into PostgreSQL, not measured). The bench stores each statement as the api does
 *    (insertStatement) and matches it batch by batch with the code the workflow's activity runs
 *    (matchLines + recordLineOutcomes over MATCH_BATCH positions): lines per second, the bench
 *    process's RSS, and how matching time grows from the small size to the large one. These
 *    invoices have no running workflows, so their payments are not applied (phase 2 measures that).
 * 2. Applying: a statement of --apply lines through the real api and worker, against as many open
 *    invoices imported through POST /imports/invoices (each with its running workflow): the time to
 *    the upload's answer (matching in the workflow) and then until every payment is recorded, each
 *    through its invoice's workflow (an Update, the invoice's own activity, its answer).
 *
 *   npm run bench:reconcile                          # 10,000, 30,000 and 100,000 lines matched; 2,000 applied
 *   npm run bench:reconcile -- --lines 10000 --invoices 20000 --apply 500
 *
 * --lines N,M     statement sizes for matching (default 10000,30000,100000; each at most --invoices)
 * --invoices N    open invoices seeded for matching (default 100000)
 * --apply N       lines applied through the invoices' workflows (default 2000; 0 skips)
 * --keep          keep the data dir and print where it is
 *
 * Of each matching statement, 80 % of the lines name an invoice number (every tenth of those two
 * invoices), 10 % name none but come from a customer with one open invoice of that amount, 5 % are
 * unmatched and 5 % are money out: every rule and the unmatched lines' candidate lookups run.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { insertStatement, linesInRange, recordLineOutcomes, refreshPayerKeys } from '../../src/db/bank-statements';
import type { Sql } from '../../src/db/client';
import { payerKey } from '../../src/domain/payment-matching';
import { newId } from '../../src/ids';
import { identifyLines, matchLines, parseStatement } from '../../src/services/bank-statements';
import { MATCH_BATCH } from '../../workflows/reconciliation/workflow';
import { RssSampler } from './processes';
import { type Cleanup, postFile, runBench, startStack, writeLines } from './stack';

const say = (line: string) => console.error(`[bench:reconcile] ${line}`);

interface Options {
  lines: number[];
  invoices: number;
  apply: number;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { lines: { type: 'string' }, invoices: { type: 'string' }, apply: { type: 'string' }, keep: { type: 'boolean', default: false } },
    strict: true,
  });
  const number = (name: string, text: string | undefined, fallback: number) => {
    const value = text === undefined ? fallback : Number(text.replace(/_/g, ''));
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, not "${text}"`);
    return value;
  };
  const invoices = number('invoices', values.invoices, 100_000);
  const lines = (values.lines ?? '10000,30000,100000').split(',').map((t) => number('lines', t, 0)).filter((n) => n > 0);
  if (lines.some((n) => n > invoices)) throw new Error('--lines may not exceed --invoices: each line is meant for an invoice of its own');
  return { lines, invoices, apply: number('apply', values.apply, 2_000), keep: values.keep };
}

const SEED_ROWS = 2_000;

/** `count` customers, each with one open invoice BNK-<label>-<i> of 100.00 + i cents, issued in order. */
async function seedInvoices(sql: Sql, label: string, count: number): Promise<void> {
  const now = new Date();
  const due = new Date(now.getTime() + 30 * 86_400_000).toISOString();
  for (let from = 0; from < count; from += SEED_ROWS) {
    const customers: Record<string, unknown>[] = [];
    const invoices: Record<string, unknown>[] = [];
    for (let i = from; i < Math.min(count, from + SEED_ROWS); i++) {
      const customerId = `cus_${label}_${i}`;
      customers.push({ id: customerId, name: `Payer ${label} ${i} GmbH`, email: `p${i}@${label}.bench.test`, currency: 'EUR', locale: 'en', payment_terms_days: 30, approval: 'policy', created_by: 'bench', created_at: now });
      const total = 10_000 + i;
      const issued = new Date(now.getTime() - (count - i) * 1000).toISOString();
      invoices.push({
        id: `inv_${label}_${i}`, customer_id: customerId, number: `BNK-${label}-${i}`, status: 'open', currency: 'EUR', prices_include_tax: false,
        subtotal_minor: total, tax_minor: 0, total_minor: total, due_at: due, payment_terms_days: 30, approval: 'policy',
        created_by: 'bench', created_at: issued, issued_at: issued, updated_at: issued,
      });
    }
    await sql`insert into customers ${sql(customers)}`;
    await sql`insert into invoices ${sql(invoices)}`;
  }
}

/** The statement's CSV: the mix of lines described at the top. */
function statementLine(label: string, i: number, date: string): string {
  const amount = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
  const due = 10_000 + i;
  switch (i % 20) {
    case 0:
    case 1:
      return `${date},${amount(due)},EUR,Payment ${i},Payer ${label} ${i} Gmbh`;
    case 2:
      return `${date},77.${String(i % 100).padStart(2, '0')},EUR,unknown ${i},Somebody ${i}`;
    case 3:
      return `${date},-12.00,EUR,Fees ${i},`;
    case 4:
      // Two invoices named: pays this one and the next one's 100.00 (the rest over-pays the last).
      return `${date},${amount(due + 10_000)},EUR,BNK-${label}-${i} BNK-${label}-${i + 1},Payer ${label} ${i} GmbH`;
    default:
      return `${date},${amount(due)},EUR,Invoice BNK-${label}-${i},Payer ${label} ${i} GmbH`;
  }
}

interface Matched {
  lines: number;
  parseSeconds: number;
  storeSeconds: number;
  /** Bringing the customers' payer keys up to date (all 100,000 before the first statement). */
  refreshSeconds: number;
  matchSeconds: number;
  rssPeakMb: number;
  counts: Record<string, number>;
}

/** Stores and matches a statement of `lines` lines in the bench process, as the api and the workflow's activities do. */
async function matchInProcess(sql: Sql, label: string, lines: number, date: string, parts: ConstructorParameters<typeof RssSampler>[0]): Promise<Matched> {
  const rss = new RssSampler(parts);
  rss.start(100);
  const text = ['date,amount,currency,reference,payer', ...Array.from({ length: lines }, (_, i) => statementLine(label, i, date))].join('\n');
  let t = process.hrtime.bigint();
  const seconds = () => {
    const now = process.hrtime.bigint();
    const elapsed = Number(now - t) / 1e9;
    t = now;
    return elapsed;
  };
  const parsed = identifyLines(parseStatement('csv', text));
  const parseSeconds = seconds();
  const id = newId('bst');
  await insertStatement(sql, { id, format: 'csv', uploadedBy: 'bench', uploadedAt: new Date().toISOString() }, parsed);
  const storeSeconds = seconds();
  // The payer keys of customers added or renamed since the last statement (all of them, the first
  // time): the workflow's first activity, timed apart so that matching times compare like with like.
  while ((await refreshPayerKeys(sql, payerKey, 5_000)) > 0);
  const refreshSeconds = seconds();
  for (let after = 0; after < lines; after += MATCH_BATCH) {
    const batch = await linesInRange(sql, id, after, Math.min(lines, after + MATCH_BATCH));
    await recordLineOutcomes(sql, await matchLines(sql, batch));
  }
  const matchSeconds = seconds();
  rss.stop();
  const rows = await sql<{ status: string; n: number }[]>`select status, count(*)::int as n from bank_statement_lines where statement_id = ${id} group by status`;
  const counts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  // Nothing is applied in this phase: the next statement meets the same invoices, not the payments
  // this one allocated to them (pending allocations lower what a later line may allocate).
  await sql`update bank_line_allocations set status = 'refused', outcome = 'bench: not applied' where status = 'pending'`;
  say(`matched ${lines.toLocaleString('en-US')} lines: parse ${parseSeconds.toFixed(1)} s, store ${storeSeconds.toFixed(1)} s, payer keys ${refreshSeconds.toFixed(1)} s, match ${matchSeconds.toFixed(1)} s (${Math.round(lines / matchSeconds)} lines/s) ${JSON.stringify(counts)}`);
  return { lines, parseSeconds, storeSeconds, refreshSeconds, matchSeconds, rssPeakMb: rss.peak.bench / 1_048_576, counts };
}

interface Applied {
  lines: number;
  uploadSeconds: number;
  applySeconds: number;
  report: Record<string, unknown>;
  rssPeakMb: { worker: number; api: number };
}

/** A statement of `count` lines through the api and the worker, against invoices imported with running workflows. */
async function applyThroughWorkflows(stack: Awaited<ReturnType<typeof startStack>>, dataDir: string, count: number): Promise<Applied> {
  const label = 'apply';
  const customers = path.join(dataDir, 'apply-customers.csv');
  const invoices = path.join(dataDir, 'apply-invoices.csv');
  const statement = path.join(dataDir, 'apply-statement.csv');
  const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await writeLines(customers, ['externalId,name,email,currency,paymentTermsDays,taxRateBps,locale,approval', ...Array.from({ length: count }, (_, i) => `${label}-c${i},Applied ${i} Ltd,a${i}@apply.bench.test,EUR,30,0,en,policy`)]);
  await writeLines(invoices, ['externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description', ...Array.from({ length: count }, (_, i) => `${label}-i${i},${label}-c${i},APL-${i},2026-01-15,${due},EUR,${100 + i}.00,0,Services`)]);
  await writeLines(statement, ['date,amount,currency,reference,payer', ...Array.from({ length: count }, (_, i) => `2026-02-01,${100 + i}.00,EUR,APL-${i},Applied ${i} Ltd`)]);
  say(`importing ${count} customers and open invoices (their workflows start): not measured`);
  for (const [route, file] of [['/imports/customers', customers], ['/imports/invoices', invoices]] as const) {
    const answer = await postFile(`${stack.apiUrl}${route}`, 'text/csv', file);
    if (answer.status !== 200 || answer.body.rejectedRows !== 0) throw new Error(`${route}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
  const rss = new RssSampler(stack.parts);
  rss.start(100);
  const started = process.hrtime.bigint();
  const answer = await postFile(`${stack.apiUrl}/bank-statements`, 'text/csv', statement);
  const uploadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (answer.status !== 200) throw new Error(`POST /bank-statements: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  say(`uploaded ${count} lines: answered in ${uploadSeconds.toFixed(1)} s ${JSON.stringify(answer.body)}; applying`);
  for (;;) {
    const [row] = await stack.sql<{ status: string }[]>`select status from bank_statements where id = ${answer.body.id as string}`;
    if (row?.status === 'done') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const applySeconds = Number(process.hrtime.bigint() - started) / 1e9 - uploadSeconds;
  rss.stop();
  const [paid] = await stack.sql<{ n: number }[]>`select count(*)::int as n from invoices where number like 'APL-%' and status = 'paid'`;
  say(`applied: ${applySeconds.toFixed(1)} s after the answer (${Math.round(count / applySeconds)} payments/s), ${paid?.n ?? 0} invoices paid`);
  return { lines: count, uploadSeconds, applySeconds, report: { ...answer.body, invoicesPaid: paid?.n ?? 0 }, rssPeakMb: { worker: rss.peak.worker / 1_048_576, api: rss.peak.api / 1_048_576 } };
}

async function bench(): Promise<number> {
  return runBench({ name: 'bench:reconcile', prefix: 'billflow-bench-reconcile-', parseOptions, say }, async (options: Options, cleanup: Cleanup, dataDir: string) => {
    const stack = await startStack({ dataDir, keep: options.keep, profileDir: null, cleanup, say });
    const seeded = Date.now();
    const sizes = options.lines;
    // One book: every statement meets the same open invoices (this phase applies no payment).
    await seedInvoices(stack.sql, 'm', options.invoices + 1);
    await stack.sql`analyze`;
    say(`seeded ${options.invoices.toLocaleString('en-US')} open invoices in ${((Date.now() - seeded) / 1000).toFixed(0)} s (not measured)`);
    const matched: Matched[] = [];
    // A booking date per statement: the same lines on another day are other lines, not duplicates.
    for (const [n, lines] of sizes.entries()) matched.push(await matchInProcess(stack.sql, 'm', lines, `2026-02-${String(n + 1).padStart(2, '0')}`, stack.parts));
    const applied = options.apply > 0 ? await applyThroughWorkflows(stack, dataDir, options.apply) : null;

    console.log(`Bank reconciliation on ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}, load ${os.loadavg()[0]?.toFixed(2)}\n`);
    console.log('| phase | lines | invoices open | parse s | store s | payer keys s | match s | match lines/s | bench RSS peak MB | outcome |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const m of matched) {
      console.log(`| matching | ${m.lines.toLocaleString('en-US')} | ${options.invoices.toLocaleString('en-US')} | ${m.parseSeconds.toFixed(1)} | ${m.storeSeconds.toFixed(1)} | ${m.refreshSeconds.toFixed(1)} | ${m.matchSeconds.toFixed(1)} | ${Math.round(m.lines / m.matchSeconds).toLocaleString('en-US')} | ${m.rssPeakMb.toFixed(0)} | ${JSON.stringify(m.counts)} |`);
    }
    const [small, large] = [matched[0], matched[matched.length - 1]];
    if (small && large && large !== small) {
      for (const m of matched.slice(1)) {
        console.log(`\nmatching time ${m.lines.toLocaleString('en-US')} vs ${small.lines.toLocaleString('en-US')} lines: ×${(m.matchSeconds / small.matchSeconds).toFixed(1)} for ×${(m.lines / small.lines).toFixed(0)} the lines`);
      }
      const total = large.parseSeconds + large.storeSeconds + large.refreshSeconds + large.matchSeconds;
      console.log(`${large.lines.toLocaleString('en-US')} lines parsed, stored and matched in ${total.toFixed(1)} s`);
    }
    if (applied) {
      console.log(
        `\napplying through the invoices' workflows: ${applied.lines.toLocaleString('en-US')} lines, upload answered (matched) in ${applied.uploadSeconds.toFixed(1)} s, ` +
          `payments recorded ${applied.applySeconds.toFixed(1)} s later: ${Math.round(applied.lines / applied.applySeconds).toLocaleString('en-US')} payments/s ` +
          `(worker RSS peak ${applied.rssPeakMb.worker.toFixed(0)} MB, api ${applied.rssPeakMb.api.toFixed(0)} MB) ${JSON.stringify(applied.report)}`,
      );
      console.log(`at that rate 100,000 payments take about ${Math.round(100_000 / (applied.lines / applied.applySeconds) / 60)} minutes`);
    }
  });
}

void bench().then((code) => process.exit(code));
