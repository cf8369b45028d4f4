import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType } from '@temporalio/common';
import { amountDueMinor, initialInvoiceState, type InvoiceDraft, type InvoiceState } from '../domain/invoice';

/**
 * Custom search attributes of billflow, registered on the dev server by `npm start` and the tests,
 * upserted by the workflows at every transition, and used by the Web UI and visibility queries
 * (e.g. `InvoiceStatus = "overdue" AND DunningLevel >= 2`). Workflows import this file at runtime:
 * it depends on nothing but @temporalio/common and src/domain, which are deterministic.
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

/** An invoice's attributes in `state`: the workflow upserts those that change. */
export function invoiceSearchAttributes(state: InvoiceState): SearchAttributePair[] {
  return [
    { key: InvoiceStatusKey, value: state.status },
    { key: CustomerIdKey, value: state.draft.customerId },
    { key: AmountDueMinorKey, value: amountDueMinor(state) },
    { key: DunningLevelKey, value: state.dunningLevel },
    ...(state.number ? [{ key: InvoiceNumberKey, value: state.number }] : []),
    ...(state.dueAt ? [{ key: DueAtKey, value: new Date(state.dueAt) }] : []),
  ];
}

/**
 * An invoice's attributes as its workflow starts from `state`, given by whoever starts it, with the
 * billing run that made it (which never changes): the workflow then upserts only what changes.
 */
export function startSearchAttributes(state: InvoiceState): SearchAttributePair[] {
  const runId = state.draft.billingRunId;
  return [...invoiceSearchAttributes(state), ...(runId ? [{ key: BillingRunIdKey, value: runId }] : [])];
}

/** startSearchAttributes of a new draft (nothing paid, no reminder sent). */
export function draftSearchAttributes(draft: InvoiceDraft): SearchAttributePair[] {
  return startSearchAttributes(initialInvoiceState(draft));
}
