import { type LineInput, priceLines, totalsOf } from '../../src/domain/lines';
import type { InvoiceDocument } from '../../src/render/document';

const LINE_KINDS: readonly Omit<LineInput, 'quantity' | 'unitPriceMinor'>[] = [
  { description: 'Consulting, senior engineer (hours)', taxRateBps: 1900 },
  { description: 'Hosting plan "Business", monthly', taxRateBps: 1900 },
  { description: 'Printed user manual, second edition with the appendix on data migration and import formats', taxRateBps: 700, discountBps: 1000 },
  { description: 'Support retainer', taxRateBps: 750 },
  { description: 'Exported goods (zero-rated)', taxRateBps: 0 },
];
const QUANTITIES = ['1', '2.5', '8', '12', '0.75'];

/**
 * `count` invoice lines that differ from each other (descriptions, quantities, prices, tax rates,
 * a discount), the same every time for the same count.
 */
export function sampleLineInputs(count: number): LineInput[] {
  return Array.from({ length: count }, (_, index) => {
    const kind = LINE_KINDS[index % LINE_KINDS.length]!;
    return {
      ...kind,
      description: count > LINE_KINDS.length ? `${kind.description} #${index + 1}` : kind.description,
      quantity: QUANTITIES[index % QUANTITIES.length]!,
      unitPriceMinor: 1_250 + ((index * 7_919) % 120_000),
    };
  });
}

/**
 * An issued EUR invoice with three lines; `overrides` replace fields. The totals and the amount due
 * are derived from the lines, fees and payments (after overrides), as the activities derive them,
 * unless they are overridden themselves.
 */
export function sampleDocument(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  const lines = overrides.lines ?? priceLines(sampleLineInputs(3), false);
  const feesMinor = overrides.feesMinor ?? 0;
  const amountPaidMinor = overrides.amountPaidMinor ?? 0;
  const totals = totalsOf(lines);
  return {
    invoiceId: 'inv_01HZX5J3K9',
    number: 'INV-2026-000042',
    currency: 'EUR',
    issuedAt: '2026-11-01T09:30:00.000Z',
    dueAt: '2026-12-01T00:00:00.000Z',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', locale: 'en-GB' },
    lines,
    ...totals,
    feesMinor,
    amountPaidMinor,
    amountDueMinor: Math.max(0, totals.totalMinor + feesMinor - amountPaidMinor),
    memo: 'Thank you for your business.',
    url: 'https://billing.example.com/invoices/inv_01HZX5J3K9',
    issuer: { name: 'Acme Billing GmbH', email: 'billing@acme.example' },
    ...overrides,
  };
}
