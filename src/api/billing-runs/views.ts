import type { BillingRun, PreviewCursor, RunPreview } from '../../db/billing-runs';
import type { InvoiceFacts } from '../../domain/invoice';
import { validationError } from '../../errors';
import { couldBeRowId } from '../../ids';
import type { BillingRunReport } from '../../services/billing-runs';
import { invoiceSummaryView, type InvoiceSummaryView } from '../invoices/views';
import { CURSOR_PATTERN, encodeCursor } from '../pagination';

/** What POST /billing-runs answers: the run, new or found. */
export interface BillingRunStartedView {
  id: string;
  period: string;
  status: BillingRun['status'];
  dryRun: boolean;
}

export function billingRunStartedView(run: BillingRun): BillingRunStartedView {
  return { id: run.id, period: run.period, status: run.status, dryRun: run.dryRun };
}

/** The run as API.md shows it. */
export type BillingRunView = BillingRunReport;

export function billingRunView(r: BillingRunReport): BillingRunView {
  return {
    id: r.id,
    period: r.period,
    status: r.status,
    dryRun: r.dryRun,
    counts: { planned: r.counts.planned, created: r.counts.created, issued: r.counts.issued, sent: r.counts.sent, failed: r.counts.failed },
    totals: r.totals.map((t) => ({ currency: t.currency, totalMinor: t.totalMinor })),
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

/** A page of runs, oldest first: the cursor is the last run's start and id. */
export function billingRunPage(rows: BillingRunReport[], limit: number) {
  const last = rows[rows.length - 1];
  return { data: rows.map(billingRunView), nextCursor: rows.length === limit && last ? encodeCursor({ createdAt: last.startedAt, id: last.id }) : null };
}

/** One of a real run's invoices, as GET /invoices lists it (with its `billingRunId`). */
export function runInvoiceView(invoice: InvoiceFacts): InvoiceSummaryView {
  return invoiceSummaryView(invoice);
}

/** What a dry run would invoice one customer in one currency (API.md: `{customerId, currency, lines, totalMinor}`). */
export function runPreviewView(p: RunPreview): RunPreview {
  return { customerId: p.customerId, currency: p.currency, lines: p.lines, totalMinor: p.totalMinor };
}

/**
 * Previews are paged by customer and currency (they have no id of their own): the cursor is
 * base64url of `[customerId, currency]`, as opaque to clients as the other cursors.
 */
export function previewPage(rows: RunPreview[], limit: number) {
  const last = rows[rows.length - 1];
  const nextCursor = rows.length === limit && last ? Buffer.from(JSON.stringify([last.customerId, last.currency])).toString('base64url') : null;
  return { data: rows.map(runPreviewView), nextCursor };
}

export function decodePreviewCursor(text: string | undefined): PreviewCursor | null {
  if (text === undefined) return null;
  if (text === '') throw validationError('cursor', 'must not be empty: leave cursor out for the first page');
  if (CURSOR_PATTERN.test(text)) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
        const [customerId, currency] = parsed as [string, string];
        if (couldBeRowId(customerId) && /^[A-Z]{3}$/.test(currency)) return { customerId, currency };
      }
    } catch {
      // falls through to the validation error
    }
  }
  throw validationError('cursor', 'is not a cursor returned by this API');
}
