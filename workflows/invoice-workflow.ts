import { condition, defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { amountDueMinor, initialInvoiceState, type InvoiceDraft, type InvoiceState, isTerminal } from '../src/domain/invoice';
import {
  AmountDueMinorKey,
  CustomerIdKey,
  DueAtKey,
  DunningLevelKey,
  InvoiceNumberKey,
  InvoiceStatusKey,
} from '../src/temporal/search-attributes';
import { dbActivity } from './activity-options';

const db = proxyActivities<Activities>(dbActivity);

export interface InvoiceWorkflowInput {
  draft: InvoiceDraft;
}

export const invoiceStateQuery = defineQuery<InvoiceState>('invoiceState');

/** One invoice, from draft to a final state. Workflow id: `invoice:<invoiceId>`. */
export async function invoiceWorkflow({ draft }: InvoiceWorkflowInput): Promise<InvoiceState> {
  const state = initialInvoiceState(draft);
  setHandler(invoiceStateQuery, () => state);

  await db.recordDraftInvoice(draft);
  publishSearchAttributes(state);

  await condition(() => isTerminal(state.status));
  return state;
}

/** Keeps the Web UI's view of the invoice current; called at every transition. */
function publishSearchAttributes(state: InvoiceState): void {
  upsertSearchAttributes([
    { key: InvoiceStatusKey, value: state.status },
    { key: CustomerIdKey, value: state.draft.customerId },
    { key: AmountDueMinorKey, value: amountDueMinor(state) },
    { key: DunningLevelKey, value: state.dunningLevel },
    ...(state.number ? [{ key: InvoiceNumberKey, value: state.number }] : []),
    ...(state.dueAt ? [{ key: DueAtKey, value: new Date(state.dueAt) }] : []),
  ]);
}
