import type { Sql } from '../../src/db/client';
import { callApi, expectStatus } from './api-client';
import { type PerPart, perPart, readCpuMs, RssSampler } from './processes';
import { BENCH_KEYS, type BenchStack } from './stack';

/**
 * The measured billing run: POST /billing-runs, then wait until every invoice of the run is issued
 * and its email has reached the sink. The clock runs from the POST to the last email sent.
 */

const POLL_MS = 500;
const PROGRESS_EVERY_MS = 5_000;
const RSS_EVERY_MS = 1_000;
/** No email for this long: the run is stuck, and the bench says where. */
const STALL_AFTER_MS = 180_000;

export interface E2eResult {
  runId: string;
  invoices: number;
  seconds: number;
  invoicesPerSecond: number;
  cpuMs: PerPart;
  /** Before the run: what each process holds once started (the worker: its workflow bundle too). */
  startRssBytes: PerPart;
  peakRssBytes: PerPart;
  finalRssBytes: PerPart;
}

interface RunCounts {
  status: string | null;
  planned: number;
  failed: number;
  created: number;
  issued: number;
  sent: number;
  lastSentAt: Date | null;
}

/** What the run made so far, from PostgreSQL: the run's row and its invoices with their email. */
async function runCounts(sql: Sql, runId: string): Promise<RunCounts> {
  const [row] = await sql<RunCounts[]>`
    select r.status,
           r.planned,
           r.failed,
           count(i.id)::int as created,
           count(i.number)::int as issued,
           count(d.invoice_id)::int as sent,
           max(d.sent_at) as "lastSentAt"
    from billing_runs r
    left join invoices i
      on i.billing_run_id = r.id
    left join invoice_deliveries d
      on d.invoice_id = i.id
      and d.step = 'invoice'
      and d.status = 'sent'
    where r.id = ${runId}
    group by r.id`;
  return row ?? { status: null, planned: 0, failed: 0, created: 0, issued: 0, sent: 0, lastSentAt: null };
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const n = (value: number) => value.toLocaleString('en-US');

export async function runBillingRun(stack: BenchStack, options: { period: string; invoices: number; say: (line: string) => void }): Promise<E2eResult> {
  const { sql, sink, parts } = stack;
  const expected = options.invoices;
  const sentBefore = sink.distinct('invoice');
  const rss = new RssSampler(parts);
  rss.start(RSS_EVERY_MS);
  const startRssBytes = rss.last;
  try {
    const cpuBefore = readCpuMs(parts);
    const startedAt = Date.now();
    const started = expectStatus<{ id: string }>(
      await callApi(stack.apiUrl, 'POST', '/billing-runs', BENCH_KEYS.operator.key, { period: options.period }),
      [202],
      `POST /billing-runs ${options.period}`,
    );
    const runId = started.id;
    options.say(`run ${runId} started: ${n(expected)} invoices to make, issue and email`);

    let lastProgressAt = startedAt;
    let lastChangeAt = startedAt;
    let lastSeen = -1;
    let counts: RunCounts | null = null;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      for (const service of [stack.worker, stack.api]) {
        if (service.hasEnded()) throw new Error(`${await service.ended} during the run (log: ${service.logFile})`);
      }
      const emailed = sink.distinct('invoice') - sentBefore;
      const now = Date.now();
      if (emailed !== lastSeen) {
        lastSeen = emailed;
        lastChangeAt = now;
      }
      if (emailed >= expected) {
        counts = await runCounts(sql, runId);
        if (counts.sent >= expected) break;
      }
      if (now - lastProgressAt >= PROGRESS_EVERY_MS) {
        lastProgressAt = now;
        counts = await runCounts(sql, runId);
        const rate = counts.sent / ((now - startedAt) / 1000);
        options.say(
          `[${clock(now - startedAt)}] ${counts.status ?? '?'}  created ${n(counts.created)}/${n(expected)}  issued ${n(counts.issued)}  sent ${n(counts.sent)}` +
            `  (emails at the sink ${n(emailed)})  ${rate.toFixed(1)} invoices/s`,
        );
        if (counts.status === 'failed' || counts.status === 'cancelled' || counts.failed > 0) {
          throw new Error(`the run is ${counts.status} with ${counts.failed} customers failed: see the worker's log`);
        }
      }
      if (now - lastChangeAt > STALL_AFTER_MS) {
        const c = await runCounts(sql, runId);
        throw new Error(
          `no invoice email for ${STALL_AFTER_MS / 1000} s: run ${c.status}, planned ${c.planned}, created ${c.created}, issued ${c.issued}, sent ${c.sent} of ${expected} (logs: ${stack.worker.logFile}, ${stack.api.logFile})`,
        );
      }
    }
    const cpuAfter = readCpuMs(parts);
    const endedAt = counts.lastSentAt ? new Date(counts.lastSentAt).getTime() : Date.now();
    const seconds = (endedAt - startedAt) / 1000;
    options.say(`[${clock(endedAt - startedAt)}] all ${n(expected)} invoices issued and emailed`);
    rss.stop();
    return {
      runId,
      invoices: expected,
      seconds,
      invoicesPerSecond: expected / seconds,
      cpuMs: perPart((part) => cpuAfter[part] - cpuBefore[part]),
      startRssBytes,
      peakRssBytes: rss.peak,
      finalRssBytes: rss.last,
    };
  } finally {
    rss.stop();
  }
}
