import PDFDocument from 'pdfkit';
import type { InvoiceDocument } from '../document';
import { money } from '../format';
import type { Locale } from '../locale';

/**
 * The page both PDFs share: A4, the issuer's letterhead, tables, key-value rows, footers with page
 * numbers, drawn with pdfkit's built-in Helvetica so no font files ship. Those standard fonts print
 * WinAnsi (Latin-1 and a few more) only, so every string goes through `printable` on its way to the
 * page; the documents draw only through the helpers here.
 */

export const PAGE = { width: 595.28, height: 841.89, margin: 50 } as const;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
/** Room kept free at the bottom of every page for the footer line. */
const FOOTER_SPACE = 30;
const CONTENT_BOTTOM = PAGE.height - PAGE.margin - FOOTER_SPACE;

const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold' } as const;
const COLOUR = { text: '#1f2933', muted: '#616e7c', rule: '#d2d6dc', accent: '#1f4e79', danger: '#b91c1c' } as const;

export type Pdf = PDFKit.PDFDocument;

export interface PdfOptions {
  /** False leaves the page contents uncompressed, so tests can read the text without a PDF library. Default true. */
  compress?: boolean;
}

/** Draws with `draw` into a fresh A4 document and resolves with the finished file. */
export function renderPdf(info: PDFKit.DocumentInfo, options: PdfOptions, draw: (pdf: Pdf) => void): Promise<Buffer> {
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

/**
 * What the standard fonts can print: WinAnsi, as pdfkit encodes it. Anything else would not only
 * show as nothing, pdfkit would write its code point as a byte string of the wrong length and garble
 * the rest of the line.
 */
const UNPRINTABLE = /[^\t\n\r\x20-\x7e\xa0-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/u;
/**
 * Unicode's other spaces, among them the narrow no-break space (U+202F) that Intl writes in French
 * numbers and English times. They print as U+00A0, which WinAnsi has and which does not break a
 * number from its unit.
 */
const UNICODE_SPACE = /[\u2000-\u200a\u202f\u205f]/gu;
const UNPRINTABLE_RUN = new RegExp(`${UNPRINTABLE.source}+`, 'gu');
const COMBINING_MARK = /\p{M}/gu;

/**
 * `text` as Helvetica can print it. WinAnsi text is returned as it is. Otherwise Unicode spaces
 * become no-break spaces, U+2212 a hyphen-minus, letters with marks WinAnsi lacks lose the marks
 * ("ř" → "r"), and whatever is left becomes "?".
 */
export function printable(text: string): string {
  if (!UNPRINTABLE.test(text)) return text;
  return [...text.replace(UNICODE_SPACE, '\u00a0').replace(/\u2212/gu, '-')]
    .map((char) => {
      if (!UNPRINTABLE.test(char)) return char;
      const bare = char.normalize('NFKD').replace(COMBINING_MARK, '');
      return bare !== '' && !UNPRINTABLE.test(bare) ? bare : '?';
    })
    .join('');
}

/**
 * An amount of the document for the PDF. A currency symbol Helvetica cannot print (₹, ₪, ₩, ฿ …)
 * gives way to the ISO code, which is what Intl writes with `currencyDisplay: 'code'`: "1.234,56 INR".
 */
export function amount(doc: Pick<InvoiceDocument, 'currency'>, amountMinor: number, locale: Locale): string {
  const shown = money(doc, amountMinor, locale);
  return UNPRINTABLE.test(shown) ? shown.replace(UNICODE_SPACE, '\u00a0').replace(UNPRINTABLE_RUN, doc.currency) : shown;
}

export interface TextStyle {
  font: keyof typeof FONT;
  size: number;
  /** Left out, the text keeps the colour last set. */
  colour?: keyof typeof COLOUR;
}

/** Text in `style`, at `options.x`/`options.y` or where the last text ended. */
export function write(pdf: Pdf, text: string, style: TextStyle, options: PDFKit.Mixins.TextOptions & { x?: number; y?: number } = {}): void {
  const { x, y, ...textOptions } = options;
  pdf.font(FONT[style.font]).fontSize(style.size);
  if (style.colour) pdf.fillColor(COLOUR[style.colour]);
  // pdfkit reads an undefined x as "the options come first": pass a position only when there is one.
  if (x === undefined && y === undefined) pdf.text(printable(text), textOptions);
  else pdf.text(printable(text), x, y, textOptions);
}

/** Moves the cursor to (x, y) without drawing, for text that continues from there. */
export function moveTo(pdf: Pdf, x: number, y: number): void {
  pdf.x = x;
  pdf.y = y;
}

/** The bar across the top, the issuer's name and email, and a rule under them. */
export function drawLetterhead(pdf: Pdf, issuer: InvoiceDocument['issuer']): void {
  pdf.rect(0, 0, PAGE.width, 6).fill(COLOUR.accent);
  write(pdf, issuer.name, { font: 'bold', size: 18, colour: 'text' }, { x: PAGE.margin, y: PAGE.margin, width: CONTENT_WIDTH });
  write(pdf, issuer.email, { font: 'regular', size: 10, colour: 'muted' }, { width: CONTENT_WIDTH });
  rule(pdf, PAGE.margin, 110, CONTENT_WIDTH, 'thin');
}

/** The document's name in large capitals across the content width. */
export function drawHeading(pdf: Pdf, text: string, y: number, colour: 'accent' | 'danger', align: 'left' | 'right'): void {
  write(pdf, text.toUpperCase(), { font: 'bold', size: 22, colour }, { x: PAGE.margin, y, width: CONTENT_WIDTH, align });
}

/** A name in bold over an email address; returns the y below them. */
export function drawParty(pdf: Pdf, party: { name: string; email: string }, x: number, y: number, width: number): number {
  write(pdf, party.name, { font: 'bold', size: 11, colour: 'text' }, { x, y, width });
  write(pdf, party.email, { font: 'regular', size: 10 }, { width });
  return pdf.y;
}

/** A small muted label in capitals. */
export function label(pdf: Pdf, text: string, x: number, y: number): void {
  write(pdf, text.toUpperCase(), { font: 'bold', size: 8, colour: 'muted' }, { x, y, characterSpacing: 0.6, lineBreak: false });
}

/** A label on the left and its value right-aligned, on one line `width` wide. */
export function keyValue(pdf: Pdf, key: string, value: string, x: number, y: number, width: number, strong = false): void {
  const font = strong ? 'bold' : 'regular';
  write(pdf, key, { font, size: strong ? 11 : 10, colour: strong ? 'text' : 'muted' }, { x, y, width, lineBreak: false });
  write(pdf, value, { font, size: strong ? 11 : 10, colour: 'text' }, { x, y, width, align: 'right', lineBreak: false });
}

export interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
}

export const COLUMN_GAP = 8;
const TABLE_FONT_SIZE = 9;
const ROW_PADDING = 5;

function drawTableHeader(pdf: Pdf, columns: readonly Column[], y: number): number {
  let x = PAGE.margin;
  pdf.fillColor(COLOUR.muted);
  for (const column of columns) {
    write(pdf, column.title.toUpperCase(), { font: 'bold', size: 8 }, { x, y, width: column.width, align: column.align, characterSpacing: 0.4, lineBreak: false });
    x += column.width + COLUMN_GAP;
  }
  const bottom = y + 14;
  rule(pdf, PAGE.margin, bottom, CONTENT_WIDTH, 'strong');
  return bottom;
}

/**
 * One row per entry of `rows`, a cell per column, the first column wrapping. A row that does not
 * fit starts a new page, which repeats the header. Returns the y below the table.
 */
export function drawTable(pdf: Pdf, columns: readonly Column[], rows: readonly (readonly string[])[], top: number): number {
  let y = drawTableHeader(pdf, columns, top);
  const cell = { font: 'regular', size: TABLE_FONT_SIZE } as const;
  for (const cells of rows) {
    pdf.font(FONT[cell.font]).fontSize(cell.size);
    const height = pdf.heightOfString(printable(cells[0] ?? ''), { width: columns[0]?.width }) + 2 * ROW_PADDING;
    if (y + height > CONTENT_BOTTOM) {
      pdf.addPage();
      y = drawTableHeader(pdf, columns, PAGE.margin);
    }
    let x = PAGE.margin;
    pdf.fillColor(COLOUR.text);
    columns.forEach((column, index) => {
      write(pdf, cells[index] ?? '', cell, { x, y: y + ROW_PADDING, width: column.width, align: column.align, lineBreak: index === 0 });
      x += column.width + COLUMN_GAP;
    });
    y += height;
    rule(pdf, PAGE.margin, y, CONTENT_WIDTH, 'thin');
  }
  return y;
}

/**
 * Key-value rows (a null value leaves its row out), a rule, and the total in bold, kept together on
 * one page. Returns the y below them.
 */
export function drawSummary(
  pdf: Pdf,
  rows: readonly (readonly [string, string | null])[],
  total: readonly [string, string],
  box: { x: number; top: number; width: number },
): number {
  const shown = rows.filter((row): row is readonly [string, string] => row[1] !== null);
  let y = box.top;
  if (y + shown.length * 16 + 30 > CONTENT_BOTTOM) {
    pdf.addPage();
    y = PAGE.margin;
  }
  for (const [key, value] of shown) {
    keyValue(pdf, key, value, box.x, y, box.width);
    y += 16;
  }
  rule(pdf, box.x, y + 2, box.width, 'strong');
  keyValue(pdf, total[0], total[1], box.x, y + 8, box.width, true);
  return y + 30;
}

/** A labelled paragraph across the content width, on the next page if it does not fit on this one. */
export function drawNote(pdf: Pdf, title: string, text: string, top: number): void {
  const body = { font: 'regular', size: 10 } as const;
  pdf.font(FONT[body.font]).fontSize(body.size);
  const height = 14 + pdf.heightOfString(printable(text), { width: CONTENT_WIDTH });
  let y = top;
  if (y + height > CONTENT_BOTTOM) {
    pdf.addPage();
    y = PAGE.margin;
  }
  label(pdf, title, PAGE.margin, y);
  write(pdf, text, { ...body, colour: 'text' }, { x: PAGE.margin, y: y + 14, width: CONTENT_WIDTH });
}

export interface Footer {
  /** On the left; a link to `link` when there is one. */
  text: string;
  link?: string;
  /** On the right: the document's reference, with the page number when there are several pages. */
  reference: string;
  pageOf: (facts: { reference: string; page: number; count: number }) => string;
}

/** Writes the footer on every buffered page; called last, when the page count is known. */
export function drawFooters(pdf: Pdf, footer: Footer): void {
  const { start, count } = pdf.bufferedPageRange();
  for (let index = start; index < start + count; index += 1) {
    pdf.switchToPage(index);
    // Below the bottom margin pdfkit would start a new page for the text; lift the margin meanwhile.
    const bottomMargin = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    const y = PAGE.height - PAGE.margin + 4;
    rule(pdf, PAGE.margin, y - 8, CONTENT_WIDTH, 'thin');
    const small = { font: 'regular', size: 8, colour: 'muted' } as const;
    write(pdf, footer.text, small, { x: PAGE.margin, y, width: CONTENT_WIDTH - 170, lineBreak: false, link: footer.link });
    const reference = count > 1 ? footer.pageOf({ reference: footer.reference, page: index - start + 1, count }) : footer.reference;
    write(pdf, reference, { font: small.font, size: small.size }, { x: PAGE.margin + CONTENT_WIDTH - 160, y, width: 160, align: 'right', lineBreak: false });
    pdf.page.margins.bottom = bottomMargin;
  }
}

/** A horizontal rule: thin and light between rows, strong and dark above a total. */
export function rule(pdf: Pdf, x: number, y: number, width: number, weight: 'thin' | 'strong'): void {
  const [lineWidth, colour] = weight === 'thin' ? [0.5, COLOUR.rule] : [1, COLOUR.text];
  pdf.moveTo(x, y).lineTo(x + width, y).lineWidth(lineWidth).strokeColor(colour).stroke();
}
