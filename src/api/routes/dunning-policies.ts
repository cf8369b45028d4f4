import { Router } from 'express';
import { z } from 'zod';
import type { Sql } from '../../db/client';
import { findDunningPolicy, insertDunningPolicy } from '../../db/dunning-policies';
import { DurationError, MAX_DURATION_DAYS, parseIsoDuration } from '../../domain/duration';
import { REMINDER_TEMPLATES, sortSteps } from '../../domain/dunning';
import { notFound } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import { callerOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { couldBeRowId } from '../row-ids';
import { amountMinor, basisPoints, parseInput, singleLineText } from '../validation';

/**
 * The syntax `parseIsoDuration` reads, for the OpenAPI document only: weeks and days, then after
 * "T" hours, minutes and seconds (up to 3 decimals), at least one part on each side of a "T".
 * The parser stays the one check; its length bound is not expressible here.
 */
const SECONDS = String.raw`\d+(?:\.\d{1,3})?S`;
const TIME = String.raw`T(?:\d+H(?:\d+M)?(?:${SECONDS})?|\d+M(?:${SECONDS})?|${SECONDS})`;
const DURATION_SYNTAX = String.raw`^[+-]?P(?:(?:\d+W(?:\d+D)?|\d+D)(?:${TIME})?|${TIME})$`;

const offset = z
  .string()
  .superRefine((value, ctx) => {
    try {
      parseIsoDuration(value);
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .meta({
    pattern: DURATION_SYNTAX,
    description: `ISO 8601 duration relative to the due date, negative before it ("-P3D", "P7D", "PT2S"); at most ${MAX_DURATION_DAYS} days either way`,
  });

export const createDunningPolicyBody = z.strictObject({
  name: singleLineText(200),
  steps: z
    .array(
      z.strictObject({
        offset,
        template: z.enum(REMINDER_TEMPLATES),
        lateFee: z
          .strictObject({
            percentBps: basisPoints(10_000).optional(),
            amountMinor: amountMinor(0).optional(),
          })
          .refine((fee) => fee.percentBps !== undefined || fee.amountMinor !== undefined, 'give percentBps or amountMinor')
          .meta({ minProperties: 1 })
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
    const id = req.params.id as string;
    const policy = couldBeRowId(id) ? await findDunningPolicy(sql, id) : null;
    if (!policy) throw notFound('dunning policy', id);
    res.json(policy);
  });

  return router;
}
