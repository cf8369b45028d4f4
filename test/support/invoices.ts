import { createDraft, type DraftRequest, type InvoiceDraft } from '../../src/domain/invoice';
import type { CustomerSnapshot } from '../../src/domain/customer';

/** The workflow tests' and replay recordings' invoice: two lines, 19 % tax on one. */
export function sampleDraft(id: string, overrides: Partial<DraftRequest> = {}, now = new Date().toISOString()): InvoiceDraft {
  return createDraft(
    {
      customerId: 'cus_1',
      currency: 'EUR',
      lines: [
        { description: 'Consulting', quantity: '2', unitPriceMinor: 10000, taxRateBps: 1900 },
        { description: 'Travel', quantity: '1', unitPriceMinor: 2550, taxRateBps: 0 },
      ],
      pricesIncludeTax: false,
      dueAt: null,
      paymentTermsDays: 30,
      dunningPolicyId: 'default',
      approval: 'policy',
      memo: null,
      ...overrides,
    },
    { id, createdBy: 'olivia', now },
  );
}

export const TOTAL = 2 * 11900 + 2550;

export function sampleCustomer(approval: CustomerSnapshot['approval']): CustomerSnapshot {
  return { id: 'cus_1', name: 'Acme GmbH', email: 'ap@acme.test', locale: 'en', approval };
}
