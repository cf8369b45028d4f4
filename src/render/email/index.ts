/**
 * Emails about invoices. Each message has its module (invoice, reminder, approval) that builds a view
 * from the document and the copy of the reader's language (./copy), renders the HTML from its MJML
 * template (./engine, ./templates) and writes the text part beside it.
 */
export { renderApprovalEmail } from './approval';
export { emailTemplateSource, type TemplateName } from './engine';
export { renderInvoiceEmail, renderInvoiceEmailUncached } from './invoice';
export { renderReminderEmail } from './reminder';
