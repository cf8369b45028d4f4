import { Router } from 'express';
import type { Role } from '../../domain/actor';
import type { BillingScheduleService } from '../../services/billing-schedules';
import { personOf, requireRole } from '../auth';
import { parseInput } from '../validation';
import { createBillingScheduleBody, triggerBillingScheduleBody } from './schemas';
import { billingScheduleView } from './views';

/** Billing schedules over HTTP: parse, authorise, call the billing schedule service, answer with a view. */
export function billingScheduleRoutes({ schedules }: { schedules: BillingScheduleService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  router.post('/billing-schedules', requireRole('operator'), async (req, res) => {
    const body = parseInput(createBillingScheduleBody, req.body);
    const schedule = await schedules.create({ ...body, by: personOf(res) });
    res.status(201).location(`/billing-schedules/${schedule.name}`).json(billingScheduleView(schedule));
  });

  router.get('/billing-schedules', requireRole(...READERS), async (_req, res) => {
    res.json({ data: (await schedules.list()).map(billingScheduleView) });
  });

  // 202: the run starts in the background; GET /billing-runs/run_<period> follows it.
  router.post('/billing-schedules/:name/trigger', requireRole('operator'), async (req, res) => {
    parseInput(triggerBillingScheduleBody, req.body);
    const name = req.params.name as string;
    await schedules.trigger(name);
    res.status(202).json({ name, triggered: true });
  });

  router.delete('/billing-schedules/:name', requireRole('operator'), async (req, res) => {
    await schedules.remove(req.params.name as string);
    res.status(204).end();
  });

  return router;
}
