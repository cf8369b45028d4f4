import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { INVOICE_REVISION, type InvoiceWorkflowInput } from '../../workflows/invoice/messages';
import type { invoiceWorkflow } from '../../workflows/invoice/workflow';
import { initialInvoiceState } from '../domain/invoice';
import { startSearchAttributes } from './search-attributes';
import { invoiceWorkflowId } from './workflow-ids';

/** What an invoice's workflow starts from; the revision is always the current one. */
export type InvoiceStart = Omit<InvoiceWorkflowInput, 'revision'>;

/**
 * Starts an invoice's workflow as the api and the billing runs do: its id from the invoice's (never
 * reused, not even after the workflow has closed), the current revision, and the search attributes
 * of the state it starts from (`resume`, else its draft). False when it was started before: a
 * retried request or activity finds its invoice running. `eager`: a worker's client (on the
 * worker's own NativeConnection) asks the server to hand the first workflow task straight back to
 * this worker, without a trip through matching.
 */
export async function startInvoiceWorkflow(client: Client, taskQueue: string, input: InvoiceStart, options: { eager?: boolean } = {}): Promise<boolean> {
  try {
    await client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
      workflowId: invoiceWorkflowId(input.draft.id),
      taskQueue,
      args: [{ ...input, revision: INVOICE_REVISION }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: startSearchAttributes(input.resume ?? initialInvoiceState(input.draft)),
      requestEagerStart: options.eager ?? false,
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
