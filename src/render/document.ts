import type { ReminderTemplate } from '../domain/dunning';
import type { PricedLine } from '../domain/lines';

/** Everything an invoice email or PDF shows: built from the invoice's facts by buildInvoiceDocument. */
export interface InvoiceDocument {
  invoiceId: string;
  /** Null only for documents about unissued drafts (approval requests). */
  number: string | null;
  currency: string;
  issuedAt: string | null;
  dueAt: string | null;
  customer: { name: string; email: string; locale: string };
  lines: PricedLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  /** Late fees charged on top of the lines. */
  feesMinor: number;
  amountPaidMinor: number;
  amountDueMinor: number;
  memo: string | null;
  /** Link to the invoice (PUBLIC_BASE_URL/invoices/:id). */
  url: string;
  /** Who sends it, shown in the header and footer. */
  issuer: { name: string; email: string };
}

/** A reminder's tone is its dunning step's template; `final` also attaches a PDF letter. */
export type ReminderTone = ReminderTemplate;

/** An approval email: the request when a draft starts waiting, the escalation when it has waited too long. */
export type ApprovalKind = 'request' | 'escalation';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}
