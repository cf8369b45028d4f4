import { type Request, Router } from 'express';
import type { Role } from '../../domain/actor';
import { AppError, ErrorCode, notFound } from '../../errors';
import type { ImportService } from '../../services/imports';
import { personOf, requireRole } from '../auth';
import { decodeCursor } from '../pagination';
import { pageQuery, parseInput } from '../validation';
import { CHARGE_COLUMNS, CUSTOMER_COLUMNS, customerRowParser, INVOICE_COLUMNS, parseChargeRow, parseInvoiceRow } from './schemas';
import { decodeRejectionCursor, importPage, importView, rejectionPage } from './views';

/** The uploads: POST with a CSV body, read as a stream (app.ts lets them past its JSON-only rule). */
const UPLOAD_PATHS = new Set(['/imports/customers', '/imports/charges', '/imports/invoices']);

export function isImportUpload(req: Request): boolean {
  return req.method === 'POST' && UPLOAD_PATHS.has(req.path);
}

/** The body as the CSV stream it must be: 415 for another type (JSON included) or a charset other than UTF-8. */
function csvBody(req: Request): Request {
  // The header, not req.is(): an empty file is still a CSV file (and answered 400 as one).
  if (!/^text\/csv\s*(;|$)/i.test(req.get('content-type') ?? '')) {
    throw new AppError({ code: ErrorCode.unsupportedMediaType, message: 'send the file as text/csv (UTF-8) with a header row' });
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError({ code: ErrorCode.unsupportedMediaType, message: `send the file as UTF-8, not ${charset}` });
  }
  return req;
}

/**
 * Imports over HTTP. An upload is answered when its last row is written (200 with the report);
 * while it runs, GET /imports/:id shows how far it got, and GET /imports lists it.
 */
export function importRoutes({ imports }: { imports: ImportService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  router.post('/imports/customers', requireRole('operator'), async (req, res) => {
    const by = personOf(res);
    const report = await imports.importCustomers({ source: csvBody(req), by, columns: CUSTOMER_COLUMNS, parseRow: customerRowParser(by) });
    res.location(`/imports/${report.import.id}`).json(importView(report));
  });

  router.post('/imports/charges', requireRole('operator'), async (req, res) => {
    const report = await imports.importCharges({ source: csvBody(req), by: personOf(res), columns: CHARGE_COLUMNS, parseRow: parseChargeRow });
    res.location(`/imports/${report.import.id}`).json(importView(report));
  });

  router.post('/imports/invoices', requireRole('operator'), async (req, res) => {
    const report = await imports.importInvoices({ source: csvBody(req), by: personOf(res), columns: INVOICE_COLUMNS, parseRow: parseInvoiceRow });
    res.location(`/imports/${report.import.id}`).json(importView(report));
  });

  router.get('/imports', requireRole(...READERS), async (req, res) => {
    const query = parseInput(pageQuery, req.query);
    res.json(importPage(await imports.list({ limit: query.limit, after: decodeCursor(query.cursor) }), query.limit));
  });

  router.get('/imports/:id', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const report = await imports.load(id);
    if (!report) throw notFound('import', id);
    res.json(importView(report));
  });

  router.get('/imports/:id/rejections', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const query = parseInput(pageQuery, req.query);
    const rows = await imports.rejections(id, { limit: query.limit, after: decodeRejectionCursor(query.cursor) });
    if (!rows) throw notFound('import', id);
    res.json(rejectionPage(rows, query.limit));
  });

  return router;
}
