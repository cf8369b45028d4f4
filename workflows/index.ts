// Every workflow the worker runs, in one module (the worker bundles this file).
export { invoiceWorkflow } from './invoice/workflow';
export { billingRunWorkflow } from './billing-run/workflow';
export { scheduledBillingRunWorkflow } from './billing-schedule/workflow';
export { subscriptionWorkflow } from './subscription/workflow';
export { bankLineMatchWorkflow, reconciliationWorkflow } from './reconciliation/workflow';
