/**
 * Every word printed on the PDFs in one language. The facts arrive formatted for the locale (amounts,
 * dates, rates), so the copy only places them. Headings and labels are written in normal case: the
 * layout sets them in capitals.
 */
export interface PdfCopy {
  /** The footer's reference on a document of several pages, "INV-1 - page 2 of 3". */
  pageOf: (facts: { reference: string; page: number; count: number }) => string;
  /** The money rows under the invoice's lines and in the final notice's summary. */
  amounts: {
    subtotal: string;
    tax: string;
    total: string;
    lateFees: string;
    amountPaid: string;
    amountDue: string;
  };
  invoice: InvoicePdfCopy;
  finalNotice: FinalNoticeCopy;
  creditNote: CreditNotePdfCopy;
}

export interface InvoicePdfCopy {
  /** The file's title, which PDF readers show in place of the file name. */
  title: (number: string) => string;
  subject: (customer: string) => string;
  heading: string;
  labels: {
    billTo: string;
    issueDate: string;
    dueDate: string;
    note: string;
  };
  columns: {
    description: string;
    quantity: string;
    unitPrice: string;
    tax: string;
    amount: string;
  };
  /** A discounted line's description with its discount rate. */
  discounted: (facts: { description: string; rate: string }) => string;
  /** The footer line, a link to the invoice. */
  viewOnline: (url: string) => string;
}

export interface FinalNoticeFacts {
  number: string;
  issuedOn: string;
  dueOn: string;
  amountDue: string;
  /** The payment deadline, `days` days after the letter's date. */
  deadline: string;
  days: number;
}

export interface FinalNoticeCopy {
  title: (number: string) => string;
  subject: (customer: string) => string;
  heading: string;
  /** The line under the heading naming the invoice. */
  reference: (facts: FinalNoticeFacts) => string;
  greeting: (name: string) => string;
  /** What is unpaid and since when, above the summary of amounts. */
  overdue: (facts: FinalNoticeFacts) => string;
  labels: {
    invoiceNumber: string;
    originalDueDate: string;
  };
  /** The demand, set in bold: the amount and the deadline. */
  demand: (facts: FinalNoticeFacts) => string;
  consequences: string;
  /** Where to turn with a payment already made or a dispute. */
  disputes: (facts: FinalNoticeFacts & { issuerEmail: string; url: string }) => string;
  closing: string;
  /** Under the issuer's name in the signature. */
  signedFor: string;
}

export interface CreditNotePdfCopy {
  title: (number: string) => string;
  subject: (customer: string) => string;
  heading: string;
  labels: {
    creditTo: string;
    issueDate: string;
    invoice: string;
    reason: string;
  };
  /** The one row of a credit note given as an amount rather than by line. */
  amountRow: (invoiceNumber: string) => string;
  summary: {
    totalCredited: string;
    /** The part that lowered the invoice's amount due. */
    appliedToInvoice: (invoiceNumber: string) => string;
    /** The part beyond the amount due, kept as the customer's credit. */
    toCreditBalance: string;
  };
  /** The footer line, a link to the invoice credited. */
  viewInvoice: (url: string) => string;
}
