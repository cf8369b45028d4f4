import { feesMinor, type InvoiceFacts, outstandingMinor } from '../domain/invoice';
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
  const email = /<([^>]+)>/.exec(sender.mailFrom)?.[1] ?? sender.mailFrom.trim();
  const name = sender.mailFrom.replace(/<[^>]+>/, '').trim().replace(/^"|"$/g, '') || email;
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
    amountDueMinor: outstandingMinor({ totalMinor: d.totalMinor, feesMinor: fees, amountPaidMinor: invoice.amountPaidMinor }),
    memo: d.memo,
    url: `${sender.publicBaseUrl}/invoices/${d.id}`,
    issuer: { name, email },
  };
}
