import type { Sql } from '../src/db/client';
import { insertDraftInvoice } from '../src/db/invoices';
import type { InvoiceDraft } from '../src/domain/invoice';

export interface ActivityDeps {
  sql: Sql;
}

/**
 * Every activity of billflow, built from its dependencies so tests can pass fakes. Activities run
 * at least once: each write is idempotent on a key derived from the invoice and the step.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    async recordDraftInvoice(draft: InvoiceDraft): Promise<void> {
      await insertDraftInvoice(deps.sql, draft);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
