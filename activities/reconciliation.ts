import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  allocationsOf,
  lastSeqOf,
  linesInRange,
  recordLineOutcomes,
  recordStatementDone,
  recordStatementMatched,
  refreshPayerKeys,
} from '../src/db/bank-statements';
import type { Sql } from '../src/db/client';
import { payerKey } from '../src/domain/payment-matching';
import { applyLines, claimLineForMatch, matchLines } from '../src/services/bank-statements';
import type { InvoiceService } from '../src/services/invoices';
import type { BankLineMatchInput, LinePayment, StatementCounts } from '../workflows/reconciliation/messages';
import { failPermanentlyOnBadData } from './database-failures';

export interface ReconciliationDeps {
  sql: Sql;
  /**
   * Payments reach an invoice only through its workflow: the worker's InvoiceService. Absent where
   * activities run without Temporal (the billing bench's baseline): applying then fails for good.
   */
  invoices?: Pick<InvoiceService, 'recordPayment'>;
}

/** Customers' payer keys refreshed per call, and invoice payments in flight per activity. */
const PAYER_KEYS_PER_PASS = 5_000;
const PAYMENTS_AT_ONCE = 16;

/** Reports liveness when running as an activity (a long batch of payments); a no-op outside one. */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Called outside an activity (the bench, a test): nothing to report to.
  }
}

/**
 * `invoices`, its calls given up when the activity is cancelled (a worker shutting down cancels its
 * activities at once). A payment waits for its invoice's workflow, which a draining worker no
 * longer runs: without this the shutdown would wait for it forever. A payment given up may still
 * be recorded; the retry on the next worker finds it by its reference.
 */
function givenUpOnCancel(invoices: Pick<InvoiceService, 'recordPayment'>): Pick<InvoiceService, 'recordPayment'> {
  let cancelled: Promise<never>;
  try {
    cancelled = Context.current().cancelled;
  } catch {
    return invoices;
  }
  cancelled.catch(() => undefined);
  return { recordPayment: (id, payment) => Promise.race([invoices.recordPayment(id, payment), cancelled]) };
}

/**
 * The reconciliation's steps. Each is idempotent: lines move only from the status they leave,
 * allocations are keyed by line and invoice, and payments by the reference `bank:<lineId>` on
 * each invoice.
 */
export function createReconciliationActivities({ sql, invoices: given }: ReconciliationDeps) {
  const invoices: Pick<InvoiceService, 'recordPayment'> = given ?? {
    recordPayment: () => Promise.reject(ApplicationFailure.nonRetryable('this worker has no invoice service to record bank payments with', 'internal')),
  };
  return failPermanentlyOnBadData({
    /** Brings customers' payer keys up to date and answers the statement's last line position. */
    async prepareStatementMatching(args: { statementId: string }): Promise<{ lastSeq: number }> {
      while ((await refreshPayerKeys(sql, payerKey, PAYER_KEYS_PER_PASS)) > 0) heartbeat();
      return { lastSeq: await lastSeqOf(sql, args.statementId) };
    },

    /** Matches the statement's lines in (after, upTo] and stores each decision; answers the batch's counts as stored. */
    async matchBankLines(args: { statementId: string; after: number; upTo: number }): Promise<StatementCounts> {
      const lines = await linesInRange(sql, args.statementId, args.after, args.upTo);
      await recordLineOutcomes(sql, await matchLines(sql, lines));
      const now = await linesInRange(sql, args.statementId, args.after, args.upTo);
      return {
        matched: now.filter((l) => l.status === 'matched' || l.status === 'applied').length,
        unmatched: now.filter((l) => l.status === 'unmatched').length,
        ignored: now.filter((l) => l.status === 'ignored').length,
      };
    },

    async recordStatementMatched(args: { statementId: string }): Promise<StatementCounts> {
      return recordStatementMatched(sql, args.statementId, new Date().toISOString());
    },

    /** Applies the matched lines in (after, upTo]: answers how many were applied and how many went back to the queue. */
    async applyBankLines(args: { statementId: string; after: number; upTo: number }): Promise<{ applied: number; requeued: number }> {
      const lines = await linesInRange(sql, args.statementId, args.after, args.upTo, 'matched');
      const results = await applyLines(sql, givenUpOnCancel(invoices), lines.map((l) => l.id), { concurrency: PAYMENTS_AT_ONCE, progress: heartbeat });
      const statuses = [...results.values()].map((r) => r.status);
      return { applied: statuses.filter((s) => s === 'applied').length, requeued: statuses.filter((s) => s === 'unmatched').length };
    },

    async recordStatementDone(args: { statementId: string }): Promise<void> {
      await recordStatementDone(sql, args.statementId, new Date().toISOString());
    },

    /** A person's match of a queued line: its allocations stored and the line matched, or why not (nothing written). */
    async claimBankLine(input: BankLineMatchInput): Promise<{ claimed: true } | { refused: { path: string; message: string } } | { status: string } | null> {
      const outcome = await claimLineForMatch(sql, input);
      return outcome && 'claimed' in outcome ? { claimed: true } : outcome;
    },

    /** Applies one matched line's pending allocations. */
    async applyBankLine(args: { lineId: string }): Promise<{ status: 'applied' | 'unmatched' | null; payments: LinePayment[] }> {
      const results = await applyLines(sql, givenUpOnCancel(invoices), [args.lineId], { concurrency: 1 });
      // All its parts, also those a first attempt of this activity recorded.
      const payments = (await allocationsOf(sql, args.lineId)).flatMap((a) => (a.status === 'pending' ? [] : [{ ...a, status: a.status }]));
      return { status: results.get(args.lineId)?.status ?? null, payments };
    },
  });
}
