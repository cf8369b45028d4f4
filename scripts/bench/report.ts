import type { BaselineResult } from './baseline';
import type { E2eResult } from './e2e';
import type { InvoiceHistoryStats, RunHistoryStats } from './history';
import { PARTS, type PartName, type PerPart } from './processes';

/** The benchmark's figures (also written as JSON with --json), the targets, and the printed table. */

/** The parts that are billflow's stack; the bench process (client, sink, sampler) is reported apart. */
const STACK_PARTS = ['temporal', 'worker', 'api', 'postgres'] as const satisfies readonly PartName[];

export interface Figures {
  meta: {
    customers: number;
    cores: number;
    cpuModel: string;
    /** The 1-minute load average before the stack started. */
    loadAverageAtStart: number;
    node: string;
    date: string;
    period: string;
    dataDir: string | null;
  };
  e2e: {
    runId: string;
    invoices: number;
    seconds: number;
    invoicesPerSecond: number;
    cpuMsPerInvoice: PerPart & { stack: number };
    startRssMb: PerPart;
    peakRssMb: PerPart;
    finalRssMb: PerPart;
  };
  history: { invoice: InvoiceHistoryStats; run: RunHistoryStats };
  approvals: LatencySummary | null;
  baseline:
    | (BaselineResult & {
        cpuMsPerInvoice: { bench: number; postgres: number; total: number };
        /** End-to-end throughput over the baseline's (1 = as fast). */
        e2eOverBaseline: number;
        /** The baseline's throughput over end to end (how many times slower end to end is). */
        baselineOverE2e: number;
      })
    | null;
  targets: Target[];
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Target {
  what: string;
  value: number | null;
  unit: string;
  met: boolean | null;
}

const MB = 1024 * 1024;

/** Nearest-rank percentile. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

export function summariseLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: sorted.length,
    meanMs: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export function e2eFigures(result: E2eResult): Figures['e2e'] {
  const perInvoice = (ms: number) => ms / result.invoices;
  const cpu = Object.fromEntries(PARTS.map((part) => [part, perInvoice(result.cpuMs[part])])) as PerPart;
  const toMb = (bytes: PerPart) => Object.fromEntries(PARTS.map((part) => [part, bytes[part] / MB])) as PerPart;
  return {
    runId: result.runId,
    invoices: result.invoices,
    seconds: result.seconds,
    invoicesPerSecond: result.invoicesPerSecond,
    cpuMsPerInvoice: { ...cpu, stack: STACK_PARTS.reduce((sum, part) => sum + cpu[part], 0) },
    startRssMb: toMb(result.startRssBytes),
    peakRssMb: toMb(result.peakRssBytes),
    finalRssMb: toMb(result.finalRssBytes),
  };
}

export function baselineFigures(result: BaselineResult, e2e: Figures['e2e']): NonNullable<Figures['baseline']> {
  const bench = result.cpuMs.bench / result.invoices;
  const postgres = result.cpuMs.postgres / result.invoices;
  return {
    ...result,
    cpuMsPerInvoice: { bench, postgres, total: bench + postgres },
    e2eOverBaseline: e2e.invoicesPerSecond / result.invoicesPerSecond,
    baselineOverE2e: result.invoicesPerSecond / e2e.invoicesPerSecond,
  };
}

export function targetsOf(f: Omit<Figures, 'targets'>): Target[] {
  const atLeast = (what: string, value: number | null, unit: string, min: number): Target => ({ what, value, unit, met: value === null ? null : value >= min });
  const atMost = (what: string, value: number | null, unit: string, max: number): Target => ({ what, value, unit, met: value === null ? null : value <= max });
  return [
    atLeast('>= 50 invoices/s end to end', f.e2e.invoicesPerSecond, 'invoices/s', 50),
    atMost('<= 20 ms CPU per invoice, whole stack', f.e2e.cpuMsPerInvoice.stack, 'ms', 20),
    atMost('<= 12 history events per invoice up to open', f.history.invoice.mean, 'events', 12),
    atMost('end to end within 2x of the baseline', f.baseline?.baselineOverE2e ?? null, 'x', 2),
    atMost('worker peak RSS <= 500 MB', f.e2e.peakRssMb.worker, 'MB', 500),
    atMost('approve p99 <= 50 ms', f.approvals?.p99Ms ?? null, 'ms', 50),
  ];
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const row = (label: string, cells: string) => `${label.padEnd(21)}${cells}`;
const parts = (values: PerPart, names: readonly PartName[], digits: number) => names.map((part) => `${part} ${n(values[part], digits)}`).join('  ');

export function formatReport(f: Figures): string {
  const { meta, e2e, history, baseline, approvals } = f;
  const lines = [
    `billflow bench — ${n(meta.customers)} customers, ${meta.cores} cores (${meta.cpuModel}, load ${n(meta.loadAverageAtStart, 2)} before start), Node ${meta.node}, ${meta.date}`,
    row('end to end', `${n(e2e.invoices)} invoices in ${n(e2e.seconds, 1)} s = ${n(e2e.invoicesPerSecond, 1)} invoices/s  (run ${e2e.runId})`),
    row('CPU ms per invoice', `${parts(e2e.cpuMsPerInvoice, STACK_PARTS, 1)}  stack ${n(e2e.cpuMsPerInvoice.stack, 1)}   (bench+sink ${n(e2e.cpuMsPerInvoice.bench, 1)}, not in stack)`),
    row('RSS MB before run', `${parts(e2e.startRssMb, STACK_PARTS, 0)}  bench+sink ${n(e2e.startRssMb.bench, 0)}`),
    row('peak RSS MB', `${parts(e2e.peakRssMb, STACK_PARTS, 0)}  bench+sink ${n(e2e.peakRssMb.bench, 0)}`),
    row('final RSS MB', `${parts(e2e.finalRssMb, STACK_PARTS, 0)}  bench+sink ${n(e2e.finalRssMb.bench, 0)}`),
    `history events per invoice up to open: ${n(history.invoice.mean, 1)} (min ${history.invoice.min}, max ${history.invoice.max}, ${history.invoice.sampled} sampled` +
      `${history.invoice.withoutTimer > 0 ? `, ${history.invoice.withoutTimer} without a timer yet: counted whole` : ''})`,
    `  ${history.invoice.breakdown.invoiceId}: ${history.invoice.breakdown.events.map((e) => `${e.type} ${e.count}`).join(', ')}`,
    `billing run history events per invoice: ${n(history.run.perInvoice, 2)} (${n(history.run.events)} events in ${history.run.executions} executions)`,
    baseline
      ? `baseline (in-process, ${baseline.concurrency} batches at once): ${n(baseline.invoices)} invoices in ${n(baseline.seconds, 1)} s = ${n(baseline.invoicesPerSecond, 1)} invoices/s; ` +
        `CPU ms per invoice bench+sink ${n(baseline.cpuMsPerInvoice.bench, 1)} postgres ${n(baseline.cpuMsPerInvoice.postgres, 1)} = ${n(baseline.cpuMsPerInvoice.total, 1)}; ` +
        `e2e/baseline = ${n(baseline.e2eOverBaseline, 2)} (${n(baseline.baselineOverE2e, 1)}× slower)`
      : 'baseline: skipped (--baseline 0)',
    approvals
      ? `approve round trip (${approvals.count}, one at a time): p50 ${n(approvals.p50Ms, 1)}  p95 ${n(approvals.p95Ms, 1)}  p99 ${n(approvals.p99Ms, 1)}  max ${n(approvals.maxMs, 1)} ms (mean ${n(approvals.meanMs, 1)})`
      : 'approve round trip: skipped (--approvals 0)',
    'targets:',
    ...f.targets.map((t) => `  ${t.what.padEnd(46)}${(t.value === null ? '-' : `${n(t.value, 1)} ${t.unit}`).padStart(16)}   ${t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET'}`),
  ];
  if (meta.dataDir) lines.push(`data kept in ${meta.dataDir}`);
  return lines.join('\n');
}
