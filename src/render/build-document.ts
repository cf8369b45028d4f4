import { amountDueMinor, feesMinor, type InvoiceFacts } from '../domain/invoice';
import type { InvoiceDocument } from './document';

/**
 * The invoice as a document (email, PDF): the one place it is built, from the invoice's facts,
 * whether the workflow holds them (emails) or PostgreSQL does (the PDF over the api).
 */
export function buildInvoiceDocument(
  invoice: InvoiceFacts,
  customer: InvoiceDocument['customer'],
  sender: { publicBaseUrl: string; mailFrom: string },
): InvoiceDocument {
  const d = invoice.draft;
  const fees = feesMinor(invoice);
  return {
    invoiceId: d.id,
    number: invoice.number,
    currency: d.currency,
    issuedAt: invoice.issuedAt,
    dueAt: invoice.dueAt,
    customer: { name: customer.name, email: customer.email, locale: customer.locale },
    lines: d.lines,
    subtotalMinor: d.subtotalMinor,
    taxMinor: d.taxMinor,
    totalMinor: d.totalMinor,
    feesMinor: fees,
    amountPaidMinor: invoice.amountPaidMinor,
    amountDueMinor: amountDueMinor(invoice),
    memo: d.memo,
    url: `${sender.publicBaseUrl}/invoices/${d.id}`,
    issuer: issuerOf(sender.mailFrom),
  };
}

/** Who sends the documents, from MAIL_FROM ("Name <address>", or the address alone). */
export function issuerOf(mailFrom: string): { name: string; email: string } {
  const email = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  const name = mailFrom.replace(/<[^>]+>/, '').trim().replace(/^"|"$/g, '') || email;
  return { name, email };
}
