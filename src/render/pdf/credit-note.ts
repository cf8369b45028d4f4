import type { PricedLine } from '../../domain/lines';
import type { InvoiceDocument } from '../document';
import { formatBps, formatDate, formatQuantity } from '../format';
import { type Locale, resolveLocale } from '../locale';
import type { CreditNotePdfCopy, InvoicePdfCopy, PdfCopy } from './copy';
import { pdfCopy } from './copy';
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

/** Everything a credit note's PDF shows, built from the stored credit note and its invoice. */
export interface CreditNoteDocument {
  number: string;
  invoiceId: string;
  invoiceNumber: string;
  currency: string;
  issuedAt: string;
  customer: InvoiceDocument['customer'];
  /** The lines credited, when it was given by line; null for an amount. */
  lines: PricedLine[] | null;
  amountMinor: number;
  /** What it took off the invoice's amount due. */
  appliedMinor: number;
  /** What went beyond it to the customer's credit. */
  creditMinor: number;
  reason: string;
  /** Link to the invoice it credits. */
  url: string;
  issuer: InvoiceDocument['issuer'];
}

/**
 * A credit note as a PDF, in the customer's language, on the invoice's page layout: who it credits
 * and which invoice, the lines credited (or the one amount), what it took off the invoice and what
 * went to the customer's credit, and the reason.
 */
export async function renderCreditNotePdf(doc: CreditNoteDocument, options: PdfOptions = {}): Promise<Buffer> {
  const locale = resolveLocale(doc.customer.locale);
  const copy = pdfCopy(locale.language);
  const words = copy.creditNote;
  const info = { Title: words.title(doc.number), Author: doc.issuer.name, Subject: words.subject(doc.customer.name) };
  return renderPdf(info, options, (pdf) => {
    drawLetterhead(pdf, doc.issuer);
    drawHeading(pdf, words.heading, 130, 'accent', 'right');
    write(pdf, doc.number, { font: 'regular', size: 11, colour: 'text' }, { width: CONTENT_WIDTH, align: 'right' });

    const top = 195;
    label(pdf, words.labels.creditTo, PAGE.margin, top);
    const addressBottom = drawParty(pdf, doc.customer, PAGE.margin, top + 14, 260);
    const datesX = PAGE.margin + CONTENT_WIDTH - 200;
    keyValue(pdf, words.labels.issueDate, formatDate(doc.issuedAt, locale), datesX, top, 200);
    keyValue(pdf, words.labels.invoice, doc.invoiceNumber, datesX, top + 16, 200, true);

    const tableTop = Math.max(addressBottom, top + 32) + 28;
    const tableBottom = doc.lines
      ? drawTable(pdf, lineColumns(copy.invoice.columns), lineRows(doc, doc.lines, copy.invoice, locale), tableTop)
      : drawTable(pdf, amountColumns(copy.invoice.columns), [[words.amountRow(doc.invoiceNumber), amount(doc, doc.amountMinor, locale)]], tableTop);
    const summaryBottom = drawCredited(pdf, doc, copy, locale, tableBottom + 12);
    drawNote(pdf, words.labels.reason, doc.reason, summaryBottom + 20);
    drawFooters(pdf, { text: words.viewInvoice(doc.url), link: doc.url, reference: doc.number, pageOf: copy.pageOf });
  });
}

function lineRows(doc: CreditNoteDocument, lines: PricedLine[], words: InvoicePdfCopy, locale: Locale): string[][] {
  return lines.map((line) => [
    line.discountBps ? words.discounted({ description: line.description, rate: formatBps(line.discountBps, locale) }) : line.description,
    formatQuantity(line.quantity, locale),
    amount(doc, line.unitPriceMinor, locale),
    formatBps(line.taxRateBps, locale),
    amount(doc, line.netMinor, locale),
  ]);
}

/** As the invoice's table: the description takes what the figures leave of the width. */
function lineColumns(titles: InvoicePdfCopy['columns']): Column[] {
  const figures: Column[] = [
    { title: titles.quantity, width: 50, align: 'right' },
    { title: titles.unitPrice, width: 88, align: 'right' },
    { title: titles.tax, width: 44, align: 'right' },
    { title: titles.amount, width: 92, align: 'right' },
  ];
  return [{ title: titles.description, width: CONTENT_WIDTH - figures.reduce((sum, c) => sum + c.width + COLUMN_GAP, 0), align: 'left' }, ...figures];
}

function amountColumns(titles: InvoicePdfCopy['columns']): Column[] {
  return [
    { title: titles.description, width: CONTENT_WIDTH - 92 - COLUMN_GAP, align: 'left' },
    { title: titles.amount, width: 92, align: 'right' },
  ];
}

/** Subtotal and tax of the lines (when by line), where the credit went, and the total credited. */
function drawCredited(pdf: Pdf, doc: CreditNoteDocument, copy: PdfCopy, locale: Locale, top: number): number {
  const words: CreditNotePdfCopy['summary'] = copy.creditNote.summary;
  const width = 260;
  const net = doc.lines?.reduce((sum, line) => sum + line.netMinor, 0);
  const tax = doc.lines?.reduce((sum, line) => sum + line.taxMinor, 0);
  return drawSummary(
    pdf,
    [
      [copy.amounts.subtotal, net === undefined ? null : amount(doc, net, locale)],
      [copy.amounts.tax, tax === undefined ? null : amount(doc, tax, locale)],
      [words.appliedToInvoice(doc.invoiceNumber), amount(doc, doc.appliedMinor, locale)],
      [words.toCreditBalance, doc.creditMinor > 0 ? amount(doc, doc.creditMinor, locale) : null],
    ],
    [words.totalCredited, amount(doc, doc.amountMinor, locale)],
    { x: PAGE.margin + CONTENT_WIDTH - width, top, width },
  );
}
