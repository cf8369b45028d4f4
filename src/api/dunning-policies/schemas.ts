import { z } from 'zod';
import { DurationError, MAX_DURATION_DAYS, parseIsoDuration } from '../../domain/duration';
import { REMINDER_TEMPLATES } from '../../domain/dunning';
import { amountMinor, basisPoints, singleLineText } from '../validation';

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
