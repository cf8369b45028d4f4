/**
 * The PDFs sent to customers, in their language: the invoice, its credit notes, and the final-notice
 * letter that goes with the last reminder. Each document has its module (./invoice, ./credit-note,
 * ./final-notice) that takes its words from the copy of the customer's language (./copy) and draws
 * with the shared page (./layout).
 */
export { type FinalNoticeOptions, renderFinalNoticePdf } from './final-notice';
export { type CreditNoteDocument, renderCreditNotePdf } from './credit-note';
export { renderInvoicePdf } from './invoice';
export type { PdfOptions } from './layout';
