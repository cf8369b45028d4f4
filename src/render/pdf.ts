import PDFDocument from 'pdfkit';
import type { InvoiceDocument } from './document';
import { addDays, assertIssued, FINAL_NOTICE_PAYMENT_DAYS, formatBps, formatDate, money } from './format';

/**
 * Invoice PDFs and final notice letters, A4, drawn with pdfkit's built-in Helvetica so no font files
 * ship. Those standard fonts cover Latin-1 (WinAnsi) only: text in other scripts does not print.
 */

const PAGE = { width: 595.28, height: 841.89, margin: 50 } as const;
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
/** Room kept free at the bottom of every page for the footer line. */
const FOOTER_SPACE = 30;
const CONTENT_BOTTOM = PAGE.height - PAGE.margin - FOOTER_SPACE;

const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold' } as const;
const COLOUR = { text: '#1f2933', muted: '#616e7c', rule: '#d2d6dc', accent: '#1f4e79', danger: '#b91c1c' } as const;

type Pdf = PDFKit.PDFDocument;

interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
}

const NUMBER_COLUMNS: Column[] = [
  { title: 'Qty', width: 50, align: 'right' },
  { title: 'Unit price', width: 88, align: 'right' },
  { title: 'Tax', width: 44, align: 'right' },
  { title: 'Amount', width: 92, align: 'right' },
];
const COLUMN_GAP = 8;
const COLUMNS: Column[] = [
  { title: 'Description', width: CONTENT_WIDTH - NUMBER_COLUMNS.reduce((sum, c) => sum + c.width + COLUMN_GAP, 0), align: 'left' },
  ...NUMBER_COLUMNS,
];
const TABLE_FONT_SIZE = 9;
const ROW_PADDING = 5;

export interface PdfOptions {
  /** False leaves the page contents uncompressed, so tests can read the text without a PDF library. Default true. */
  compress?: boolean;
}

export async function renderInvoicePdf(doc: InvoiceDocument, options: PdfOptions = {}): Promise<Buffer> {
  const issued = assertIssued(doc);
  const info = { Title: `Invoice ${issued.number}`, Author: doc.issuer.name, Subject: `Invoice for ${doc.customer.name}` };
  return renderPdf(info, options, (pdf) => {
    drawLetterhead(pdf, doc);
    pdf.font(FONT.bold).fontSize(22).fillColor(COLOUR.accent).text('INVOICE', PAGE.margin, 130, { width: CONTENT_WIDTH, align: 'right' });
    pdf.font(FONT.regular).fontSize(11).fillColor(COLOUR.text).text(issued.number, { width: CONTENT_WIDTH, align: 'right' });

    const top = 195;
    label(pdf, 'Bill to', PAGE.margin, top);
    pdf.font(FONT.bold).fontSize(11).fillColor(COLOUR.text).text(doc.customer.name, PAGE.margin, top + 14, { width: 260 });
    pdf.font(FONT.regular).fontSize(10).text(doc.customer.email, { width: 260 });
    const addressBottom = pdf.y;
    const datesX = PAGE.margin + CONTENT_WIDTH - 200;
    keyValue(pdf, 'Issue date', issued.issuedOn, datesX, top, 200);
    keyValue(pdf, 'Due date', issued.dueOn, datesX, top + 16, 200, true);

    const tableBottom = drawLinesTable(pdf, doc, Math.max(addressBottom, top + 32) + 28);
    const totalsBottom = drawTotals(pdf, doc, tableBottom + 12);
    if (doc.memo) drawMemo(pdf, doc.memo, totalsBottom + 20);
    drawFooters(pdf, doc, `View this invoice online: ${doc.url}`, doc.url);
  });
}

export interface FinalNoticeOptions extends PdfOptions {
  /** The letter's date, ISO 8601; the payment deadline counts from it. Defaults to now. */
  date?: string;
}

/** A one-page formal letter that goes with the final reminder: pay by a deadline or go to collections. */
export async function renderFinalNoticePdf(doc: InvoiceDocument, options: FinalNoticeOptions = {}): Promise<Buffer> {
  const issued = assertIssued(doc);
  const letterDate = options.date ?? new Date().toISOString();
  const dated = formatDate(letterDate);
  const deadline = addDays(letterDate, FINAL_NOTICE_PAYMENT_DAYS);
  const amountDue = money(doc, doc.amountDueMinor);
  const info = { Title: `Final notice: invoice ${issued.number}`, Author: doc.issuer.name, Subject: `Final notice to ${doc.customer.name}` };
  return renderPdf(info, options, (pdf) => {
    drawLetterhead(pdf, doc);
    pdf.font(FONT.regular).fontSize(10).fillColor(COLOUR.text).text(dated, PAGE.margin, 130, { width: CONTENT_WIDTH, align: 'right' });
    pdf.font(FONT.bold).fontSize(11).text(doc.customer.name, PAGE.margin, 130, { width: 300 });
    pdf.font(FONT.regular).fontSize(10).text(doc.customer.email, { width: 300 });

    pdf.font(FONT.bold).fontSize(22).fillColor(COLOUR.danger).text('FINAL NOTICE', PAGE.margin, 205, { width: CONTENT_WIDTH });
    pdf.font(FONT.bold).fontSize(11).fillColor(COLOUR.text).text(`Invoice ${issued.number}, due ${issued.dueOn}`, { width: CONTENT_WIDTH });

    const paragraph = { width: CONTENT_WIDTH, lineGap: 3, paragraphGap: 9 };
    pdf.moveDown(1.2).font(FONT.regular).fontSize(10.5);
    pdf.text(`Dear ${doc.customer.name},`, paragraph);
    pdf.text(
      `Despite our earlier reminders, invoice ${issued.number}, issued on ${issued.issuedOn} and due on ${issued.dueOn}, remains unpaid. ` +
        `The amount now due is ${amountDue}.`,
      paragraph,
    );

    let y = pdf.y + 6;
    const rows: [string, string | null][] = [
      ['Invoice number', issued.number],
      ['Original due date', issued.dueOn],
      ['Invoice total', money(doc, doc.totalMinor)],
      ['Late fees', doc.feesMinor > 0 ? money(doc, doc.feesMinor) : null],
      ['Amount paid', doc.amountPaidMinor > 0 ? `-${money(doc, doc.amountPaidMinor)}` : null],
    ];
    for (const [key, value] of rows) {
      if (value === null) continue;
      keyValue(pdf, key, value, PAGE.margin + 20, y, 300);
      y += 16;
    }
    pdf.moveTo(PAGE.margin + 20, y + 2).lineTo(PAGE.margin + 320, y + 2).lineWidth(1).strokeColor(COLOUR.text).stroke();
    keyValue(pdf, 'Amount due', amountDue, PAGE.margin + 20, y + 8, 300, true);

    pdf.font(FONT.regular).fontSize(10.5).fillColor(COLOUR.text).text('', PAGE.margin, y + 40);
    pdf.font(FONT.bold).text(`Please pay ${amountDue} by ${deadline}, within ${FINAL_NOTICE_PAYMENT_DAYS} days of the date of this letter.`, paragraph);
    pdf.font(FONT.regular);
    pdf.text(
      'If we have not received payment in full by then, we will pass the account to collections without further notice. ' +
        'This may add collection costs to the amount you owe and may affect your credit standing.',
      paragraph,
    );
    pdf.text(
      `If you have already paid, please disregard this letter. If you dispute the invoice, contact us at ${doc.issuer.email} before ${deadline}. ` +
        `You can view the invoice at ${doc.url}.`,
      paragraph,
    );
    pdf.moveDown(1).text('Yours sincerely,', paragraph);
    pdf.moveDown(1.5).font(FONT.bold).text(doc.issuer.name, { width: CONTENT_WIDTH });
    pdf.font(FONT.regular).fillColor(COLOUR.muted).text('Accounts receivable', { width: CONTENT_WIDTH });
    drawFooters(pdf, doc, `${doc.issuer.name} - ${doc.issuer.email}`);
  });
}

/** Draws with `draw` into a fresh A4 document and resolves with the finished file. */
function renderPdf(info: PDFKit.DocumentInfo, options: PdfOptions, draw: (pdf: Pdf) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // bufferPages: the footers say "page n of m", which is known only once every page exists.
    const pdf = new PDFDocument({ size: 'A4', margin: PAGE.margin, bufferPages: true, info, compress: options.compress ?? true });
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
    draw(pdf);
    pdf.end();
  });
}

function drawLetterhead(pdf: Pdf, doc: InvoiceDocument): void {
  pdf.rect(0, 0, PAGE.width, 6).fill(COLOUR.accent);
  pdf.font(FONT.bold).fontSize(18).fillColor(COLOUR.text).text(doc.issuer.name, PAGE.margin, PAGE.margin, { width: CONTENT_WIDTH });
  pdf.font(FONT.regular).fontSize(10).fillColor(COLOUR.muted).text(doc.issuer.email, { width: CONTENT_WIDTH });
  pdf.moveTo(PAGE.margin, 110).lineTo(PAGE.margin + CONTENT_WIDTH, 110).lineWidth(0.5).strokeColor(COLOUR.rule).stroke();
}

function label(pdf: Pdf, text: string, x: number, y: number): void {
  pdf.font(FONT.bold).fontSize(8).fillColor(COLOUR.muted).text(text.toUpperCase(), x, y, { characterSpacing: 0.6, lineBreak: false });
}

/** A label on the left and its value right-aligned, on one line `width` wide. */
function keyValue(pdf: Pdf, key: string, value: string, x: number, y: number, width: number, strong = false): void {
  const size = strong ? 11 : 10;
  pdf.font(strong ? FONT.bold : FONT.regular).fontSize(size).fillColor(strong ? COLOUR.text : COLOUR.muted);
  pdf.text(key, x, y, { width, lineBreak: false });
  pdf.font(strong ? FONT.bold : FONT.regular).fillColor(COLOUR.text).text(value, x, y, { width, align: 'right', lineBreak: false });
}

function drawTableHeader(pdf: Pdf, y: number): number {
  let x = PAGE.margin;
  pdf.font(FONT.bold).fontSize(8).fillColor(COLOUR.muted);
  for (const column of COLUMNS) {
    pdf.text(column.title.toUpperCase(), x, y, { width: column.width, align: column.align, characterSpacing: 0.4, lineBreak: false });
    x += column.width + COLUMN_GAP;
  }
  const bottom = y + 14;
  pdf.moveTo(PAGE.margin, bottom).lineTo(PAGE.margin + CONTENT_WIDTH, bottom).lineWidth(1).strokeColor(COLOUR.text).stroke();
  return bottom;
}

/**
 * The lines, one row each, with the description wrapping in its column. A row that does not fit
 * starts a new page, which repeats the header. Returns the y below the table.
 */
function drawLinesTable(pdf: Pdf, doc: InvoiceDocument, top: number): number {
  let y = drawTableHeader(pdf, top);
  for (const line of doc.lines) {
    const description = line.discountBps ? `${line.description} (${formatBps(line.discountBps)} discount)` : line.description;
    const cells = [description, line.quantity, money(doc, line.unitPriceMinor), formatBps(line.taxRateBps), money(doc, line.netMinor)];
    pdf.font(FONT.regular).fontSize(TABLE_FONT_SIZE);
    const height = pdf.heightOfString(description, { width: COLUMNS[0]?.width }) + 2 * ROW_PADDING;
    if (y + height > CONTENT_BOTTOM) {
      pdf.addPage();
      y = drawTableHeader(pdf, PAGE.margin);
    }
    let x = PAGE.margin;
    pdf.font(FONT.regular).fontSize(TABLE_FONT_SIZE).fillColor(COLOUR.text);
    COLUMNS.forEach((column, index) => {
      pdf.text(cells[index] ?? '', x, y + ROW_PADDING, { width: column.width, align: column.align, lineBreak: index === 0 });
      x += column.width + COLUMN_GAP;
    });
    y += height;
    pdf.moveTo(PAGE.margin, y).lineTo(PAGE.margin + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor(COLOUR.rule).stroke();
  }
  return y;
}

/** Subtotal to amount due, right-aligned under the table, kept together on one page. */
function drawTotals(pdf: Pdf, doc: InvoiceDocument, top: number): number {
  const rows: [string, string | null][] = [
    ['Subtotal', money(doc, doc.subtotalMinor)],
    ['Tax', money(doc, doc.taxMinor)],
    ['Invoice total', money(doc, doc.totalMinor)],
    ['Late fees', doc.feesMinor > 0 ? money(doc, doc.feesMinor) : null],
    ['Amount paid', doc.amountPaidMinor > 0 ? `-${money(doc, doc.amountPaidMinor)}` : null],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== null);
  const height = shown.length * 16 + 30;
  let y = top;
  if (y + height > CONTENT_BOTTOM) {
    pdf.addPage();
    y = PAGE.margin;
  }
  const width = 240;
  const x = PAGE.margin + CONTENT_WIDTH - width;
  for (const [key, value] of shown) {
    keyValue(pdf, key, value, x, y, width);
    y += 16;
  }
  pdf.moveTo(x, y + 2).lineTo(x + width, y + 2).lineWidth(1).strokeColor(COLOUR.text).stroke();
  keyValue(pdf, 'Amount due', money(doc, doc.amountDueMinor), x, y + 8, width, true);
  return y + 30;
}

function drawMemo(pdf: Pdf, memo: string, top: number): void {
  pdf.font(FONT.regular).fontSize(10);
  const height = 14 + pdf.heightOfString(memo, { width: CONTENT_WIDTH });
  let y = top;
  if (y + height > CONTENT_BOTTOM) {
    pdf.addPage();
    y = PAGE.margin;
  }
  label(pdf, 'Note', PAGE.margin, y);
  pdf.font(FONT.regular).fontSize(10).fillColor(COLOUR.text).text(memo, PAGE.margin, y + 14, { width: CONTENT_WIDTH });
}

/** Writes the footer on every buffered page; called last, when the page count is known. */
function drawFooters(pdf: Pdf, doc: InvoiceDocument, text: string, link?: string): void {
  const { start, count } = pdf.bufferedPageRange();
  for (let index = start; index < start + count; index += 1) {
    pdf.switchToPage(index);
    // Below the bottom margin pdfkit would start a new page for the text; lift the margin meanwhile.
    const bottomMargin = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    const y = PAGE.height - PAGE.margin + 4;
    pdf.moveTo(PAGE.margin, y - 8).lineTo(PAGE.margin + CONTENT_WIDTH, y - 8).lineWidth(0.5).strokeColor(COLOUR.rule).stroke();
    pdf.font(FONT.regular).fontSize(8).fillColor(COLOUR.muted);
    pdf.text(text, PAGE.margin, y, { width: CONTENT_WIDTH - 170, lineBreak: false, link });
    const reference = doc.number ?? doc.invoiceId;
    pdf.text(count > 1 ? `${reference} - page ${index - start + 1} of ${count}` : reference, PAGE.margin + CONTENT_WIDTH - 160, y, {
      width: 160,
      align: 'right',
      lineBreak: false,
    });
    pdf.page.margins.bottom = bottomMargin;
  }
}
