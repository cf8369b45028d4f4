import { Router } from 'express';
import type { Role } from '../../domain/actor';
import type { Sql } from '../../db/client';
import { notFound } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import type { SubscriptionService } from '../../services/subscriptions';
import { callerOf, personOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { parseInput } from '../validation';
import { cancelSubscriptionBody, changePlanBody, createPlanBody, createSubscriptionBody, listSubscriptionsQuery, planPriceMinor } from './schemas';
import { planView, stateView, storedSubscriptionView, subscriptionView } from './views';

/** Plans and subscriptions over HTTP: parse, authorise, call the subscription service, answer with a view. */
export function subscriptionRoutes({ sql, subscriptions }: { sql: Sql; subscriptions: SubscriptionService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  router.post('/plans', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createPlanBody, req.body);
    const { unitPrice: _unitPrice, unitPriceMinor: _unitPriceMinor, ...terms } = body;
    const { plan, created } = await subscriptions.createPlan({ ...terms, unitPriceMinor: planPriceMinor(body), createdBy: caller.principal, createdAt: new Date().toISOString() });
    res.status(created ? 201 : 200).location(`/plans/${encodeURIComponent(plan.code)}`).json(planView(plan));
  });

  router.get('/plans', requireRole(...READERS), async (_req, res) => {
    res.json({ items: (await subscriptions.plans()).map(planView) });
  });

  router.get('/plans/:code', requireRole(...READERS), async (req, res) => {
    const code = req.params.code as string;
    const plan = await subscriptions.plan(code);
    if (!plan) throw notFound('plan', code);
    res.json(planView(plan));
  });

  router.post('/subscriptions', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createSubscriptionBody, req.body);
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      const now = new Date().toISOString();
      const state = await subscriptions.create({
        id: seed ? idFromSeed('sub', seed) : newId('sub'),
        customerId: body.customerId,
        planCode: body.planCode,
        startAt: body.startAt ? new Date(body.startAt).toISOString() : null,
        trialDays: body.trialDays ?? null,
        createdBy: caller.principal,
        now,
      });
      return { status: 201, body: stateView(state, now) };
    });
    res.status(created.status).location(`/subscriptions/${(created.body as { id: string }).id}`).json(created.body);
  });

  router.get('/subscriptions/:id', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const stored = await subscriptions.load(id);
    if (!stored) throw notFound('subscription', id);
    res.json(storedSubscriptionView(stored));
  });

  router.get('/subscriptions', requireRole(...READERS), async (req, res) => {
    const query = parseInput(listSubscriptionsQuery, req.query);
    const rows = await subscriptions.list({ customerId: query.customerId ?? null, limit: query.limit, after: decodeCursor(query.cursor) });
    res.json(page(rows, query.limit, subscriptionView));
  });

  router.post('/subscriptions/:id/change-plan', requireRole('operator'), async (req, res) => {
    const body = parseInput(changePlanBody, req.body);
    const id = req.params.id as string;
    const result = await subscriptions.changePlan(id, personOf(res), body.planCode);
    const stored = await subscriptions.load(id);
    res.json({ ...stateView(result.subscription, stored?.record.createdAt ?? ''), invoiceId: result.invoiceId, creditMinor: result.creditMinor });
  });

  router.post('/subscriptions/:id/cancel', requireRole('operator'), async (req, res) => {
    const body = parseInput(cancelSubscriptionBody, req.body ?? {});
    const id = req.params.id as string;
    const state = await subscriptions.cancel(id, personOf(res), body.at);
    const stored = await subscriptions.load(id);
    res.json(stateView(state, stored?.record.createdAt ?? ''));
  });

  return router;
}
