import type { Charge } from './charge';
import type { InvoiceApproval, InvoiceDraft } from './invoice';
import { createDraft } from './invoice';
import type { LineInput } from './lines';

/**
 * What a billing run makes of pending charges: one invoice per customer and currency, a line per
 * charge, priced exactly as the charge was (the same quantity, unit price and tax rate), so the
 * invoice's subtotal is the sum of its charges' amounts.
 */

/** The customer's terms an invoice of a run takes. */
export interface RunCustomerTerms {
  paymentTermsDays: number;
  dunningPolicyId: string | null;
}

/** A charge as an invoice line; the kind tells the reader what the quantity counts. */
export function chargeLine(charge: Pick<Charge, 'description' | 'quantity' | 'unitPriceMinor' | 'taxRateBps'>): LineInput {
  return { description: charge.description, quantity: charge.quantity, unitPriceMinor: charge.unitPriceMinor, taxRateBps: charge.taxRateBps, discountBps: 0 };
}

/** The draft invoice of one customer and currency in a run, from its pending charges (oldest first). */
export function runInvoiceDraft(
  charges: readonly Charge[],
  meta: { id: string; runId: string; customerId: string; currency: string; terms: RunCustomerTerms; createdBy: string; now: string },
): InvoiceDraft {
  const approval: InvoiceApproval = 'policy';
  const draft = createDraft(
    {
      customerId: meta.customerId,
      currency: meta.currency,
      lines: charges.map(chargeLine),
      pricesIncludeTax: false,
      dueAt: null,
      paymentTermsDays: meta.terms.paymentTermsDays,
      dunningPolicyId: meta.terms.dunningPolicyId,
      approval,
      memo: null,
    },
    { id: meta.id, createdBy: meta.createdBy, now: meta.now },
  );
  return { ...draft, billingRunId: meta.runId };
}

/** Adds `amountMinor` to the total of `currency`, keeping the list in currency order. */
export function addToTotals(totals: readonly { currency: string; totalMinor: number }[], currency: string, amountMinor: number) {
  const others = totals.filter((t) => t.currency !== currency);
  const current = totals.find((t) => t.currency === currency)?.totalMinor ?? 0;
  return [...others, { currency, totalMinor: current + amountMinor }].sort((a, b) => a.currency.localeCompare(b.currency));
}
