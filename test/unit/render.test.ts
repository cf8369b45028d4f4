import { priceLines } from '../../src/domain/lines';
import type { InvoiceDocument, ReminderTone } from '../../src/render/document';
import { emailTemplateSource, renderApprovalEmail, renderInvoiceEmail, renderInvoiceEmailUncached, renderReminderEmail } from '../../src/render/email';
import { emailCopy } from '../../src/render/email/copy';
import { formatBps, formatDate, formatQuantity, money, RenderError } from '../../src/render/format';
import { LANGUAGES, resolveLocale } from '../../src/render/locale';
import { renderFinalNoticePdf, renderInvoicePdf } from '../../src/render/pdf';
import { sampleDocument, sampleLineInputs } from '../support/documents';
import { readPdfText } from '../support/pdf-text';

const TONES: ReminderTone[] = ['friendly', 'firm', 'final', 'collections'];

const readPdf = (pdf: Buffer) => readPdfText(pdf, '\n');

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('invoice email', () => {
  test('when an invoice email is rendered, then it names the number, the customer, every line, the total and the link', async () => {
    const doc = sampleDocument();
    const email = await renderInvoiceEmail(doc);

    expect(email.subject).toBe('Invoice INV-2026-000042 from Acme Billing GmbH: EUR 1,604.12 due 2026-12-01');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('INV-2026-000042');
      expect(part).toContain('Ada Lovelace');
      expect(part).toContain('EUR 1,604.12');
      expect(part).toContain('https://billing.example.com/invoices/inv_01HZX5J3K9');
    }
    for (const line of doc.lines) {
      // Handlebars escapes the quotes in 'Hosting plan "Business"'.
      expect(email.html).toContain(line.description.replaceAll('"', '&quot;'));
      expect(email.text).toContain(line.description);
    }
    expect(email.html).toContain('href="https://billing.example.com/invoices/inv_01HZX5J3K9"');
    expect(email.html).toContain('View invoice');
  });

  test('when a line description holds a script tag, then the HTML shows it as text', async () => {
    const doc = sampleDocument({ lines: priceLines([{ description: '<script>alert("x")</script> & more', quantity: '1', unitPriceMinor: 100, taxRateBps: 0 }], false) });
    const { html, text } = await renderInvoiceEmail(doc);

    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(text).toContain('<script>alert("x")</script> & more');
  });

  test('when nothing was paid and no fees were charged, then neither row is shown', async () => {
    const { html, text } = await renderInvoiceEmail(sampleDocument({ memo: null }));

    for (const part of [html, text]) {
      expect(part).not.toContain('Late fees');
      expect(part).not.toContain('Amount paid');
      expect(part).not.toContain('Note');
    }
  });

  test('when fees were charged and part was paid, then both rows are shown and the amount due includes them', async () => {
    const doc = sampleDocument({ feesMinor: 1_500, amountPaidMinor: 10_000 });
    const { subject, html, text } = await renderInvoiceEmail(doc);

    expect(subject).toContain('EUR 1,519.12 due');
    expect(html).toMatch(/Late fees<\/td>\s*<td[^>]*>EUR 15\.00</);
    expect(html).toMatch(/Amount paid<\/td>\s*<td[^>]*>&minus;EUR 100\.00</);
    expect(text).toMatch(/Late fees: +EUR 15\.00/);
    expect(text).toMatch(/Amount due: +EUR 1,519\.12/);
  });

  test('when MJML compiles the template, then the Handlebars blocks inside mj-table survive untouched', async () => {
    const source = await emailTemplateSource('invoice');

    expect(source).not.toContain('mj-table');
    expect(source).toMatch(/<\/tr>\s*\{\{#each lines\}\}\s*<tr>[\s\S]*\{\{description\}\}\{\{#if discount\}\}[\s\S]*<\/tr>\s*\{\{\/each\}\}/);
    expect(occurrences(source, '{{#if fees}}')).toBe(1);
    expect(occurrences(source, '{{#if paid}}')).toBe(1);
    expect(occurrences(source, '{{/if}}')).toBe(occurrences(source, '{{#if '));
  });

  test('when the same document goes through the cached and the uncached renderer, then the emails are identical', async () => {
    const doc = sampleDocument({ feesMinor: 250 });

    expect(await renderInvoiceEmailUncached(doc)).toEqual(await renderInvoiceEmail(doc));
  });

  test('when the invoice has no number yet, then rendering it is refused', async () => {
    await expect(renderInvoiceEmail(sampleDocument({ number: null }))).rejects.toThrow(RenderError);
  });
});

describe('reminder email', () => {
  test.each([
    ['friendly', 'Reminder: invoice INV-2026-000042 (EUR 1,604.12) is due 2026-12-01'],
    ['firm', 'Overdue: invoice INV-2026-000042 (EUR 1,604.12) was due 2026-12-01'],
    ['final', 'Final notice: invoice INV-2026-000042 (EUR 1,604.12) is overdue'],
    ['collections', 'Invoice INV-2026-000042 has been passed to collections'],
  ] as const)('when the tone is %s, then the subject is "%s"', async (tone, subject) => {
    expect((await renderReminderEmail(sampleDocument(), tone, 2)).subject).toBe(subject);
  });

  test('when reminders of every tone are rendered, then subjects, headings and colours all differ', async () => {
    const emails = await Promise.all(TONES.map((tone) => renderReminderEmail(sampleDocument(), tone, 1)));
    const accent = (html: string) => /border-left:4px solid (#[0-9a-f]{6})/.exec(html)?.[1];

    expect(new Set(emails.map((e) => e.subject)).size).toBe(TONES.length);
    expect(new Set(emails.map((e) => e.text.split('\n')[0])).size).toBe(TONES.length);
    expect(new Set(emails.map((e) => accent(e.html))).size).toBe(TONES.length);
  });

  test.each(TONES)('when a %s reminder is rendered, then its text part states the amount due, the due date and the link', async (tone) => {
    const { text, html } = await renderReminderEmail(sampleDocument({ amountPaidMinor: 412 }), tone, 3);

    expect(text).toMatch(/Amount due: +EUR 1,600\.00/);
    expect(text).toContain('2026-12-01');
    expect(text).toContain('https://billing.example.com/invoices/inv_01HZX5J3K9');
    expect(text).toContain('no. 3');
    expect(html).toContain('EUR 1,600.00');
    expect(html).toContain('View invoice');
  });

  test('when the reminder is the final notice, then it mentions the attached letter and the consequences', async () => {
    const { html, text } = await renderReminderEmail(sampleDocument(), 'final', 3);

    for (const part of [html, text]) {
      expect(part).toContain('attached to this email as a PDF');
      expect(part).toContain('collections');
    }
    expect((await renderReminderEmail(sampleDocument(), 'friendly', 1)).html).not.toContain('attached');
  });

  test('when the level is not a positive whole number, then rendering is refused', async () => {
    await expect(renderReminderEmail(sampleDocument(), 'firm', 0)).rejects.toThrow(RenderError);
  });
});

describe('approval email', () => {
  const draft = sampleDocument({ number: null, issuedAt: null, dueAt: null });

  test('when approval is requested, then the approver sees the customer, the total and the link', async () => {
    const email = await renderApprovalEmail(draft, 'request', '2026-10-28T10:00:00.000Z');

    expect(email.subject).toBe('Approval needed: invoice for Ada Lovelace (EUR 1,604.12)');
    expect(email.html).toContain('Invoice for Ada Lovelace (EUR 1,604.12) awaits your approval');
    expect(email.text).toContain('Invoice for Ada Lovelace (EUR 1,604.12) awaits your approval');
    expect(email.html).toContain('href="https://billing.example.com/invoices/inv_01HZX5J3K9"');
    expect(email.text).toContain('Draft, numbered when issued');
  });

  test('when approval is escalated, then the email says since when the invoice has waited', async () => {
    const email = await renderApprovalEmail(draft, 'escalation', '2026-10-28T10:00:00.000Z');

    expect(email.subject).toBe('Escalation: invoice for Ada Lovelace (EUR 1,604.12) has waited since 2026-10-28');
    expect(email.html).toContain('has waited since 2026-10-28 without a decision');
    expect(email.text).toContain('https://billing.example.com/invoices/inv_01HZX5J3K9');
  });
});

describe('amounts and rates', () => {
  function singleLine(currency: string, unitPriceMinor: number, taxRateBps: number): InvoiceDocument {
    return sampleDocument({ currency, lines: priceLines([{ description: 'Service', quantity: '1', unitPriceMinor, taxRateBps }], false) });
  }

  test('when the currency has 3 decimals (KWD), then amounts show 3 decimals', async () => {
    const { html, subject } = await renderInvoiceEmail(singleLine('KWD', 1_234_567, 0));

    expect(subject).toContain('KWD 1,234.567');
    expect(html).toContain('KWD 1,234.567');
  });

  test('when the currency has no decimals (JPY), then amounts show none', async () => {
    const doc = singleLine('JPY', 120_000, 1000);
    const { html, text } = await renderInvoiceEmail(doc);

    expect(html).toContain('JPY 120,000');
    expect(text).toMatch(/Amount due: +JPY 132,000$/m);
    expect(readPdf(await renderInvoicePdf(doc, { compress: false })).pages.join('\n')).toContain('JPY 132,000');
  });

  test.each([
    [1900, '19%'],
    [750, '7.5%'],
    [5, '0.05%'],
    [0, '0%'],
    [10_000, '100%'],
  ])('when the tax rate is %i basis points, then it shows as %s', (bps, shown) => {
    expect(formatBps(bps)).toBe(shown);
  });
});

describe('invoice PDF', () => {
  test('when an invoice PDF is rendered, then it is a PDF titled and showing the invoice', async () => {
    const doc = sampleDocument({ feesMinor: 1_500 });
    const pdf = await renderInvoicePdf(doc);
    const { pages, title } = readPdf(await renderInvoicePdf(doc, { compress: false }));
    const text = pages.join('\n');

    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\n?$/);
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
    expect(title).toBe('Invoice INV-2026-000042');
    expect(pages).toHaveLength(1);
    for (const shown of ['INVOICE', 'INV-2026-000042', 'Ada Lovelace', 'ada@example.com', '2026-12-01', 'Late fees', 'EUR 1,619.12', 'Thank you for your business.']) {
      expect(text).toContain(shown);
    }
    expect(text).not.toContain('Amount paid');
  });

  test('when an invoice has 120 lines, then the PDF runs over several pages, each with the table header, and shows every line', async () => {
    const { pages } = readPdf(await renderInvoicePdf(sampleDocument({ lines: priceLines(sampleLineInputs(120), false) }), { compress: false }));
    const text = pages.join('\n');

    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page).toMatch(/DESCRIPTION/);
    for (let index = 1; index <= 120; index += 1) expect(text).toContain(`#${index}`);
    expect(pages.at(-1)).toContain('Amount due');
    expect(pages.at(-1)).toContain(`page ${pages.length} of ${pages.length}`);
  });

  test('when a final notice is rendered, then it is a one-page letter with the amount due and a deadline', async () => {
    const pdf = await renderFinalNoticePdf(sampleDocument({ feesMinor: 1_500 }), { date: '2026-12-20T08:00:00.000Z', compress: false });
    const { pages, title } = readPdf(pdf);

    expect(title).toBe('Final notice: invoice INV-2026-000042');
    expect(pages).toHaveLength(1);
    for (const shown of ['FINAL NOTICE', '2026-12-20', 'Ada Lovelace', 'INV-2026-000042', '2026-12-01', 'EUR 1,619.12', 'by 2026-12-27', 'Acme Billing GmbH']) {
      expect(pages[0]).toContain(shown);
    }
  });

  test('when the invoice has no number yet, then no PDF is made', async () => {
    await expect(renderInvoicePdf(sampleDocument({ number: null }))).rejects.toThrow(RenderError);
  });
});

describe('the customer\'s locale', () => {
  /** The sample invoice for a customer in `locale`. */
  function docIn(locale: string, overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
    return sampleDocument({ customer: { name: 'Ada Lovelace', email: 'ada@example.com', locale }, ...overrides });
  }

  test('when the customer is German, then the invoice email is in German with German amounts and dates', async () => {
    const { subject, html, text } = await renderInvoiceEmail(docIn('de-DE', { feesMinor: 1_500, amountPaidMinor: 10_000 }));

    expect(subject).toBe('Rechnung INV-2026-000042 von Acme Billing GmbH: 1.519,12\u00a0€ fällig am 01.12.2026');
    expect(html).toContain('<html lang="de-DE"');
    expect(html).toContain('Der Betrag von <strong>1.519,12\u00a0€</strong> ist zahlbar bis zum <strong>01.12.2026</strong>.');
    expect(html).toMatch(/Mahngebühren<\/td>\s*<td[^>]*>15,00\u00a0€</);
    expect(html).toMatch(/Bereits bezahlt<\/td>\s*<td[^>]*>&minus;100,00\u00a0€</);
    expect(html).toContain('Rechnung ansehen');
    expect(text.split('\n')[0]).toBe('Guten Tag Ada Lovelace,');
    expect(text).toMatch(/^Rechnungsdatum: +01\.11\.2026$/m);
    expect(text).toMatch(/^ {2}2,5 × 91,69\u00a0€, MwSt\. 19\u00a0%: 229,23\u00a0€$/m);
    expect(text).toMatch(/^ {2}8 × 170,88\u00a0€, 10\u00a0% Rabatt, MwSt\. 7\u00a0%: 1\.230,34\u00a0€$/m);
    for (const row of [/^Zwischensumme: +1\.472,07\u00a0€$/m, /^MwSt\.: +132,05\u00a0€$/m, /^Gesamtbetrag: +1\.604,12\u00a0€$/m, /^Bereits bezahlt: +-100,00\u00a0€$/m, /^Offener Betrag: +1\.519,12\u00a0€$/m]) {
      expect(text).toMatch(row);
    }
    expect(text).toContain('Gesendet von Acme Billing GmbH <billing@acme.example>');
    for (const english of ['Invoice', 'Hello', 'Amount due', 'Subtotal', 'View invoice', 'Sent by', 'EUR ']) {
      expect(html).not.toContain(english);
      expect(text).not.toContain(english);
    }
  });

  test.each([
    ['friendly', 'Zahlungserinnerung: Rechnung INV-2026-000042 (1.604,12\u00a0€) ist am 01.12.2026 fällig'],
    ['firm', 'Mahnung: Rechnung INV-2026-000042 (1.604,12\u00a0€) war am 01.12.2026 fällig'],
    ['final', 'Letzte Mahnung: Rechnung INV-2026-000042 (1.604,12\u00a0€) ist überfällig'],
    ['collections', 'Rechnung INV-2026-000042 wurde an ein Inkassounternehmen übergeben'],
  ] as const)('when a German customer gets a %s reminder, then the subject is "%s"', async (tone, subject) => {
    const email = await renderReminderEmail(docIn('de'), tone, 2);

    expect(email.subject).toBe(subject);
    expect(email.text).toMatch(/^Offener Betrag: +1\.604,12\u00a0€$/m);
    expect(email.text).toMatch(/^Mahnstufe: +2$/m);
    expect(email.html).toContain('Rechnung ansehen');
  });

  test('when the German reminder is the final notice, then it mentions the attached letter', async () => {
    const { html, text } = await renderReminderEmail(docIn('de-DE'), 'final', 3);

    for (const part of [html, text]) expect(part).toContain('Unser förmliches Mahnschreiben ist dieser E-Mail als PDF beigefügt.');
  });

  test.each(['de', 'de-DE', 'de-AT', 'de-CH', 'DE-de', 'de_DE', 'de-!'])('when the locale is "%s", then the email is German', async (locale) => {
    expect((await renderInvoiceEmail(docIn(locale))).subject).toMatch(/^Rechnung INV-2026-000042 von Acme Billing GmbH: .* fällig am 01\.12\.2026$/);
  });

  test('when the customer is Austrian or Swiss, then amounts follow that region', async () => {
    expect((await renderInvoiceEmail(docIn('de-AT'))).subject).toContain('€\u00a01.604,12');
    expect((await renderInvoiceEmail(docIn('de-CH'))).subject).toMatch(/EUR\u00a01.604\.12/);
  });

  test.each(['fr-FR', 'en-US', 'xx', '', 'deutsch', 'es'])('when the locale is "%s", then the email falls back to English, exactly as for en-GB', async (locale) => {
    const english = await renderInvoiceEmail(docIn('en-GB'));
    const email = await renderInvoiceEmail(docIn(locale));

    expect(email).toEqual(english);
    expect(email.subject).toBe('Invoice INV-2026-000042 from Acme Billing GmbH: EUR 1,604.12 due 2026-12-01');
    expect(email.html).toContain('<html lang="en"');
  });

  test.each(LANGUAGES)('when the copy is %s, then every reminder tone has a subject, label, heading and paragraphs, and only the final notice an attachment note', (language) => {
    const facts = { number: 'INV-1', dueOn: '2026-12-01', amountDue: 'EUR 1.00' };
    const tones = emailCopy(language).reminder.tones;

    expect(Object.keys(tones).sort()).toEqual([...TONES].sort());
    for (const tone of TONES) {
      const { subject, label, heading, paragraphs, attachmentNote } = tones[tone](facts);
      for (const words of [subject, label, heading, ...paragraphs]) expect(words.trim()).not.toBe('');
      expect(paragraphs.length).toBeGreaterThan(0);
      expect(attachmentNote === null).toBe(tone !== 'final');
      expect(`${subject} ${paragraphs.join(' ')}`).toContain('INV-1');
    }
    expect(new Set(TONES.map((tone) => tones[tone](facts).subject)).size).toBe(TONES.length);
  });

  test.each(TONES.flatMap((tone) => LANGUAGES.map((language) => [tone, language] as const)))(
    'when a %s reminder is rendered in %s, then every part has words of that language',
    async (tone, language) => {
      const { subject, html, text } = await renderReminderEmail(docIn(language), tone, 1);
      const notice = emailCopy(language).reminder.tones[tone]({ number: 'INV-2026-000042', dueOn: '', amountDue: '' });

      expect(subject.trim()).not.toBe('');
      expect(html).toContain(`>${notice.label}</div>`);
      expect(text.split('\n')[0]).toMatch(new RegExp(`^${notice.label.toUpperCase()}: \\S`));
      for (const value of Object.values(emailCopy(language).reminder.labels)) expect(html).toContain(value);
    },
  );

  test('when the German copy is compared with the English, then every label and reminder is translated', () => {
    const facts = { number: 'INV-1', dueOn: 'D', amountDue: 'A' };
    const [en, de] = [emailCopy('en'), emailCopy('de')];
    const labels = (copy: typeof en) => [copy.invoice.labels, copy.reminder.labels, copy.approval.labels];

    for (const [index, group] of labels(de).entries()) {
      for (const [key, value] of Object.entries(group)) {
        expect(value.trim()).not.toBe('');
        expect(value).not.toBe((labels(en)[index] as Record<string, string>)[key]);
      }
    }
    for (const tone of TONES) {
      const [english, german] = [en.reminder.tones[tone](facts), de.reminder.tones[tone](facts)];
      expect(german.subject).not.toBe(english.subject);
      expect(german.paragraphs).toHaveLength(english.paragraphs.length);
    }
  });

  test('when the approvers read German, then the approval email is German; by default it stays English whatever the customer', async () => {
    const draft = docIn('de-DE', { number: null, issuedAt: null, dueAt: null });

    const german = await renderApprovalEmail(draft, 'escalation', '2026-10-28T10:00:00.000Z', 'de');
    expect(german.subject).toBe('Eskalation: Rechnung für Ada Lovelace (1.604,12\u00a0€) wartet seit dem 28.10.2026');
    expect(german.text).toMatch(/^Rechnung: +Entwurf, Nummer folgt bei Ausstellung$/m);
    expect(german.html).toContain('Rechnung prüfen');
    expect((await renderApprovalEmail(draft, 'request', '2026-10-28T10:00:00.000Z')).subject).toBe('Approval needed: invoice for Ada Lovelace (EUR 1,604.12)');
  });

  test.each([
    [123_456, '1.234,56\u00a0€'],
    [-10_000, '-100,00\u00a0€'],
    [0, '0,00\u00a0€'],
    // The largest sum billflow stores: through a float it would print ",90".
    [Number.MAX_SAFE_INTEGER, '90.071.992.547.409,91\u00a0€'],
  ])('when %i euro cents are shown in German, then they read "%s"', (amountMinor, shown) => {
    expect(money({ currency: 'EUR' }, amountMinor, resolveLocale('de-DE'))).toBe(shown);
  });

  test('when other German figures are formatted, then they use a decimal comma and the UTC calendar date', () => {
    const de = resolveLocale('de-DE');

    expect(money({ currency: 'KWD' }, 1_234_567, de)).toBe('1.234,567\u00a0KWD');
    expect(money({ currency: 'JPY' }, 132_000, de)).toBe('132.000\u00a0¥');
    expect(formatBps(750, de)).toBe('7,5\u00a0%');
    expect(formatQuantity('0.75', de)).toBe('0,75');
    expect(formatDate('2026-12-31T23:30:00.000Z', de)).toBe('31.12.2026');
    expect(() => formatDate('not a date', de)).toThrow(RenderError);
  });
});
