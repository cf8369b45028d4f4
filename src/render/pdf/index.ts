/**
 * The PDFs sent to customers, in their language: the invoice, and the final-notice letter that goes
 * with the last reminder. Each document has its module (./invoice, ./final-notice) that takes its
 * words from the copy of the customer's language (./copy) and draws with the shared page (./layout).
 */
export { type FinalNoticeOptions, renderFinalNoticePdf } from './final-notice';
export { renderInvoicePdf } from './invoice';
export type { PdfOptions } from './layout';
