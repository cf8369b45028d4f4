import { formatMoney } from '../../src/domain/money';
import type { RunReport } from './api-client';

/** Where progress goes: a redrawn bar on a terminal, a line per change every few seconds elsewhere (CI, pipes). */
export interface ProgressView {
  update(run: RunReport, invoicesPerSecond: number | null): void;
  note(text: string): void;
  /** Leaves the bar's line (if any) so that what follows starts on a line of its own. */
  close(): void;
}

const BAR_WIDTH = 24;

export function countsLine(run: RunReport): string {
  const c = run.counts;
  return `created ${c.created}/${c.planned}  issued ${c.issued}  sent ${c.sent}  failed ${c.failed}`;
}

function rateText(invoicesPerSecond: number | null): string {
  return invoicesPerSecond === null ? '- invoices/s' : `${invoicesPerSecond.toFixed(1)} invoices/s`;
}

export function ttyProgress(out: NodeJS.WritableStream): ProgressView {
  let drawn = false;
  return {
    update(run, rate) {
      const c = run.counts;
      const done = c.planned === 0 ? 0 : Math.min(1, (c.created + c.failed) / c.planned);
      const filled = Math.round(done * BAR_WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
      // \r back to the line's start, \x1b[K clears what a longer line left behind.
      out.write(`\r[${bar}] ${String(Math.round(done * 100)).padStart(3)}%  ${countsLine(run)}  ${rateText(rate)}\x1b[K`);
      drawn = true;
    },
    note(text) {
      this.close();
      out.write(`${text}\n`);
    },
    close() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

export function lineProgress(out: NodeJS.WritableStream, { everyMs, now = Date.now }: { everyMs: number; now?: () => number }): ProgressView {
  let last = '';
  let lastAt = -Infinity;
  const started = now();
  return {
    update(run, rate) {
      const line = `${run.status}  ${countsLine(run)}`;
      // A change of status (the run's end) is printed at once; counts at most every `everyMs`.
      const statusChanged = !last.startsWith(`${run.status} `);
      if (line === last || (!statusChanged && now() - lastAt < everyMs)) return;
      last = line;
      lastAt = now();
      out.write(`[${clock(now() - started)}] ${line}  ${rateText(rate)}\n`);
    },
    note(text) {
      out.write(`${text}\n`);
    },
    close() {},
  };
}

/** Invoices created per second over the last few polls, so a stall shows as a falling rate. */
export function rateMeter(windowMs = 10_000, now = Date.now) {
  const samples: { at: number; created: number }[] = [];
  return (created: number): number | null => {
    const at = now();
    samples.push({ at, created });
    while (samples.length > 2 && at - (samples[0]?.at ?? at) > windowMs) samples.shift();
    const first = samples[0];
    if (!first || at - first.at < 500) return null;
    return ((created - first.created) * 1000) / (at - first.at);
  };
}

/** "1:05", "1:02:03": minutes and seconds, hours when there are any. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const mmss = `${h > 0 ? String(m).padStart(2, '0') : m}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/**
 * The lines printed when a run has ended: totals per currency, then one summary line (last, so a
 * script can take the output's last line). The elapsed time is the api's (startedAt to finishedAt),
 * not this process's, which may have joined late.
 */
export function summaryLines(run: RunReport, fallbackElapsedMs: number): string[] {
  const finished = run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : NaN;
  const elapsedMs = Number.isFinite(finished) && finished >= 0 ? finished : fallbackElapsedMs;
  const rate = elapsedMs > 0 ? (run.counts.created * 1000) / elapsedMs : null;
  const totals = run.totals.length === 0 ? 'none' : run.totals.map((t) => formatMoney({ amountMinor: t.totalMinor, currency: t.currency })).join(', ');
  const c = run.counts;
  const unsent = run.dryRun ? 0 : c.created - c.sent;
  return [
    `Totals: ${totals}`,
    ...(unsent > 0 ? [`Not sent yet: ${unsent} (waiting for an approver, or still on their way; GET /billing-runs/${run.id}/invoices lists them)`] : []),
    `${run.dryRun ? 'Dry run' : 'Run'} ${run.id} ${run.status} in ${clock(elapsedMs)}: planned ${c.planned}, created ${c.created}, issued ${c.issued}, sent ${c.sent}, failed ${c.failed} (${rateText(rate)})`,
  ];
}
