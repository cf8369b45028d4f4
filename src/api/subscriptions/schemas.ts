import { z } from 'zod';
import { AppError, ErrorCode } from '../../errors';
import { parseDecimalToMinor } from '../../domain/money';
import { PLAN_CODE } from '../../domain/subscription';
import { amountMinor, basisPoints, currencyCode, isoTimestamp, pageQuery, singleLineText } from '../validation';

/** The plan and subscription requests the api accepts; the OpenAPI document is generated from these. */

const planCode = z.string().regex(PLAN_CODE, 'must be 1 to 64 letters, digits, ".", "_" or "-"');

export const createPlanBody = z.strictObject({
  code: planCode,
  name: singleLineText(200),
  currency: currencyCode,
  unitPrice: z.string().max(40).optional().describe('decimal string in the currency, e.g. "49.99"; or unitPriceMinor'),
  unitPriceMinor: amountMinor(0).optional(),
  interval: z.string().max(40).describe('"P1M", "P3M", "P1Y" (calendar), or "PT…S" (seconds, for demos and tests)'),
  taxRateBps: basisPoints(10_000).default(0),
  trialDays: z.int().min(0).max(3650).default(0),
});

type PlanBody = z.infer<typeof createPlanBody>;

/** The plan's price in minor units: exactly one of unitPrice (decimal string) or unitPriceMinor. */
export function planPriceMinor(body: PlanBody): number {
  if ((body.unitPrice === undefined) === (body.unitPriceMinor === undefined)) {
    throw new AppError({
      code: ErrorCode.validationFailed,
      message: 'give exactly one of unitPrice (decimal string) or unitPriceMinor (integer)',
      details: [{ path: 'unitPrice', message: 'give exactly one of unitPrice (decimal string) or unitPriceMinor (integer)' }],
    });
  }
  if (body.unitPriceMinor !== undefined) return body.unitPriceMinor;
  try {
    return parseDecimalToMinor(body.unitPrice as string, body.currency);
  } catch (error) {
    const message = (error as Error).message;
    throw new AppError({ code: ErrorCode.validationFailed, message: `unitPrice: ${message}`, details: [{ path: 'unitPrice', message }] });
  }
}

export const createSubscriptionBody = z.strictObject({
  customerId: z.string().min(1).max(200),
  planCode,
  startAt: isoTimestamp.optional().describe('now when absent'),
  trialDays: z.int().min(0).max(3650).optional().describe("the plan's trial when absent"),
});

export const changePlanBody = z.strictObject({
  planCode,
});

export const cancelSubscriptionBody = z.strictObject({
  at: z.enum(['period_end', 'now']).default('period_end').describe('"now" credits the unused part of the period'),
});

export const listSubscriptionsQuery = pageQuery.extend({
  customerId: z.string().min(1).optional(),
});
