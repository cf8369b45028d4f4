import { priceLines } from '../../src/domain/lines';
import type { InvoiceDocument } from '../../src/render/document';
import { formatBps, formatDate, formatQuantity } from '../../src/render/format';
import { LANGUAGES, resolveLocale } from '../../src/render/locale';
import { renderFinalNoticePdf, renderInvoicePdf } from '../../src/render/pdf';
import { pdfCopy, type PdfCopy } from '../../src/render/pdf/copy';
import { amount, printable } from '../../src/render/pdf/layout';
import { sampleDocument, sampleLineInputs } from '../support/documents';
import { readPdfText } from '../support/pdf-text';

const readPdf = (pdf: Buffer) => readPdfText(pdf, ' ');

const LETTER_DATE = '2026-12-20T08:00:00.000Z';
/** The sample invoice for a customer in `locale`. */
function docIn(locale: string, overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return sampleDocument({ customer: { name: 'Ada Lovelace', email: 'ada@example.com', locale }, ...overrides });
}

async function invoiceText(doc: InvoiceDocument): Promise<{ text: string; pages: string[]; title: string | undefined }> {
  const { pages, title } = readPdf(await renderInvoicePdf(doc, { compress: false }));
  return { text: pages.join('\n'), pages, title };
}

async function noticeText(doc: InvoiceDocument): Promise<{ text: string; pages: string[]; title: string | undefined }> {
  const { pages, title } = readPdf(await renderFinalNoticePdf(doc, { date: LETTER_DATE, compress: false }));
  return { text: pages.join('\n'), pages, title };
}

const ENGLISH_WORDS = ['INVOICE', 'FINAL NOTICE', 'Bill to', 'BILL TO', 'Issue date', 'Due date', 'DESCRIPTION', 'QTY', 'Subtotal', 'Invoice total', 'Late fees', 'Amount', 'Dear', 'Yours', 'EUR ', ' page '];

describe('invoice PDF in the customer\'s language', () => {
  test('when the customer is German, then the invoice PDF has German headings, labels, amounts, rates and dates', async () => {
    const { text, pages, title } = await invoiceText(docIn('de-DE', { feesMinor: 1_500, amountPaidMinor: 10_000 }));

    expect(title).toBe('Rechnung INV-2026-000042');
    expect(pages).toHaveLength(1);
    for (const shown of [
      'RECHNUNG INV-2026-000042',
      'RECHNUNGSEMPFÄNGER Ada Lovelace ada@example.com',
      'Rechnungsdatum 01.11.2026',
      'Fällig am 01.12.2026',
      'BESCHREIBUNG MENGE EINZELPREIS MWST. BETRAG',
      'Hosting plan "Business", monthly 2,5 91,69\u00a0€ 19\u00a0% 229,23\u00a0€',
      'import formats (10\u00a0% Rabatt) 8 170,88\u00a0€ 7\u00a0% 1.230,34\u00a0€',
      'Zwischensumme 1.472,07\u00a0€',
      'MwSt. 132,05\u00a0€',
      'Gesamtbetrag 1.604,12\u00a0€',
      'Mahngebühren 15,00\u00a0€',
      'Bereits bezahlt -100,00\u00a0€',
      'Offener Betrag 1.519,12\u00a0€',
      'HINWEIS Thank you for your business.',
      'Rechnung online ansehen: https://billing.example.com/invoices/inv_01HZX5J3K9',
    ]) {
      expect(text).toContain(shown);
    }
    for (const english of [...ENGLISH_WORDS, '2026-12-01', '2026-11-01']) expect(text).not.toContain(english);
  });

  test('when a German invoice runs over several pages, then every page repeats the German table header and counts "Seite n von m"', async () => {
    const { pages } = await invoiceText(docIn('de', { lines: priceLines(sampleLineInputs(120), false) }));

    expect(pages.length).toBeGreaterThan(1);
    for (const [index, page] of pages.entries()) {
      expect(page).toContain('BESCHREIBUNG MENGE EINZELPREIS MWST. BETRAG');
      expect(page).toContain(`INV-2026-000042 - Seite ${index + 1} von ${pages.length}`);
    }
    expect(pages.at(-1)).toContain('Offener Betrag');
  });

  test('when the customer is Austrian or Swiss, then the amounts follow that region as in the emails', async () => {
    expect((await invoiceText(docIn('de-AT'))).text).toContain('Offener Betrag €\u00a01.604,12');
    expect((await invoiceText(docIn('de-CH'))).text).toMatch(/Offener Betrag EUR\u00a01.604\.12/);
  });

  test.each(['en', 'en-US', 'fr-FR', 'xx', '', 'deutsch', 'es'])('when the locale is "%s", then both PDFs are in English, exactly as for en-GB', async (locale) => {
    const doc = { feesMinor: 1_500, amountPaidMinor: 10_000 };
    const [invoice, english] = await Promise.all([invoiceText(docIn(locale, doc)), invoiceText(docIn('en-GB', doc))]);
    const [notice, englishNotice] = await Promise.all([noticeText(docIn(locale, doc)), noticeText(docIn('en-GB', doc))]);

    expect(invoice).toEqual(english);
    expect(notice).toEqual(englishNotice);
    expect(invoice.title).toBe('Invoice INV-2026-000042');
    for (const shown of ['INVOICE', 'BILL TO', 'Issue date 2026-11-01', 'Due date 2026-12-01', 'DESCRIPTION QTY UNIT PRICE TAX AMOUNT', 'Amount paid -EUR 100.00', 'Amount due EUR 1,519.12']) {
      expect(invoice.text).toContain(shown);
    }
    expect(notice.text).toContain('Please pay EUR 1,519.12 by 2026-12-27');
  });
});

describe('final notice PDF in the customer\'s language', () => {
  test('when the customer is German, then the letter is German with German amounts, dates and deadline', async () => {
    const { text, pages, title } = await noticeText(docIn('de-DE', { feesMinor: 1_500, amountPaidMinor: 10_000 }));

    expect(title).toBe('Letzte Mahnung: Rechnung INV-2026-000042');
    expect(pages).toHaveLength(1);
    for (const shown of [
      '20.12.2026',
      'LETZTE MAHNUNG Rechnung INV-2026-000042, fällig am 01.12.2026',
      'Guten Tag Ada Lovelace,',
      'ist die Rechnung INV-2026-000042 vom 01.11.2026, fällig am 01.12.2026, weiterhin unbezahlt. Der offene Betrag beträgt 1.519,12\u00a0€.',
      'Rechnungsnummer INV-2026-000042',
      'Ursprünglich fällig am 01.12.2026',
      'Gesamtbetrag 1.604,12\u00a0€',
      'Mahngebühren 15,00\u00a0€',
      'Bereits bezahlt -100,00\u00a0€',
      'Offener Betrag 1.519,12\u00a0€',
      'Bitte zahlen Sie 1.519,12\u00a0€ bis zum 27.12.2026, innerhalb von 7 Tagen',
      'Inkassounternehmen',
      'vor dem 27.12.2026 an billing@acme.example',
      'https://billing.example.com/invoices/inv_01HZX5J3K9',
      'Mit freundlichen Grüßen Acme Billing GmbH Debitorenbuchhaltung',
    ]) {
      expect(text).toContain(shown);
    }
    for (const english of [...ENGLISH_WORDS, 'Please', '2026-12-27']) expect(text).not.toContain(english);
  });

  test('when nothing was paid and no fees were charged, then the German letter leaves out both rows', async () => {
    const { text } = await noticeText(docIn('de'));

    expect(text).not.toContain('Mahngebühren');
    expect(text).not.toContain('Bereits bezahlt');
    expect(text).toContain('Offener Betrag 1.604,12\u00a0€');
  });
});

describe('what Helvetica can print', () => {
  test.each([
    ['EUR 1,234.50', 'EUR 1,234.50'],
    ['1.234,56\u00a0€ – „Grüße“ ‚ß‘ Œ š Ÿ …', '1.234,56\u00a0€ – „Grüße“ ‚ß‘ Œ š Ÿ …'],
    ['1\u202f234,56\u202f€', '1\u00a0234,56\u00a0€'],
    ['12\u2009%', '12\u00a0%'],
    ['\u22125,00', '-5,00'],
    ['Antonín Dvořák', 'Antonín Dvorák'],
    ['Łódź', '?ódz'],
    ['東京 ✓', '?? ?'],
  ])('when %j is printed, then it reads %j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  test('when a customer\'s name has a narrow no-break space and letters outside WinAnsi, then the PDF prints the rest of the line intact', async () => {
    const doc = sampleDocument({ customer: { name: 'Antonín\u202fDvořák', email: 'dvorak@example.com', locale: 'de' }, memo: 'Bezahlt\u202fam 1.\u2009Dezember' });
    const { text } = await invoiceText(doc);

    expect(text).toContain('Antonín\u00a0Dvorák dvorak@example.com');
    expect(text).toContain('Bezahlt\u00a0am 1.\u00a0Dezember');
  });

  test.each(['de', 'de-DE', 'de-AT', 'de-CH', 'de-LI', 'de-LU', 'de-BE', 'de-IT'])('when figures are formatted for %s, then the PDF gets no narrow no-break space and nothing Helvetica lacks', (tag) => {
    const locale = resolveLocale(tag);
    const shown = [formatDate('2026-12-01T00:00:00.000Z', locale), formatBps(750, locale), formatQuantity('1234.5', locale)];
    for (const currency of ['EUR', 'CHF', 'USD', 'GBP', 'JPY', 'KWD', 'PLN', 'CZK', 'SEK', 'INR', 'ILS', 'KRW', 'THB', 'VND']) {
      for (const amountMinor of [0, 5, -123_456, 1_000_000_000_000_000]) shown.push(amount({ currency }, amountMinor, locale));
    }
    for (const figure of shown) {
      expect(figure).not.toContain('\u202f');
      expect(printable(figure)).toBe(figure);
    }
  });

  test.each([
    ['de-DE', 'INR', '1.234,56\u00a0INR'],
    ['de-DE', 'ILS', '1.234,56\u00a0ILS'],
    ['de-AT', 'INR', 'INR\u00a01.234,56'],
    ['de-DE', 'KRW', '123.456\u00a0KRW'],
    ['de-DE', 'EUR', '1.234,56\u00a0€'],
    ['de-DE', 'PLN', '1.234,56\u00a0PLN'],
    ['en', 'INR', 'INR 1,234.56'],
  ])('when a %s customer is billed in %s, then a symbol Helvetica lacks gives way to the ISO code: "%s"', async (tag, currency, shown) => {
    expect(amount({ currency }, 123_456, resolveLocale(tag))).toBe(shown);
    const doc = docIn(tag, { currency, lines: priceLines([{ description: 'Service', quantity: '1', unitPriceMinor: 123_456, taxRateBps: 0 }], false) });
    expect((await invoiceText(doc)).text).toContain(shown);
  });
});

describe('the PDF copy', () => {
  /** The keys of `copy`, nested, with the kind of each value: the shape both languages must share. */
  function shape(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return typeof value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  }

  /** Every string the copy can print, the functions called with sample facts. */
  function words(copy: PdfCopy): string[] {
    const facts = { number: 'INV-1', issuedOn: 'I', dueOn: 'D', amountDue: 'A', deadline: 'L', days: 7 };
    const { invoice, finalNotice } = copy;
    return [
      copy.pageOf({ reference: 'INV-1', page: 2, count: 3 }),
      ...Object.values(copy.amounts),
      invoice.title('INV-1'),
      invoice.subject('Ada'),
      invoice.heading,
      ...Object.values(invoice.labels),
      ...Object.values(invoice.columns),
      invoice.discounted({ description: 'Service', rate: '10%' }),
      invoice.viewOnline('https://x.example'),
      finalNotice.title('INV-1'),
      finalNotice.subject('Ada'),
      finalNotice.heading,
      finalNotice.reference(facts),
      finalNotice.greeting('Ada'),
      finalNotice.overdue(facts),
      ...Object.values(finalNotice.labels),
      finalNotice.demand(facts),
      finalNotice.consequences,
      finalNotice.disputes({ ...facts, issuerEmail: 'e@x.example', url: 'https://x.example' }),
      finalNotice.closing,
      finalNotice.signedFor,
    ];
  }

  test.each(LANGUAGES)('when the copy is %s, then it has every key the English copy has, and nothing else', (language) => {
    expect(shape(pdfCopy(language))).toEqual(shape(pdfCopy('en')));
  });

  test.each(LANGUAGES)('when the copy is %s, then every word is there and printable in Helvetica', (language) => {
    for (const text of words(pdfCopy(language))) {
      expect(text.trim()).not.toBe('');
      expect(printable(text)).toBe(text);
    }
  });

  test('when the German copy is compared with the English, then every word is translated and the facts are all placed', () => {
    const [english, german] = [words(pdfCopy('en')), words(pdfCopy('de'))];

    expect(german).toHaveLength(english.length);
    for (const [index, text] of german.entries()) expect(text).not.toBe(english[index]);
    const facts = { number: 'INV-1', issuedOn: 'ISSUED', dueOn: 'DUE', amountDue: 'AMOUNT', deadline: 'DEADLINE', days: 7 };
    for (const copy of [pdfCopy('en'), pdfCopy('de')]) {
      for (const fact of ['INV-1', 'ISSUED', 'DUE', 'AMOUNT']) expect(copy.finalNotice.overdue(facts)).toContain(fact);
      for (const fact of ['AMOUNT', 'DEADLINE', '7']) expect(copy.finalNotice.demand(facts)).toContain(fact);
    }
  });
});
