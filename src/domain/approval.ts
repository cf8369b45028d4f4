import type { CustomerApproval } from './customer';
import type { InvoiceApproval } from './invoice';

/**
 * Invoices above these totals need a person's approval when the approval policy decides. A currency
 * without a threshold always needs one: no unknown amount is waved through.
 */
export const APPROVAL_THRESHOLDS_MINOR: Readonly<Record<string, number>> = {
  EUR: 500_000,
  USD: 500_000,
  GBP: 400_000,
  CHF: 500_000,
  JPY: 750_000,
  KWD: 1_500_000,
};

export interface ApprovalDecision {
  required: boolean;
  reason: string;
}

/**
 * Whether an invoice needs approval. An invoice may ask for more approval than its customer's rule
 * ("required"), never for less: "auto" follows the customer's rule like "policy" does, so the
 * person the four-eyes rule guards against cannot waive it. Only a customer marked "never" (an
 * admin's audited choice) skips approval at any amount.
 */
export function decideApproval(args: {
  invoice: InvoiceApproval;
  customer: CustomerApproval;
  totalMinor: number;
  currency: string;
  thresholds?: Readonly<Record<string, number>>;
}): ApprovalDecision {
  if (args.customer === 'always') return { required: true, reason: 'the customer requires approval of every invoice' };
  if (args.invoice === 'required') return { required: true, reason: 'approval was requested for this invoice' };
  if (args.customer === 'never') return { required: false, reason: 'the customer needs no approval' };
  const threshold = (args.thresholds ?? APPROVAL_THRESHOLDS_MINOR)[args.currency];
  if (threshold === undefined) return { required: true, reason: `no auto-approval threshold for ${args.currency}` };
  return args.totalMinor > threshold
    ? { required: true, reason: `total above the ${args.currency} auto-approval threshold` }
    : { required: false, reason: `total within the ${args.currency} auto-approval threshold` };
}
