// Every workflow the worker runs, in one module (the worker bundles this file).
export { invoiceWorkflow } from './invoice/workflow';
