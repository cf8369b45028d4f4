import type { Sql } from '../src/db/client';
import { billSubscriptionIn, changeSubscription, type SubscriptionEventRecord } from '../src/db/subscriptions';
import type { PricedLine } from '../src/domain/lines';
import type { SubscriptionSnapshot } from '../src/domain/subscription-state';
import type { InvoiceStart } from '../src/temporal/start-invoice';
import type { InvoiceSettings } from '../workflows/invoice/messages';
import { idFromSeed } from '../src/ids';
import { failPermanentlyOnBadData } from './database-failures';
import { customerAndPolicyOf } from './invoice-start';

export interface SubscriptionDeps {
  sql: Sql;
  /** Starts an invoice's workflow; false when it was started before (src/temporal/start-invoice.ts). */
  startInvoice: (start: InvoiceStart) => Promise<boolean>;
}

/** The subscription workflow's writes. Each is idempotent: keyed by the subscription's version, and its invoice's id derives from what it bills. */
export function createSubscriptionActivities({ sql, startInvoice }: SubscriptionDeps) {
  return failPermanentlyOnBadData({
    /**
     * Stores the subscription's change with the invoice it bills (a period in advance, the
     * difference of a change of plan) in one transaction, then starts the invoice's workflow, which
     * outlives the subscription: issued already when the customer's approval rule lets it through.
     */
    async billSubscription(args: {
      snapshot: SubscriptionSnapshot;
      event: SubscriptionEventRecord;
      /** What it bills, unique within the subscription ("period/<start>", "change/<version>"): the invoice's id derives from it. */
      invoice: { key: string; customerId: string; currency: string; lines: PricedLine[]; createdBy: string };
      settings: InvoiceSettings;
    }): Promise<{ invoiceId: string; totalMinor: number }> {
      const { key, ...invoice } = args.invoice;
      const id = idFromSeed('inv', `subscription/${args.snapshot.id}/${key}`);
      const recorded = await billSubscriptionIn(sql, { snapshot: args.snapshot, event: args.event, invoice: { ...invoice, id }, numberPrefix: args.settings.numberPrefix });
      const { draft, issued } = recorded;
      await startInvoice({ draft, ...(await customerAndPolicyOf(sql, draft)), settings: args.settings, ...(issued ? { resume: issued } : {}) });
      return { invoiceId: draft.id, totalMinor: draft.totalMinor };
    },

    /** Stores a change of the subscription, and the credit it gives its customer (a downgrade, a cancellation now). */
    async changeSubscription(args: {
      snapshot: SubscriptionSnapshot;
      event: SubscriptionEventRecord;
      credit?: { customerId: string; currency: string; amountMinor: number };
    }): Promise<void> {
      await changeSubscription(sql, args);
    },
  });
}
