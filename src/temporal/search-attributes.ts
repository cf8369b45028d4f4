import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of billflow, registered on the dev server by `npm start` and the tests,
 * upserted by the workflows at every transition, and used by the Web UI and visibility queries
 * (e.g. `InvoiceStatus = "overdue" AND DunningLevel >= 2`). Workflows import this file at runtime:
 * it depends on nothing but @temporalio/common, which is deterministic.
 */
export const InvoiceStatusKey = defineSearchAttributeKey('InvoiceStatus', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const InvoiceNumberKey = defineSearchAttributeKey('InvoiceNumber', SearchAttributeType.KEYWORD);
export const AmountDueMinorKey = defineSearchAttributeKey('AmountDueMinor', SearchAttributeType.INT);
export const DunningLevelKey = defineSearchAttributeKey('DunningLevel', SearchAttributeType.INT);
export const DueAtKey = defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME);
export const BillingRunIdKey = defineSearchAttributeKey('BillingRunId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  InvoiceStatusKey,
  CustomerIdKey,
  InvoiceNumberKey,
  AmountDueMinorKey,
  DunningLevelKey,
  DueAtKey,
  BillingRunIdKey,
] as const;

/**
 * An invoice's attributes as its workflow starts (a draft, nothing paid, no reminder sent), given
 * by whoever starts it: the workflow then upserts only what changes.
 */
export function draftSearchAttributes(draft: { customerId: string; totalMinor: number; billingRunId?: string | null }): SearchAttributePair[] {
  return [
    { key: InvoiceStatusKey, value: 'draft' },
    { key: CustomerIdKey, value: draft.customerId },
    { key: AmountDueMinorKey, value: draft.totalMinor },
    { key: DunningLevelKey, value: 0 },
    ...(draft.billingRunId ? [{ key: BillingRunIdKey, value: draft.billingRunId }] : []),
  ];
}
