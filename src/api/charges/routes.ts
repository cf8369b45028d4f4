import { Router } from 'express';
import type { Role } from '../../domain/actor';
import type { Sql } from '../../db/client';
import { notFound } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import type { ChargeService } from '../../services/charges';
import { callerOf, personOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { parseInput } from '../validation';
import { cancelChargeBody, createChargeBody, listChargesQuery, toChargeLine } from './schemas';
import { chargeView } from './views';

/** Charges over HTTP: parse, authorise, call the charge service, answer with a view. */
export function chargeRoutes({ sql, charges }: { sql: Sql; charges: ChargeService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  router.post('/charges', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createChargeBody, req.body);
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      const charge = await charges.create({
        id: seed ? idFromSeed('chg', seed) : newId('chg'),
        customerId: body.customerId,
        kind: body.kind,
        line: (currency, customer) => toChargeLine(body, currency, customer.taxRateBps ?? 0),
        occurredAt: body.occurredAt ?? null,
        period: body.period ?? null,
        createdBy: caller.principal,
        now: new Date().toISOString(),
      });
      return { status: 201, body: chargeView(charge) };
    });
    res.status(created.status).location(`/charges/${(created.body as { id: string }).id}`).json(created.body);
  });

  router.get('/charges/:id', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const charge = await charges.load(id);
    if (!charge) throw notFound('charge', id);
    res.json(chargeView(charge));
  });

  router.get('/charges', requireRole(...READERS), async (req, res) => {
    const query = parseInput(listChargesQuery, req.query);
    const rows = await charges.list({
      customerId: query.customerId ?? null,
      status: query.status ?? null,
      period: query.period ?? null,
      limit: query.limit,
      after: decodeCursor(query.cursor),
    });
    res.json(page(rows, query.limit, chargeView));
  });

  router.post('/charges/:id/cancel', requireRole('operator'), async (req, res) => {
    parseInput(cancelChargeBody, req.body);
    const charge = await charges.cancel(req.params.id as string, personOf(res), new Date().toISOString());
    res.json(chargeView(charge));
  });

  return router;
}
