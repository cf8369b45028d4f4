import { Router } from 'express';
import type { Sql } from '../../db/client';
import type { Role } from '../../domain/actor';
import { notFound } from '../../errors';
import type { BillingRunService } from '../../services/billing-runs';
import { callerOf, personOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { parseInput } from '../validation';
import { cancelBillingRunBody, listBillingRunsQuery, listRunInvoicesQuery, startBillingRunBody } from './schemas';
import { billingRunPage, billingRunStartedView, billingRunView, decodePreviewCursor, previewPage, runInvoiceView } from './views';

/** Billing runs over HTTP: parse, authorise, call the billing run service, answer with a view. */
export function billingRunRoutes({ sql, runs }: { sql: Sql; runs: BillingRunService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  // 202 for a new run, 200 for the run already there; the Idempotency-Key stores whichever was answered.
  router.post('/billing-runs', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(startBillingRunBody, req.body);
    const answer = await withIdempotency(sql, req, caller, async (seed) => {
      const { run, created } = await runs.start({
        period: body.period,
        customerIds: body.customerIds ?? null,
        dryRun: body.dryRun,
        by: personOf(res),
        now: new Date().toISOString(),
        seed,
      });
      return { status: created ? 202 : 200, body: billingRunStartedView(run) };
    });
    res.status(answer.status).location(`/billing-runs/${(answer.body as { id: string }).id}`).json(answer.body);
  });

  router.get('/billing-runs/:id', requireRole(...READERS), async (req, res) => {
    res.json(billingRunView(await runs.get(req.params.id as string)));
  });

  router.get('/billing-runs', requireRole(...READERS), async (req, res) => {
    const query = parseInput(listBillingRunsQuery, req.query);
    const rows = await runs.list({ limit: query.limit, after: decodeCursor(query.cursor) });
    res.json(billingRunPage(rows, query.limit));
  });

  // A real run's invoices page by (createdAt, id), a dry run's previews by (customerId, currency).
  router.get('/billing-runs/:id/invoices', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const query = parseInput(listRunInvoicesQuery, req.query);
    const run = await runs.find(id);
    if (!run) throw notFound('billing run', id);
    if (run.dryRun) {
      res.json(previewPage(await runs.previews(run.id, query.limit, decodePreviewCursor(query.cursor)), query.limit));
      return;
    }
    const invoices = await runs.invoices(run.id, query.limit, decodeCursor(query.cursor));
    const keyed = invoices.map((invoice) => ({ id: invoice.draft.id, createdAt: invoice.draft.createdAt, invoice }));
    res.json(page(keyed, query.limit, (row) => runInvoiceView(row.invoice)));
  });

  router.post('/billing-runs/:id/cancel', requireRole('operator'), async (req, res) => {
    parseInput(cancelBillingRunBody, req.body);
    const run = await runs.cancel(req.params.id as string);
    res.status(202).json({ id: run.id, status: run.status });
  });

  return router;
}
