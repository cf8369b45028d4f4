import type { Sql } from '../src/db/client';
import { type BillingRunDeps, createBillingRunActivities } from './billing-runs';
import { createBillingScheduleActivities } from './billing-schedules';
import { createEmailActivities, type MailDeps } from './email';
import { createInvoiceActivities } from './invoices';
import { createStripeActivities, type StripeDeps } from './stripe';
import { createReconciliationActivities, type ReconciliationDeps } from './reconciliation';
import { createSubscriptionActivities } from './subscriptions';

export interface ActivityDeps extends MailDeps, BillingRunDeps, StripeDeps, ReconciliationDeps {
  sql: Sql;
}

/**
 * Every activity of billflow, built from its dependencies so tests can pass fakes. Activities run
 * at least once: each write is idempotent on a key derived from the invoice and the step.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createInvoiceActivities(deps),
    ...createBillingRunActivities(deps),
    ...createBillingScheduleActivities(deps),
    ...createSubscriptionActivities(deps),
    ...createEmailActivities(deps),
    ...createStripeActivities(deps),
    ...createReconciliationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
