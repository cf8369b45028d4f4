import { z } from 'zod';
import { SCHEDULE_NAME } from '../../services/billing-schedules';

/** The billing schedule requests the api accepts; the OpenAPI document is generated from these. */

export const createBillingScheduleBody = z.strictObject({
  name: z.string().regex(SCHEDULE_NAME, 'must be lowercase letters, digits and dashes, starting with a letter or digit, at most 63').describe('the schedule\'s name, unique'),
  dayOfMonth: z.int().min(1).max(28).describe('the day of the month it fires (28 at most: every month has it)'),
  hour: z.int().min(0).max(23).default(0).describe('the hour it fires, on the hour, in `timeZone`'),
  timeZone: z.string().min(1).max(64).describe('an IANA time zone such as Europe/Berlin: the month just ended is read on its calendar'),
});

/** A trigger says nothing but which schedule (in the path); a body, if sent, is empty. */
export const triggerBillingScheduleBody = z.strictObject({});
