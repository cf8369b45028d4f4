import { ApplicationFailure } from '@temporalio/activity';
import { recordRunProgress, type RunEnd, type RunProgress } from '../src/db/billing-runs';
import { type ChargeGroup, pendingChargeGroups } from '../src/db/charges';
import type { Sql } from '../src/db/client';
import { findCustomer } from '../src/db/customers';
import { findDunningPolicy } from '../src/db/dunning-policies';
import { billRunGroup, previewRunGroup } from '../src/db/run-invoices';
import type { CustomerSnapshot } from '../src/domain/customer';
import type { DunningPolicy } from '../src/domain/dunning';
import type { InvoiceDraft } from '../src/domain/invoice';
import { idFromSeed } from '../src/ids';
import { failPermanentlyOnBadData } from './database-failures';

/** A run's invoice, recorded with its charges claimed: what its workflow starts from. */
export interface RunInvoice {
  draft: InvoiceDraft;
  customer: CustomerSnapshot;
  policy: DunningPolicy;
}

interface RunStep {
  runId: string;
  period: string;
  group: ChargeGroup;
}

/** The billing run's steps. Each is idempotent: the invoice's id derives from the run, customer and currency. */
export function createBillingRunActivities({ sql }: { sql: Sql }) {
  return failPermanentlyOnBadData({
    /** The next page of customers and currencies with pending charges. */
    async planBillingRunPage(args: { period: string; customerIds: string[] | null; after: ChargeGroup | null; limit: number }): Promise<ChargeGroup[]> {
      return pendingChargeGroups(sql, args);
    },

    /** Records one customer's invoice for one currency and claims its charges; null when nothing is pending. */
    async billCustomer(args: RunStep & { createdBy: string }): Promise<RunInvoice | null> {
      const { runId, period, group } = args;
      const draft = await billRunGroup(sql, {
        runId,
        period,
        ...group,
        invoiceId: idFromSeed('inv', `${runId}/${group.customerId}/${group.currency}`),
        createdBy: args.createdBy,
        now: new Date().toISOString(),
      });
      if (!draft) return null;
      const customer = await findCustomer(sql, group.customerId);
      const policy = await findDunningPolicy(sql, draft.dunningPolicyId ?? 'default');
      if (!customer || !policy) {
        throw ApplicationFailure.nonRetryable(`invoice ${draft.id}: its customer or dunning policy is gone`, 'internal');
      }
      return {
        draft,
        customer: { id: customer.id, name: customer.name, email: customer.email, locale: customer.locale, approval: customer.approval },
        policy,
      };
    },

    /** A dry run's preview of one customer's invoice for one currency; null when nothing is pending. */
    async previewCustomer(args: RunStep): Promise<{ totalMinor: number } | null> {
      return previewRunGroup(sql, { runId: args.runId, period: args.period, ...args.group, now: new Date().toISOString() });
    },

    /** The run's progress, page by page; an older page's write never overwrites a newer one. */
    async recordBillingRunProgress(args: { runId: string; seq: number; progress: RunProgress; end?: RunEnd }): Promise<void> {
      await recordRunProgress(sql, args.runId, args.seq, args.progress, args.end);
    },
  });
}
