import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InvoiceSettings } from '../invoice/messages';

/** The billing run's input, its state query and its cancel signal. Workflow id: `billing-run:<runId>`. */

export interface BillingRunInput {
  runId: string;
  /** `YYYY-MM`: bills every pending charge of this period or earlier. */
  period: string;
  /** Only these customers; null bills every customer with pending charges. */
  customerIds: string[] | null;
  dryRun: boolean;
  /** Who started the run: the invoices' creator on their timeline. */
  createdBy: string;
  /** The invoices' settings, as the api would start them. */
  settings: InvoiceSettings;
  /** Set by continue-as-new: where the run was. */
  resume?: BillingRunProgress;
}

export interface CurrencyTotal {
  currency: string;
  totalMinor: number;
}

export interface BillingRunProgress {
  /** The last customer and currency done: the next page starts after it. */
  after: { customerId: string; currency: string } | null;
  /** Pages done so far (the progress row's sequence number). */
  pages: number;
  planned: number;
  created: number;
  failed: number;
  totals: CurrencyTotal[];
  cancelled: boolean;
}

export const billingRunProgressQuery = defineQuery<BillingRunProgress>('billingRunProgress');
/** No further invoices; those created stay. */
export const cancelBillingRunSignal = defineSignal('cancelBillingRun');
