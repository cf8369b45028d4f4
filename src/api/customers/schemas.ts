import { z } from 'zod';
import { CUSTOMER_APPROVALS } from '../../domain/customer';
import { basisPoints, currencyCode, singleLineText } from '../validation';

export const createCustomerBody = z.strictObject({
  name: singleLineText(200),
  email: z.email('must be an email address').max(254),
  currency: currencyCode,
  locale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'must be a locale such as "en" or "de-DE"')
    .default('en'),
  paymentTermsDays: z.int().min(0).max(3650).default(30),
  dunningPolicyId: z.string().min(1).max(100).optional(),
  taxRateBps: basisPoints(100_000).optional(),
  approval: z
    .enum(CUSTOMER_APPROVALS)
    .default('policy')
    .describe('"never" (no approval at any amount) may be set by an admin only, and is audited'),
  externalId: singleLineText(200).optional(),
});
