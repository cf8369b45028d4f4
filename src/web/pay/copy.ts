import type { InvoiceStatus } from '../../domain/invoice';
import type { Language } from '../../render/locale';

/**
 * The pay page's words in each language billflow writes to customers in (src/render/locale.ts), in
 * the terms of the invoice PDF (src/render/pdf/copy). Amounts and dates come formatted already.
 */
export interface PayPageCopy {
  title: (number: string) => string;
  issuedFor: (p: { customer: string; issuedOn: string; dueOn: string }) => string;
  status: Partial<Record<InvoiceStatus, string>>;
  checkoutSuccess: string;
  checkoutCancelled: string;
  linesCaption: string;
  columns: { description: string; quantity: string; unitPrice: string; amount: string };
  amounts: { subtotal: string; tax: string; total: string; lateFees: string; paid: string; credited: string; amountDue: string };
  downloadPdf: string;
  howToPay: string;
  payButton: (amount: string) => string;
  stripeNote: string;
  bankTransferHeading: string;
  bankTransfer: { before: string; quoting: string; after: string };
  paid: string;
  nothingDue: string;
  notPayable: (status: string) => string;
}

const en: PayPageCopy = {
  title: (number) => `Invoice ${number}`,
  issuedFor: ({ customer, issuedOn, dueOn }) => `For ${customer} · issued ${issuedOn} · due ${dueOn}`,
  status: { open: 'Open', overdue: 'Overdue', disputed: 'Disputed', paid: 'Paid', void: 'Void', uncollectible: 'Written off' },
  checkoutSuccess: 'Thank you. Your payment is being processed; this page shows it as paid once it is confirmed.',
  checkoutCancelled: 'The payment was cancelled. Nothing was charged.',
  linesCaption: 'Invoice lines',
  columns: { description: 'Description', quantity: 'Qty', unitPrice: 'Unit price', amount: 'Amount' },
  amounts: { subtotal: 'Subtotal', tax: 'Tax', total: 'Total', lateFees: 'Late fees', paid: 'Paid', credited: 'Credited', amountDue: 'Amount due' },
  downloadPdf: 'Download the invoice (PDF)',
  howToPay: 'How to pay',
  payButton: (amount) => `Pay ${amount}`,
  stripeNote: "You pay on Stripe's secure checkout page; your card details never reach us.",
  bankTransferHeading: 'Pay by bank transfer',
  bankTransfer: { before: 'Please transfer', quoting: 'to the bank account shown on the invoice, quoting', after: 'as the payment reference so we can match it.' },
  paid: 'This invoice is paid. Thank you.',
  nothingDue: 'Nothing is due on this invoice.',
  notPayable: (status) => `This invoice is ${status.toLowerCase()}: there is nothing to pay.`,
};

const de: PayPageCopy = {
  title: (number) => `Rechnung ${number}`,
  issuedFor: ({ customer, issuedOn, dueOn }) => `Für ${customer} · Rechnungsdatum ${issuedOn} · fällig am ${dueOn}`,
  status: { open: 'Offen', overdue: 'Überfällig', disputed: 'Beanstandet', paid: 'Bezahlt', void: 'Storniert', uncollectible: 'Abgeschrieben' },
  checkoutSuccess: 'Vielen Dank. Ihre Zahlung wird bearbeitet; diese Seite zeigt die Rechnung als bezahlt, sobald sie bestätigt ist.',
  checkoutCancelled: 'Die Zahlung wurde abgebrochen. Es wurde nichts belastet.',
  linesCaption: 'Rechnungspositionen',
  columns: { description: 'Beschreibung', quantity: 'Menge', unitPrice: 'Einzelpreis', amount: 'Betrag' },
  amounts: {
    subtotal: 'Zwischensumme',
    tax: 'MwSt.',
    total: 'Gesamtbetrag',
    lateFees: 'Mahngebühren',
    paid: 'Bereits bezahlt',
    credited: 'Gutgeschrieben',
    amountDue: 'Offener Betrag',
  },
  downloadPdf: 'Rechnung herunterladen (PDF)',
  howToPay: 'Zahlung',
  payButton: (amount) => `${amount} bezahlen`,
  stripeNote: 'Sie bezahlen auf der sicheren Bezahlseite von Stripe; Ihre Kartendaten erreichen uns nie.',
  bankTransferHeading: 'Zahlung per Überweisung',
  bankTransfer: {
    before: 'Bitte überweisen Sie',
    quoting: 'auf das in der Rechnung angegebene Bankkonto und geben Sie',
    after: 'als Verwendungszweck an, damit wir die Zahlung zuordnen können.',
  },
  paid: 'Diese Rechnung ist bezahlt. Vielen Dank.',
  nothingDue: 'Auf diese Rechnung ist nichts zu zahlen.',
  notPayable: (status) => `Diese Rechnung ist ${status.toLowerCase()}: es ist nichts zu zahlen.`,
};

const COPY: Record<Language, PayPageCopy> = { en, de };

export function payPageCopy(language: Language): PayPageCopy {
  return COPY[language];
}
