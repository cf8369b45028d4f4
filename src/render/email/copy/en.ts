import { FINAL_NOTICE_PAYMENT_DAYS } from '../../format';
import type { EmailCopy } from './types';

/** English, and the fallback for every locale billflow has no copy for. */
export const en: EmailCopy = {
  greeting: (name) => `Hello ${name},`,
  sentBy: (issuer) => `Sent by ${issuer}`,

  invoice: {
    subject: ({ number, issuer, amountDue, dueOn }) => `Invoice ${number} from ${issuer}: ${amountDue} due ${dueOn}`,
    preview: ({ number, amountDue, dueOn }) => `Invoice ${number}: ${amountDue} due ${dueOn}`,
    heading: (number) => `Invoice ${number}`,
    intro: ({ number, issuer, amountDue, dueOn }) => `Here is your invoice ${number} from ${issuer}. The amount due is ${amountDue}, payable by ${dueOn}.`,
    discount: (rate) => `${rate} discount`,
    lineText: ({ quantity, unitPrice, discount, taxRate, amount }) =>
      `${quantity} x ${unitPrice}${discount ? `, ${discount}` : ''}, tax ${taxRate}: ${amount}`,
    labels: {
      invoice: 'Invoice',
      issued: 'Issued',
      due: 'Due',
      description: 'Description',
      quantity: 'Qty',
      unitPrice: 'Unit price',
      tax: 'Tax',
      amount: 'Amount',
      subtotal: 'Subtotal',
      total: 'Invoice total',
      lateFees: 'Late fees',
      amountPaid: 'Amount paid',
      amountDue: 'Amount due',
      note: 'Note',
      viewInvoice: 'View invoice',
    },
  },

  reminder: {
    tones: {
      friendly: ({ number, dueOn, amountDue }) => ({
        subject: `Reminder: invoice ${number} (${amountDue}) is due ${dueOn}`,
        label: 'Payment reminder',
        heading: `Invoice ${number} is due ${dueOn}`,
        paragraphs: [
          `This is a friendly reminder that invoice ${number} for ${amountDue} is due on ${dueOn}.`,
          'If you have already paid, thank you, and please disregard this message.',
        ],
        attachmentNote: null,
      }),
      firm: ({ number, dueOn, amountDue }) => ({
        subject: `Overdue: invoice ${number} (${amountDue}) was due ${dueOn}`,
        label: 'Payment overdue',
        heading: `Invoice ${number} is overdue`,
        paragraphs: [
          `Invoice ${number} was due on ${dueOn}, and ${amountDue} is still outstanding.`,
          'Please pay the amount due now. If something about the invoice is wrong, reply to this email so we can sort it out.',
        ],
        attachmentNote: null,
      }),
      final: ({ number, dueOn, amountDue }) => ({
        subject: `Final notice: invoice ${number} (${amountDue}) is overdue`,
        label: 'Final notice',
        heading: `Final notice for invoice ${number}`,
        paragraphs: [
          `Despite our earlier reminders, invoice ${number}, due on ${dueOn}, remains unpaid. ${amountDue} is outstanding.`,
          `Please pay the full amount within ${FINAL_NOTICE_PAYMENT_DAYS} days. If we do not receive payment by then, we will pass the account to collections, which may add further costs and affect your credit standing.`,
        ],
        attachmentNote: 'Our formal final notice letter is attached to this email as a PDF.',
      }),
      collections: ({ number, dueOn, amountDue }) => ({
        subject: `Invoice ${number} has been passed to collections`,
        label: 'Collections',
        heading: `Invoice ${number} has been passed to collections`,
        paragraphs: [
          `Invoice ${number}, due on ${dueOn}, remains unpaid after our reminders and final notice. ${amountDue} is outstanding.`,
          'We have therefore handed the account to collections. You may now be contacted by our collections partner, and additional costs may apply.',
          'If you believe this is a mistake, or you have already paid, reply to this email straight away.',
        ],
        attachmentNote: null,
      }),
    },
    preview: ({ heading, amountDue, dueOn }) => `${heading}: ${amountDue} due ${dueOn}`,
    level: (level) => `no. ${level}`,
    labels: {
      invoice: 'Invoice',
      dueDate: 'Due date',
      reminder: 'Reminder',
      amountDue: 'Amount due',
      viewInvoice: 'View invoice',
    },
  },

  approval: {
    kinds: {
      request: ({ customer, total }) => ({
        subject: `Approval needed: invoice for ${customer} (${total})`,
        label: 'Approval needed',
        heading: `Invoice for ${customer} (${total}) awaits your approval`,
        paragraphs: [
          `A draft invoice for ${customer} of ${total} is waiting for your decision. It will not be issued until it is approved.`,
          'Please review its lines and totals, then approve or reject it.',
        ],
      }),
      escalation: ({ customer, total, since }) => ({
        subject: `Escalation: invoice for ${customer} (${total}) has waited since ${since}`,
        label: 'Escalation',
        heading: `Invoice for ${customer} (${total}) has waited since ${since} without a decision`,
        paragraphs: [
          `This draft invoice has been waiting for approval since ${since}. The customer will not be billed until someone approves or rejects it.`,
          'Please review it now, or pass it on to a colleague who can decide.',
        ],
      }),
    },
    draftReference: 'Draft, numbered when issued',
    dueWhenIssued: 'Set when issued',
    labels: {
      customer: 'Customer',
      invoice: 'Invoice',
      lines: 'Lines',
      dueDate: 'Due date',
      total: 'Total',
      noteOnInvoice: 'Note on the invoice',
      reviewInvoice: 'Review invoice',
    },
  },
};
