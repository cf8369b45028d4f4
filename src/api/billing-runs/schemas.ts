import { z } from 'zod';
import { MAX_RUN_CUSTOMERS } from '../../services/billing-runs';
import { period } from '../charges/schemas';
import { pageQuery } from '../validation';

/** The billing run requests the api accepts; the OpenAPI document is generated from these. */

export const startBillingRunBody = z.strictObject({
  period: period.describe('bills every pending charge of this month or earlier'),
  customerIds: z
    .array(z.string().min(1).max(200))
    .min(1, 'must name at least one customer: leave customerIds out to bill every customer')
    .max(MAX_RUN_CUSTOMERS)
    .nullable()
    .optional()
    .describe('only these customers (each must exist); every customer with pending charges when absent or null'),
  dryRun: z.boolean().default(false).describe('creates nothing: GET /billing-runs/{id}/invoices shows the invoices the run would create'),
});

/** A cancel says nothing but which run (in the path); a body, if sent, is empty. */
export const cancelBillingRunBody = z.strictObject({});

export const listBillingRunsQuery = pageQuery;

export const listRunInvoicesQuery = pageQuery;
