import type { InvoiceDocument } from '../document';
import { assertIssued, formatBps, formatQuantity } from '../format';
import { type Locale, resolveLocale } from '../locale';
import { type InvoicePdfCopy, type PdfCopy, pdfCopy } from './copy';
import {
  amount,
  type Column,
  COLUMN_GAP,
  CONTENT_WIDTH,
  drawFooters,
  drawHeading,
  drawLetterhead,
  drawNote,
  drawParty,
  drawSummary,
  drawTable,
  keyValue,
  label,
  PAGE,
  type Pdf,
  type PdfOptions,
  renderPdf,
  write,
} from './layout';

/** The invoice as a PDF, in the customer's language: the lines, the totals, the note and a link to it online. */
export async function renderInvoicePdf(doc: InvoiceDocument, options: PdfOptions = {}): Promise<Buffer> {
  const locale = resolveLocale(doc.customer.locale);
  const copy = pdfCopy(locale.language);
  const words = copy.invoice;
  const issued = assertIssued(doc, locale);
  const info = { Title: words.title(issued.number), Author: doc.issuer.name, Subject: words.subject(doc.customer.name) };
  return renderPdf(info, options, (pdf) => {
    drawLetterhead(pdf, doc.issuer);
    drawHeading(pdf, words.heading, 130, 'accent', 'right');
    write(pdf, issued.number, { font: 'regular', size: 11, colour: 'text' }, { width: CONTENT_WIDTH, align: 'right' });

    const top = 195;
    label(pdf, words.labels.billTo, PAGE.margin, top);
    const addressBottom = drawParty(pdf, doc.customer, PAGE.margin, top + 14, 260);
    const datesX = PAGE.margin + CONTENT_WIDTH - 200;
    keyValue(pdf, words.labels.issueDate, issued.issuedOn, datesX, top, 200);
    keyValue(pdf, words.labels.dueDate, issued.dueOn, datesX, top + 16, 200, true);

    const rows = doc.lines.map((line) => [
      line.discountBps ? words.discounted({ description: line.description, rate: formatBps(line.discountBps, locale) }) : line.description,
      formatQuantity(line.quantity, locale),
      amount(doc, line.unitPriceMinor, locale),
      formatBps(line.taxRateBps, locale),
      amount(doc, line.netMinor, locale),
    ]);
    const tableBottom = drawTable(pdf, columns(words.columns), rows, Math.max(addressBottom, top + 32) + 28);
    const totalsBottom = drawTotals(pdf, doc, copy.amounts, locale, tableBottom + 12);
    if (doc.memo) drawNote(pdf, words.labels.note, doc.memo, totalsBottom + 20);
    drawFooters(pdf, { text: words.viewOnline(doc.url), link: doc.url, reference: issued.number, pageOf: copy.pageOf });
  });
}

/** Description takes what the figures leave of the width. */
function columns(titles: InvoicePdfCopy['columns']): Column[] {
  const figures: Column[] = [
    { title: titles.quantity, width: 50, align: 'right' },
    { title: titles.unitPrice, width: 88, align: 'right' },
    { title: titles.tax, width: 44, align: 'right' },
    { title: titles.amount, width: 92, align: 'right' },
  ];
  const descriptionWidth = CONTENT_WIDTH - figures.reduce((sum, column) => sum + column.width + COLUMN_GAP, 0);
  return [{ title: titles.description, width: descriptionWidth, align: 'left' }, ...figures];
}

/** Subtotal to amount due, right-aligned under the table. */
function drawTotals(pdf: Pdf, doc: InvoiceDocument, labels: PdfCopy['amounts'], locale: Locale, top: number): number {
  const width = 240;
  return drawSummary(
    pdf,
    [
      [labels.subtotal, amount(doc, doc.subtotalMinor, locale)],
      [labels.tax, amount(doc, doc.taxMinor, locale)],
      [labels.total, amount(doc, doc.totalMinor, locale)],
      [labels.lateFees, doc.feesMinor > 0 ? amount(doc, doc.feesMinor, locale) : null],
      [labels.amountPaid, doc.amountPaidMinor > 0 ? `-${amount(doc, doc.amountPaidMinor, locale)}` : null],
    ],
    [labels.amountDue, amount(doc, doc.amountDueMinor, locale)],
    { x: PAGE.margin + CONTENT_WIDTH - width, top, width },
  );
}
