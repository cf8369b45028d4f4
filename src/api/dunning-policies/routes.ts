import { Router } from 'express';
import type { Sql } from '../../db/client';
import { findDunningPolicy, insertDunningPolicy } from '../../db/dunning-policies';
import { sortSteps } from '../../domain/dunning';
import { notFound } from '../../errors';
import { couldBeRowId, idFromSeed, newId } from '../../ids';
import { callerOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { parseInput } from '../validation';
import { createDunningPolicyBody } from './schemas';

export function dunningPolicyRoutes(sql: Sql): Router {
  const router = Router();

  router.post('/dunning-policies', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createDunningPolicyBody, req.body);
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      const policy = await insertDunningPolicy(
        sql,
        { id: seed ? idFromSeed('dun', seed) : newId('dun'), name: body.name, steps: sortSteps(body.steps) },
        caller.principal,
        new Date().toISOString(),
      );
      return { status: 201, body: policy };
    });
    res.status(created.status).json(created.body);
  });

  router.get('/dunning-policies/:id', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const id = req.params.id as string;
    const policy = couldBeRowId(id) ? await findDunningPolicy(sql, id) : null;
    if (!policy) throw notFound('dunning policy', id);
    res.json(policy);
  });

  return router;
}
