import type { InvoiceDocument } from '../document';
import { addDays, assertIssued, FINAL_NOTICE_PAYMENT_DAYS, formatDate } from '../format';
import { resolveLocale } from '../locale';
import { type FinalNoticeFacts, pdfCopy } from './copy';
import { amount, CONTENT_WIDTH, drawFooters, drawHeading, drawLetterhead, drawParty, drawSummary, moveTo, PAGE, type PdfOptions, renderPdf, type TextStyle, write } from './layout';

export interface FinalNoticeOptions extends PdfOptions {
  /** The letter's date, ISO 8601; the payment deadline counts from it. Defaults to now. */
  date?: string;
}

const BODY: TextStyle = { font: 'regular', size: 10.5 };
const PARAGRAPH = { width: CONTENT_WIDTH, lineGap: 3, paragraphGap: 9 } as const;

/**
 * A one-page formal letter, in the customer's language, that goes with the final reminder: pay by a
 * deadline or go to collections.
 */
export async function renderFinalNoticePdf(doc: InvoiceDocument, options: FinalNoticeOptions = {}): Promise<Buffer> {
  const locale = resolveLocale(doc.customer.locale);
  const copy = pdfCopy(locale.language);
  const words = copy.finalNotice;
  const issued = assertIssued(doc, locale);
  const letterDate = options.date ?? new Date().toISOString();
  const facts: FinalNoticeFacts = {
    number: issued.number,
    issuedOn: issued.issuedOn,
    dueOn: issued.dueOn,
    amountDue: amount(doc, doc.amountDueMinor, locale),
    deadline: formatDate(addDays(letterDate, FINAL_NOTICE_PAYMENT_DAYS), locale),
    days: FINAL_NOTICE_PAYMENT_DAYS,
  };
  const info = { Title: words.title(issued.number), Author: doc.issuer.name, Subject: words.subject(doc.customer.name) };
  return renderPdf(info, options, (pdf) => {
    drawLetterhead(pdf, doc.issuer);
    write(pdf, formatDate(letterDate, locale), { font: 'regular', size: 10, colour: 'text' }, { x: PAGE.margin, y: 130, width: CONTENT_WIDTH, align: 'right' });
    drawParty(pdf, doc.customer, PAGE.margin, 130, 300);

    drawHeading(pdf, words.heading, 205, 'danger', 'left');
    write(pdf, words.reference(facts), { font: 'bold', size: 11, colour: 'text' }, { width: CONTENT_WIDTH });

    pdf.moveDown(1.2);
    write(pdf, words.greeting(doc.customer.name), BODY, PARAGRAPH);
    write(pdf, words.overdue(facts), BODY, PARAGRAPH);

    const { amounts } = copy;
    const summaryBottom = drawSummary(
      pdf,
      [
        [words.labels.invoiceNumber, issued.number],
        [words.labels.originalDueDate, issued.dueOn],
        [amounts.total, amount(doc, doc.totalMinor, locale)],
        [amounts.lateFees, doc.feesMinor > 0 ? amount(doc, doc.feesMinor, locale) : null],
        [amounts.amountPaid, doc.amountPaidMinor > 0 ? `-${amount(doc, doc.amountPaidMinor, locale)}` : null],
      ],
      [amounts.amountDue, facts.amountDue],
      { x: PAGE.margin + 20, top: pdf.y + 6, width: 300 },
    );

    moveTo(pdf, PAGE.margin, summaryBottom + 10);
    write(pdf, words.demand(facts), { ...BODY, font: 'bold' }, PARAGRAPH);
    write(pdf, words.consequences, BODY, PARAGRAPH);
    write(pdf, words.disputes({ ...facts, issuerEmail: doc.issuer.email, url: doc.url }), BODY, PARAGRAPH);
    pdf.moveDown(1);
    write(pdf, words.closing, BODY, PARAGRAPH);
    pdf.moveDown(1.5);
    write(pdf, doc.issuer.name, { ...BODY, font: 'bold' }, { width: CONTENT_WIDTH });
    write(pdf, words.signedFor, { ...BODY, colour: 'muted' }, { width: CONTENT_WIDTH });
    drawFooters(pdf, { text: `${doc.issuer.name} - ${doc.issuer.email}`, reference: issued.number, pageOf: copy.pageOf });
  });
}
