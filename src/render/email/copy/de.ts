import { FINAL_NOTICE_PAYMENT_DAYS } from '../../format';
import type { EmailCopy } from './types';

/**
 * German, for customers whose locale is de, de-DE, de-AT, de-CH, …. A sentence after the greeting
 * ("Guten Tag …,") starts in lower case, as German letters do.
 */
export const de: EmailCopy = {
  greeting: (name) => `Guten Tag ${name},`,
  sentBy: (issuer) => `Gesendet von ${issuer}`,

  invoice: {
    subject: ({ number, issuer, amountDue, dueOn }) => `Rechnung ${number} von ${issuer}: ${amountDue} fällig am ${dueOn}`,
    preview: ({ number, amountDue, dueOn }) => `Rechnung ${number}: ${amountDue} fällig am ${dueOn}`,
    heading: (number) => `Rechnung ${number}`,
    intro: ({ number, issuer, amountDue, dueOn }) => `anbei erhalten Sie Ihre Rechnung ${number} von ${issuer}. Der Betrag von ${amountDue} ist zahlbar bis zum ${dueOn}.`,
    discount: (rate) => `${rate} Rabatt`,
    lineText: ({ quantity, unitPrice, discount, taxRate, amount }) =>
      `${quantity} × ${unitPrice}${discount ? `, ${discount}` : ''}, MwSt. ${taxRate}: ${amount}`,
    labels: {
      invoice: 'Rechnung',
      issued: 'Rechnungsdatum',
      due: 'Fällig am',
      description: 'Beschreibung',
      quantity: 'Menge',
      unitPrice: 'Einzelpreis',
      tax: 'MwSt.',
      amount: 'Betrag',
      subtotal: 'Zwischensumme',
      total: 'Gesamtbetrag',
      lateFees: 'Mahngebühren',
      amountPaid: 'Bereits bezahlt',
      amountDue: 'Offener Betrag',
      note: 'Hinweis',
      viewInvoice: 'Rechnung ansehen',
    },
  },

  reminder: {
    tones: {
      friendly: ({ number, dueOn, amountDue }) => ({
        subject: `Zahlungserinnerung: Rechnung ${number} (${amountDue}) ist am ${dueOn} fällig`,
        label: 'Zahlungserinnerung',
        heading: `Rechnung ${number} ist am ${dueOn} fällig`,
        paragraphs: [
          `wir möchten Sie freundlich daran erinnern, dass die Rechnung ${number} über ${amountDue} am ${dueOn} fällig ist.`,
          'Falls Sie bereits bezahlt haben, danken wir Ihnen und bitten Sie, diese Nachricht als gegenstandslos zu betrachten.',
        ],
        attachmentNote: null,
      }),
      firm: ({ number, dueOn, amountDue }) => ({
        subject: `Mahnung: Rechnung ${number} (${amountDue}) war am ${dueOn} fällig`,
        label: 'Zahlung überfällig',
        heading: `Rechnung ${number} ist überfällig`,
        paragraphs: [
          `die Rechnung ${number} war am ${dueOn} fällig; der Betrag von ${amountDue} ist noch offen.`,
          'Bitte begleichen Sie den offenen Betrag umgehend. Sollte an der Rechnung etwas nicht stimmen, antworten Sie bitte auf diese E-Mail, damit wir das klären können.',
        ],
        attachmentNote: null,
      }),
      final: ({ number, dueOn, amountDue }) => ({
        subject: `Letzte Mahnung: Rechnung ${number} (${amountDue}) ist überfällig`,
        label: 'Letzte Mahnung',
        heading: `Letzte Mahnung zur Rechnung ${number}`,
        paragraphs: [
          `trotz unserer bisherigen Erinnerungen ist die Rechnung ${number}, fällig am ${dueOn}, weiterhin unbezahlt. Der offene Betrag beträgt ${amountDue}.`,
          `Bitte zahlen Sie den vollständigen Betrag innerhalb von ${FINAL_NOTICE_PAYMENT_DAYS} Tagen. Geht die Zahlung bis dahin nicht bei uns ein, übergeben wir die Forderung an ein Inkassounternehmen; dadurch können weitere Kosten entstehen und Ihre Kreditwürdigkeit kann beeinträchtigt werden.`,
        ],
        attachmentNote: 'Unser förmliches Mahnschreiben ist dieser E-Mail als PDF beigefügt.',
      }),
      collections: ({ number, dueOn, amountDue }) => ({
        subject: `Rechnung ${number} wurde an ein Inkassounternehmen übergeben`,
        label: 'Inkasso',
        heading: `Rechnung ${number} wurde an ein Inkassounternehmen übergeben`,
        paragraphs: [
          `die Rechnung ${number}, fällig am ${dueOn}, ist trotz unserer Erinnerungen und der letzten Mahnung weiterhin unbezahlt. Der offene Betrag beträgt ${amountDue}.`,
          'Wir haben die Forderung daher an ein Inkassounternehmen übergeben. Unser Inkassopartner kann sich nun direkt an Sie wenden; dabei können zusätzliche Kosten entstehen.',
          'Falls es sich um einen Irrtum handelt oder Sie bereits bezahlt haben, antworten Sie bitte umgehend auf diese E-Mail.',
        ],
        attachmentNote: null,
      }),
    },
    preview: ({ heading, amountDue, dueOn }) => `${heading}: ${amountDue} fällig am ${dueOn}`,
    level: (level) => String(level),
    labels: {
      invoice: 'Rechnung',
      dueDate: 'Fällig am',
      reminder: 'Mahnstufe',
      amountDue: 'Offener Betrag',
      viewInvoice: 'Rechnung ansehen',
    },
  },

  approval: {
    kinds: {
      request: ({ customer, total }) => ({
        subject: `Freigabe erforderlich: Rechnung für ${customer} (${total})`,
        label: 'Freigabe erforderlich',
        heading: `Rechnung für ${customer} (${total}) wartet auf Ihre Freigabe`,
        paragraphs: [
          `Ein Rechnungsentwurf für ${customer} über ${total} wartet auf Ihre Entscheidung. Die Rechnung wird erst ausgestellt, wenn sie freigegeben ist.`,
          'Bitte prüfen Sie die Positionen und Summen und geben Sie die Rechnung frei oder lehnen Sie sie ab.',
        ],
      }),
      escalation: ({ customer, total, since }) => ({
        subject: `Eskalation: Rechnung für ${customer} (${total}) wartet seit dem ${since}`,
        label: 'Eskalation',
        heading: `Rechnung für ${customer} (${total}) wartet seit dem ${since} auf eine Entscheidung`,
        paragraphs: [
          `Dieser Rechnungsentwurf wartet seit dem ${since} auf Freigabe. Dem Kunden wird erst etwas berechnet, wenn jemand die Rechnung freigibt oder ablehnt.`,
          'Bitte prüfen Sie sie jetzt oder geben Sie sie an jemanden weiter, der entscheiden kann.',
        ],
      }),
    },
    draftReference: 'Entwurf, Nummer folgt bei Ausstellung',
    dueWhenIssued: 'Wird bei Ausstellung festgelegt',
    labels: {
      customer: 'Kunde',
      invoice: 'Rechnung',
      lines: 'Positionen',
      dueDate: 'Fällig am',
      total: 'Gesamtbetrag',
      noteOnInvoice: 'Hinweis zur Rechnung',
      reviewInvoice: 'Rechnung prüfen',
    },
  },
};
