import { Router } from 'express';
import { z } from 'zod';
import type { Sql } from '../../db/client';
import { findDunningPolicy, insertDunningPolicy } from '../../db/dunning-policies';
import { DurationError, parseIsoDuration } from '../../domain/duration';
import { REMINDER_TEMPLATES, sortSteps } from '../../domain/dunning';
import { notFound } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import { callerOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { basisPoints, parseInput } from '../validation';

const offset = z.string().superRefine((value, ctx) => {
  try {
    parseIsoDuration(value);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

export const createDunningPolicyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  steps: z
    .array(
      z.strictObject({
        offset,
        template: z.enum(REMINDER_TEMPLATES),
        lateFee: z
          .strictObject({
            percentBps: basisPoints(10_000).optional(),
            amountMinor: z.int('must be a whole number of minor units').min(0).max(Number.MAX_SAFE_INTEGER).optional(),
          })
          .refine((fee) => fee.percentBps !== undefined || fee.amountMinor !== undefined, 'give percentBps or amountMinor')
          .optional(),
      }),
    )
    .min(1, 'a policy needs at least one step')
    .max(20),
});

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
    const policy = await findDunningPolicy(sql, req.params.id as string);
    if (!policy) throw notFound('dunning policy', req.params.id as string);
    res.json(policy);
  });

  return router;
}
