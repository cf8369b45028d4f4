import { ApplicationFailure } from '@temporalio/activity';
import { recordRunProgress, type RunEnd, type RunProgress } from '../src/db/billing-runs';
import { type ChargeGroup, pendingChargeGroups } from '../src/db/charges';
import type { Sql } from '../src/db/client';
import type { InvoiceStart } from '../src/temporal/start-invoice';
import type { InvoiceSettings } from '../workflows/invoice/messages';
import type { RecordedInvoice } from '../src/db/invoices';
import { billRunGroup, previewRunGroup } from '../src/db/run-invoices';
import type { CustomerSnapshot } from '../src/domain/customer';
import type { DunningPolicy } from '../src/domain/dunning';
import { idFromSeed } from '../src/ids';
import { classifyDatabaseError, failPermanentlyOnBadData } from './database-failures';
import { customerAndPolicyOf } from './invoice-start';

/** A run's invoice, recorded with its charges claimed: what its workflow starts from. */
export interface RunInvoice extends RecordedInvoice {
  customer: CustomerSnapshot;
  policy: DunningPolicy;
}

interface RunStep {
  runId: string;
  period: string;
  group: ChargeGroup;
}

/** One customer's part of a batch: its invoice (recorded and its workflow started), nothing pending (null), or why the database refused it. */
export type BillingOutcome = { invoice: { id: string; totalMinor: number } | null } | { failed: string };

export interface BillingRunDeps {
  sql: Sql;
  /** Starts an invoice's workflow; false when it was started before (src/temporal/start-invoice.ts). */
  startInvoice: (start: InvoiceStart) => Promise<boolean>;
}

/** The billing run's steps. Each is idempotent: the invoice's id derives from the run, customer and currency. */
export function createBillingRunActivities({ sql, startInvoice }: BillingRunDeps) {
  /** Records the invoice and answers what its workflow starts from; `policies` caches dunning policies across a batch. */
  async function billOne(args: RunStep & { createdBy: string; numberPrefix: string | null }, policies: Map<string, DunningPolicy | null>): Promise<RunInvoice | null> {
    const { runId, period, group } = args;
    const made = await billRunGroup(sql, {
      runId,
      period,
      ...group,
      invoiceId: idFromSeed('inv', `${runId}/${group.customerId}/${group.currency}`),
      createdBy: args.createdBy,
      now: new Date().toISOString(),
      numberPrefix: args.numberPrefix,
    });
    if (!made) return null;
    return { ...made, ...(await customerAndPolicyOf(sql, made.draft, policies)) };
  }

  return failPermanentlyOnBadData({
    /** The next page of customers and currencies with pending charges. */
    async planBillingRunPage(args: { period: string; customerIds: string[] | null; after: ChargeGroup | null; limit: number }): Promise<ChargeGroup[]> {
      return pendingChargeGroups(sql, args);
    },

    /** Records one customer's invoice for one currency (runs started before batches); null when nothing is pending. */
    async billCustomer(args: RunStep & { createdBy: string; numberPrefix?: string }): Promise<RunInvoice | null> {
      return billOne({ ...args, numberPrefix: args.numberPrefix ?? null }, new Map());
    },

    /**
     * Records the invoices of a batch of customers, each in its own transaction, then starts their
     * workflows (which outlive the run), from the state recorded: issued when approved by policy,
     * else a draft waiting for a person. A retried batch finds the invoices recorded and their
     * workflows running. A customer whose data the database refuses for good is answered as failed
     * and the others go on; anything else (the database or Temporal away) fails the batch for a retry.
     */
    async billCustomers(args: Omit<RunStep, 'group'> & { groups: ChargeGroup[]; createdBy: string; numberPrefix: string; settings: InvoiceSettings }): Promise<BillingOutcome[]> {
      const policies = new Map<string, DunningPolicy | null>();
      const made: (RunInvoice | null | { failed: string })[] = [];
      for (const group of args.groups) {
        try {
          made.push(await billOne({ ...args, group }, policies));
        } catch (error) {
          const failure = classifyDatabaseError(error);
          if (!(failure instanceof ApplicationFailure && failure.nonRetryable)) throw failure;
          made.push({ failed: failure.message });
        }
      }
      return Promise.all(
        made.map(async (m): Promise<BillingOutcome> => {
          if (m === null) return { invoice: null };
          if ('failed' in m) return m;
          const { draft, issued, customer, policy } = m;
          await startInvoice({ draft, customer, policy, settings: args.settings, ...(issued ? { resume: issued } : {}) });
          return { invoice: { id: draft.id, totalMinor: draft.totalMinor } };
        }),
      );
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
