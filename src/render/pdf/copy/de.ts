import type { PdfCopy } from './types';

/**
 * German, for customers whose locale is de, de-DE, de-AT, de-CH, …, in the terms of the German
 * emails (src/render/email/copy/de.ts). The letter greets as the emails do ("Guten Tag …,"), so the
 * sentence after the greeting starts in lower case; a German closing takes no comma.
 */
export const de: PdfCopy = {
  pageOf: ({ reference, page, count }) => `${reference} - Seite ${page} von ${count}`,
  amounts: {
    subtotal: 'Zwischensumme',
    tax: 'MwSt.',
    total: 'Gesamtbetrag',
    lateFees: 'Mahngebühren',
    amountPaid: 'Bereits bezahlt',
    amountDue: 'Offener Betrag',
  },

  invoice: {
    title: (number) => `Rechnung ${number}`,
    subject: (customer) => `Rechnung für ${customer}`,
    heading: 'Rechnung',
    labels: {
      billTo: 'Rechnungsempfänger',
      issueDate: 'Rechnungsdatum',
      dueDate: 'Fällig am',
      note: 'Hinweis',
    },
    columns: {
      description: 'Beschreibung',
      quantity: 'Menge',
      unitPrice: 'Einzelpreis',
      tax: 'MwSt.',
      amount: 'Betrag',
    },
    discounted: ({ description, rate }) => `${description} (${rate} Rabatt)`,
    viewOnline: (url) => `Rechnung online ansehen: ${url}`,
  },

  finalNotice: {
    title: (number) => `Letzte Mahnung: Rechnung ${number}`,
    subject: (customer) => `Letzte Mahnung an ${customer}`,
    heading: 'Letzte Mahnung',
    reference: ({ number, dueOn }) => `Rechnung ${number}, fällig am ${dueOn}`,
    greeting: (name) => `Guten Tag ${name},`,
    overdue: ({ number, issuedOn, dueOn, amountDue }) =>
      `trotz unserer bisherigen Erinnerungen ist die Rechnung ${number} vom ${issuedOn}, fällig am ${dueOn}, weiterhin unbezahlt. Der offene Betrag beträgt ${amountDue}.`,
    labels: {
      invoiceNumber: 'Rechnungsnummer',
      originalDueDate: 'Ursprünglich fällig am',
    },
    demand: ({ amountDue, deadline, days }) => `Bitte zahlen Sie ${amountDue} bis zum ${deadline}, innerhalb von ${days} Tagen ab dem Datum dieses Schreibens.`,
    consequences:
      'Geht die Zahlung bis dahin nicht vollständig bei uns ein, übergeben wir die Forderung ohne weitere Ankündigung an ein Inkassounternehmen. ' +
      'Dadurch können Ihnen zusätzliche Inkassokosten entstehen, und Ihre Kreditwürdigkeit kann beeinträchtigt werden.',
    disputes: ({ issuerEmail, deadline, url }) =>
      `Sollten Sie bereits bezahlt haben, betrachten Sie dieses Schreiben bitte als gegenstandslos. Falls Sie die Rechnung beanstanden, wenden Sie sich bitte vor dem ${deadline} an ${issuerEmail}. ` +
      `Die Rechnung können Sie unter ${url} einsehen.`,
    closing: 'Mit freundlichen Grüßen',
    signedFor: 'Debitorenbuchhaltung',
  },
  creditNote: {
    title: (number) => `Gutschrift ${number}`,
    subject: (customer) => `Gutschrift für ${customer}`,
    heading: 'Gutschrift',
    labels: {
      creditTo: 'Gutschriftempfänger',
      issueDate: 'Datum',
      invoice: 'Zur Rechnung',
      reason: 'Grund',
    },
    amountRow: (invoiceNumber) => `Gutschrift zur Rechnung ${invoiceNumber}`,
    summary: {
      totalCredited: 'Gutschriftbetrag',
      appliedToInvoice: (invoiceNumber) => `Verrechnet mit Rechnung ${invoiceNumber}`,
      toCreditBalance: 'Ihrem Guthaben gutgeschrieben',
    },
    viewInvoice: (url) => `Rechnung online ansehen: ${url}`,
  },
};
