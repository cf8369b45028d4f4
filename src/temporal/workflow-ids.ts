/** Workflow ids are business keys, so a duplicate start is refused by Temporal itself. */
export const invoiceWorkflowId = (invoiceId: string): string => `invoice:${invoiceId}`;
export const subscriptionWorkflowId = (subscriptionId: string): string => `subscription:${subscriptionId}`;
export const billingRunWorkflowId = (runId: string): string => `billing-run:${runId}`;
/** A Temporal Schedule's id (not a workflow's): a billing schedule is named by its owner. */
export const billingScheduleId = (name: string): string => `billing-schedule:${name}`;
