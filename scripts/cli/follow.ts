import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiClient, ApiError, type RunReport, UnreachableError } from './api-client';
import { type ProgressView, rateMeter } from './progress';

/**
 * A run ends when its invoices are created; issuing and sending each one goes on in the invoice's
 * own workflow. So after the end the counts are followed until they stop moving for this long (or
 * every invoice is sent), at most SETTLE_MAX_MS: an invoice waiting for an approver may wait days.
 */
const SETTLE_QUIET_MS = 5_000;
const SETTLE_MAX_MS = 60_000;

/** Consecutive failed polls (api away, 502/503/504) tolerated before giving up: about half a minute at 1 s. */
const MAX_TRANSIENT_FAILURES = 30;

export type FollowOutcome = { kind: 'ended'; run: RunReport; followedMs: number } | { kind: 'interrupted'; run: RunReport | null };

/**
 * Polls the run until it is no longer running, or until `signal` aborts (Ctrl-C): stopping to
 * follow never cancels the run. A brief outage of the api is waited out; any other refusal ends
 * the follow with its ApiError.
 */
export async function followRun({ api, runId, intervalMs, view, signal }: { api: ApiClient; runId: string; intervalMs: number; view: ProgressView; signal: AbortSignal }): Promise<FollowOutcome> {
  const started = Date.now();
  const rate = rateMeter();
  let run: RunReport | null = null;
  let failures = 0;
  let endedAt: number | null = null;
  let quietSince = 0;
  let lastCounts = '';
  while (!signal.aborted) {
    try {
      run = await api.getRun(runId);
      failures = 0;
      view.update(run, rate(run.counts.created));
      const counts = JSON.stringify(run.counts);
      if (counts !== lastCounts) quietSince = Date.now();
      lastCounts = counts;
      if (run.status !== 'running') {
        const c = run.counts;
        const settled = run.dryRun || c.sent >= c.created || Date.now() - quietSince >= SETTLE_QUIET_MS || (endedAt !== null && Date.now() - endedAt >= SETTLE_MAX_MS);
        if (settled) return { kind: 'ended', run, followedMs: Date.now() - started };
        if (endedAt === null) {
          endedAt = Date.now();
          view.note(`Run ${run.status}: ${c.created - c.sent} of ${c.created} invoices not sent yet; following them a little longer (Ctrl-C stops following)`);
        }
      }
    } catch (error) {
      const transient = (error instanceof ApiError && error.transient) || error instanceof UnreachableError;
      if (!transient || ++failures > MAX_TRANSIENT_FAILURES) throw error;
      if (failures === 1) view.note(`${(error as Error).message}; asking again every ${intervalMs / 1000} s`);
    }
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      break;
    }
  }
  return { kind: 'interrupted', run };
}
