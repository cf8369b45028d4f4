import type { ApprovalKind, ReminderTone } from '../../document';

/**
 * Every word of the emails in one language: subjects, headings, labels, buttons and the sentences of
 * the text parts. The facts arrive formatted for the locale (amounts, dates, rates), so the copy
 * only places them. Sentences are plain text: the templates escape them, and the message modules
 * add the little markup there is.
 */
export interface EmailCopy {
  /** The salutation above the body, "Hello Ada Lovelace,". */
  greeting: (name: string) => string;
  /** The footer line naming the sender. */
  sentBy: (issuer: string) => string;
  invoice: InvoiceCopy;
  reminder: ReminderCopy;
  approval: ApprovalCopy;
}

export interface InvoiceFacts {
  number: string;
  issuer: string;
  amountDue: string;
  dueOn: string;
}

export interface LineFacts {
  quantity: string;
  unitPrice: string;
  /** `discount(rate)` of the line, or null without a discount. */
  discount: string | null;
  taxRate: string;
  amount: string;
}

export interface InvoiceCopy {
  subject: (facts: InvoiceFacts) => string;
  /** The inbox preview line. */
  preview: (facts: InvoiceFacts) => string;
  heading: (number: string) => string;
  /** The first sentence under the greeting; the HTML shows the amount due and the due date in bold. */
  intro: (facts: InvoiceFacts) => string;
  discount: (rate: string) => string;
  /** A line in the text part, under its description. */
  lineText: (line: LineFacts) => string;
  labels: {
    invoice: string;
    issued: string;
    due: string;
    description: string;
    quantity: string;
    unitPrice: string;
    tax: string;
    amount: string;
    subtotal: string;
    total: string;
    lateFees: string;
    amountPaid: string;
    amountDue: string;
    note: string;
    viewInvoice: string;
  };
}

/** The words of a notice with a coloured banner: a reminder or an approval email. */
export interface NoticeCopy {
  subject: string;
  /** The small capitals above the heading. */
  label: string;
  heading: string;
  paragraphs: string[];
}

export interface ReminderFacts {
  number: string;
  dueOn: string;
  amountDue: string;
}

export interface ReminderCopy {
  /** What each dunning tone says. The subjects escalate so the inbox alone shows how late the invoice is. */
  tones: Record<ReminderTone, (facts: ReminderFacts) => NoticeCopy & { attachmentNote: string | null }>;
  preview: (facts: { heading: string; amountDue: string; dueOn: string }) => string;
  /** The reminder's position in the dunning sequence, 1 for the first. */
  level: (level: number) => string;
  labels: {
    invoice: string;
    dueDate: string;
    reminder: string;
    amountDue: string;
    viewInvoice: string;
  };
}

export interface ApprovalFacts {
  customer: string;
  total: string;
  /** When the request was first sent. */
  since: string;
}

export interface ApprovalCopy {
  kinds: Record<ApprovalKind, (facts: ApprovalFacts) => NoticeCopy>;
  /** In place of the number, which a draft gets when it is issued. */
  draftReference: string;
  /** In place of the due date, which a draft gets when it is issued. */
  dueWhenIssued: string;
  labels: {
    customer: string;
    invoice: string;
    lines: string;
    dueDate: string;
    total: string;
    noteOnInvoice: string;
    reviewInvoice: string;
  };
}
