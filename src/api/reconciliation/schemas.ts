import { z } from 'zod';
import { multiLineText, singleLineText } from '../validation';

/** POST /reconciliation/unmatched/:lineId/match: the invoices the line pays, oldest first whatever the order given. */
export const matchBody = z.strictObject({
  invoiceIds: z
    .array(singleLineText(200))
    .min(1, 'name at least one invoice')
    .max(50)
    .refine((ids) => new Set(ids).size === ids.length, 'names an invoice twice'),
});

/** POST /reconciliation/unmatched/:lineId/ignore: why the line is no invoice's payment. */
export const ignoreBody = z.strictObject({
  reason: multiLineText(1_000).pipe(z.string().trim().min(1, 'is required')),
});

export const unmatchedQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
});
