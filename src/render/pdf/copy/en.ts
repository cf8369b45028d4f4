import type { PdfCopy } from './types';

/** English, and the fallback for every locale billflow has no copy for. */
export const en: PdfCopy = {
  pageOf: ({ reference, page, count }) => `${reference} - page ${page} of ${count}`,
  amounts: {
    subtotal: 'Subtotal',
    tax: 'Tax',
    total: 'Invoice total',
    lateFees: 'Late fees',
    amountPaid: 'Amount paid',
    amountDue: 'Amount due',
  },

  invoice: {
    title: (number) => `Invoice ${number}`,
    subject: (customer) => `Invoice for ${customer}`,
    heading: 'Invoice',
    labels: {
      billTo: 'Bill to',
      issueDate: 'Issue date',
      dueDate: 'Due date',
      note: 'Note',
    },
    columns: {
      description: 'Description',
      quantity: 'Qty',
      unitPrice: 'Unit price',
      tax: 'Tax',
      amount: 'Amount',
    },
    discounted: ({ description, rate }) => `${description} (${rate} discount)`,
    viewOnline: (url) => `View this invoice online: ${url}`,
  },

  finalNotice: {
    title: (number) => `Final notice: invoice ${number}`,
    subject: (customer) => `Final notice to ${customer}`,
    heading: 'Final notice',
    reference: ({ number, dueOn }) => `Invoice ${number}, due ${dueOn}`,
    greeting: (name) => `Dear ${name},`,
    overdue: ({ number, issuedOn, dueOn, amountDue }) =>
      `Despite our earlier reminders, invoice ${number}, issued on ${issuedOn} and due on ${dueOn}, remains unpaid. The amount now due is ${amountDue}.`,
    labels: {
      invoiceNumber: 'Invoice number',
      originalDueDate: 'Original due date',
    },
    demand: ({ amountDue, deadline, days }) => `Please pay ${amountDue} by ${deadline}, within ${days} days of the date of this letter.`,
    consequences:
      'If we have not received payment in full by then, we will pass the account to collections without further notice. ' +
      'This may add collection costs to the amount you owe and may affect your credit standing.',
    disputes: ({ issuerEmail, deadline, url }) =>
      `If you have already paid, please disregard this letter. If you dispute the invoice, contact us at ${issuerEmail} before ${deadline}. ` +
      `You can view the invoice at ${url}.`,
    closing: 'Yours sincerely,',
    signedFor: 'Accounts receivable',
  },
  creditNote: {
    title: (number) => `Credit note ${number}`,
    subject: (customer) => `Credit note for ${customer}`,
    heading: 'Credit note',
    labels: {
      creditTo: 'Credit to',
      issueDate: 'Issue date',
      invoice: 'Invoice',
      reason: 'Reason',
    },
    amountRow: (invoiceNumber) => `Credit on invoice ${invoiceNumber}`,
    summary: {
      totalCredited: 'Total credited',
      appliedToInvoice: (invoiceNumber) => `Taken off invoice ${invoiceNumber}`,
      toCreditBalance: 'Added to your credit balance',
    },
    viewInvoice: (url) => `View the invoice online: ${url}`,
  },
};
