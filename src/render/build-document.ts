import { outstandingMinor } from '../domain/invoice';
import type { InvoiceDocument } from './document';

/** The parts of an invoice a document shows, whether read from the workflow or from PostgreSQL. */
export type DocumentSource = Omit<InvoiceDocument, 'amountDueMinor' | 'url' | 'issuer'>;

export function buildInvoiceDocument(source: DocumentSource, sender: { publicBaseUrl: string; mailFrom: string }): InvoiceDocument {
  const email = /<([^>]+)>/.exec(sender.mailFrom)?.[1] ?? sender.mailFrom.trim();
  const name = sender.mailFrom.replace(/<[^>]+>/, '').trim().replace(/^"|"$/g, '') || email;
  return {
    ...source,
    amountDueMinor: outstandingMinor(source),
    url: `${sender.publicBaseUrl}/invoices/${source.invoiceId}`,
    issuer: { name, email },
  };
}
