import type { Config } from '../../config';
import type { Customer } from '../../db/customers';
import type { StoredCreditNote } from '../../db/credit-notes';
import { issuerOf } from '../../render/build-document';
import type { CreditNoteDocument } from '../../render/pdf';

/** A credit note as API.md shows it (GET /credit-notes/:id); pdfUrl as the invoice view links it. */
export interface CreditNoteDetailView {
  number: string;
  invoiceId: string;
  invoiceNumber: string | null;
  amountMinor: number;
  appliedMinor: number;
  creditMinor: number;
  currency: string;
  reason: string;
  lines: StoredCreditNote['lines'];
  issuedBy: string;
  issuedAt: string;
  pdfUrl: string;
}

export function creditNoteDetailView(note: StoredCreditNote): CreditNoteDetailView {
  return {
    number: note.number,
    invoiceId: note.invoiceId,
    invoiceNumber: note.invoiceNumber,
    amountMinor: note.amountMinor,
    appliedMinor: note.appliedMinor,
    creditMinor: note.creditMinor,
    currency: note.currency,
    reason: note.reason,
    lines: note.lines,
    issuedBy: note.issuedBy,
    issuedAt: note.issuedAt,
    pdfUrl: `/credit-notes/${note.number}/pdf`,
  };
}

/**
 * The credit note as its PDF shows it, sent as the invoice is: the issuer from MAIL_FROM ("Name
 * <address>"), the link to the invoice under PUBLIC_BASE_URL, in the customer's language.
 */
export function creditNoteDocument(note: StoredCreditNote, customer: Customer | null, sender: Pick<Config, 'publicBaseUrl' | 'mailFrom'>): CreditNoteDocument {
  return {
    number: note.number,
    invoiceId: note.invoiceId,
    // A credit note is only ever issued on an issued invoice, which has a number.
    invoiceNumber: note.invoiceNumber ?? note.invoiceId,
    currency: note.currency,
    issuedAt: note.issuedAt,
    customer: { name: customer?.name ?? '', email: customer?.email ?? '', locale: customer?.locale ?? 'en' },
    lines: note.lines,
    amountMinor: note.amountMinor,
    appliedMinor: note.appliedMinor,
    creditMinor: note.creditMinor,
    reason: note.reason,
    url: `${sender.publicBaseUrl}/invoices/${note.invoiceId}`,
    issuer: issuerOf(sender.mailFrom),
  };
}
