import { type Response, Router } from 'express';
import type { Role } from '../../domain/actor';
import { notFound } from '../../errors';
import type { ReportService } from '../../services/reports';
import { requireRole } from '../auth';
import { parseInput } from '../validation';
import { agingQuery, collectionsQuery, dsoQuery, momentOf, periodOf, statementQuery } from './schemas';
import { agingCsv, collectionsCsv, dsoCsv, statementCsv } from './views';

/** Collections cover the 90 days up to `to` when no `from` is given. */
const COLLECTIONS_DEFAULT_DAYS = 90;

/** The report as JSON, or with ?format=csv as a CSV download named after it. */
function answer<T>(res: Response, format: 'json' | 'csv', report: T, asCsv: (report: T) => string, filename: string): void {
  if (format === 'json') {
    res.json(report);
    return;
  }
  res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${filename}.csv"`).send(asCsv(report));
}

/** File names carry only what the query validated (a currency code, a date): nothing to escape. */
const day = (iso: string | null) => (iso ?? 'start').slice(0, 10);

/**
 * The receivables reports (aging, DSO, collections) and the customer statement: reads, for every
 * role (viewers included). Figures come from SQL over the read model; see src/db/reports.ts.
 */
export function reportRoutes({ reports }: { reports: ReportService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  router.get('/reports/aging', requireRole(...READERS), async (req, res) => {
    const query = parseInput(agingQuery, req.query);
    const asOf = query.asOf === undefined ? new Date().toISOString() : momentOf(query.asOf, 'asOf');
    const report = await reports.aging({ currency: query.currency, asOf });
    answer(res, query.format, report, agingCsv, `aging-${report.currency}-${day(asOf)}`);
  });

  router.get('/reports/dso', requireRole(...READERS), async (req, res) => {
    const query = parseInput(dsoQuery, req.query);
    const asOf = query.asOf === undefined ? new Date().toISOString() : momentOf(query.asOf, 'asOf');
    const report = await reports.dso({ currency: query.currency, days: query.days, now: asOf });
    answer(res, query.format, report, dsoCsv, `dso-${report.currency}-${report.days}d`);
  });

  router.get('/reports/collections', requireRole(...READERS), async (req, res) => {
    const query = parseInput(collectionsQuery, req.query);
    const now = new Date().toISOString();
    const { from, to } = periodOf(query, now, COLLECTIONS_DEFAULT_DAYS);
    const report = await reports.collections({ currency: query.currency, from, to, now });
    answer(res, query.format, report, collectionsCsv, `collections-${report.currency}-${day(from)}-${day(to)}`);
  });

  router.get('/customers/:id/statement', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const query = parseInput(statementQuery, req.query);
    const statement = await reports.statement(id, periodOf(query, new Date().toISOString(), null));
    if (!statement) throw notFound('customer', id);
    answer(res, query.format, statement, statementCsv, `statement-${day(statement.from)}-${day(statement.to)}`);
  });

  return router;
}
