import { Router } from 'express';
import type { Role } from '../../domain/actor';
import type { BankStatementService } from '../../services/bank-statements';
import { personOf, requireRole } from '../auth';
import { parseInput } from '../validation';
import { ignoreBody, matchBody, unmatchedQuery } from './schemas';

/**
 * The queue of bank lines no invoice was found for: a person matches a line to invoices (applied
 * at once, exactly once even if two people click together) or ignores it with a reason.
 */
export function reconciliationRoutes({ statements }: { statements: BankStatementService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  router.get('/reconciliation/unmatched', requireRole(...READERS), async (req, res) => {
    const query = parseInput(unmatchedQuery, req.query);
    const lines = await statements.unmatched({ limit: query.limit, after: null });
    res.json(
      lines.map((l) => ({
        lineId: l.lineId,
        statementId: l.statementId,
        date: l.date,
        amountMinor: l.amountMinor,
        unappliedMinor: l.unappliedMinor,
        currency: l.currency,
        reference: l.reference,
        payer: l.payer,
        reason: l.reason,
        candidates: l.candidates,
      })),
    );
  });

  router.post('/reconciliation/unmatched/:lineId/match', requireRole('operator'), async (req, res) => {
    const body = parseInput(matchBody, req.body);
    res.json(await statements.match(req.params.lineId as string, body.invoiceIds, personOf(res)));
  });

  router.post('/reconciliation/unmatched/:lineId/ignore', requireRole('operator'), async (req, res) => {
    const body = parseInput(ignoreBody, req.body);
    res.json(await statements.ignore(req.params.lineId as string, body.reason, personOf(res)));
  });

  return router;
}
