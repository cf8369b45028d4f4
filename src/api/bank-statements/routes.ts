import express, { type Request, Router } from 'express';
import type { Role } from '../../domain/actor';
import { AppError, ErrorCode, notFound } from '../../errors';
import type { StatementFormat } from '../../db/bank-statements';
import type { BankStatementService } from '../../services/bank-statements';
import { personOf, requireRole } from '../auth';
import { statementView } from './views';

/** The largest statement file taken: 100,000 CSV lines are about 8 MB; a CAMT.053 file is some ten times its CSV. */
export const MAX_STATEMENT_BYTES = 64 * 1024 * 1024;

/** POST /bank-statements takes a file, not JSON (app.ts lets it past its JSON-only rule). */
export function isBankStatementUpload(req: Request): boolean {
  return req.method === 'POST' && req.path === '/bank-statements';
}

/** The format the Content-Type names: text/csv, or CAMT.053 as application/xml (text/xml too); 415 otherwise. */
function formatOf(req: Request): StatementFormat {
  const type = (req.get('content-type') ?? '').toLowerCase();
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/.exec(type)?.[1];
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError({ code: ErrorCode.unsupportedMediaType, message: `send the statement as UTF-8, not ${charset}` });
  }
  if (/^text\/csv\s*(;|$)/.test(type)) return 'csv';
  if (/^(application|text)\/xml\s*(;|$)/.test(type)) return 'camt.053';
  throw new AppError({ code: ErrorCode.unsupportedMediaType, message: 'send the statement as text/csv or as application/xml (ISO 20022 CAMT.053)' });
}

/**
 * Bank statements: an upload is answered once its new lines are matched (their payments are then
 * applied by the statement's workflow; GET /bank-statements/:id shows how far).
 */
export function bankStatementRoutes({ statements }: { statements: BankStatementService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];
  const fileBody = express.text({ type: () => true, limit: MAX_STATEMENT_BYTES, defaultCharset: 'utf-8' });

  router.post(
    '/bank-statements',
    requireRole('operator'),
    (req, _res, next) => {
      formatOf(req);
      next();
    },
    fileBody,
    async (req, res) => {
      const text = typeof req.body === 'string' ? req.body : '';
      const report = await statements.upload({ format: formatOf(req), text }, personOf(res));
      res.location(`/bank-statements/${report.id}`).json(report);
    },
  );

  router.get('/bank-statements/:id', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const statement = await statements.load(id);
    if (!statement) throw notFound('bank statement', id);
    res.json(statementView(statement));
  });

  return router;
}
