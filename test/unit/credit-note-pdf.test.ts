import { priceLines } from '../../src/domain/lines';
import { type CreditNoteDocument, renderCreditNotePdf } from '../../src/render/pdf/credit-note';
import { sampleLineInputs } from '../support/documents';
import { readPdfText } from '../support/pdf-text';

/** A credit note of 150.00 EUR on INV-2026-000042: 100.00 took off what was due, 50.00 went to the customer's credit. */
function creditNote(overrides: Partial<CreditNoteDocument> = {}): CreditNoteDocument {
  return {
    number: 'CN-2026-000007',
    invoiceId: 'inv_01HZX5J3K9',
    invoiceNumber: 'INV-2026-000042',
    currency: 'EUR',
    issuedAt: '2026-11-20T10:00:00.000Z',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', locale: 'en-GB' },
    lines: null,
    amountMinor: 15_000,
    appliedMinor: 10_000,
    creditMinor: 5_000,
    reason: 'Service outage in November',
    url: 'https://billing.example.com/invoices/inv_01HZX5J3K9',
    issuer: { name: 'Acme Billing GmbH', email: 'billing@acme.example' },
    ...overrides,
  };
}

async function textOf(doc: CreditNoteDocument): Promise<{ text: string; pages: string[]; title: string | undefined }> {
  const { pages, title } = readPdfText(await renderCreditNotePdf(doc, { compress: false }), ' ');
  return { text: pages.join('\n'), pages, title };
}

describe('credit note PDF', () => {
  test('when an English customer gets a credit note of an amount, then it names the invoice, the amount, where it went and why', async () => {
    const { text, pages, title } = await textOf(creditNote());
    expect(title).toBe('Credit note CN-2026-000007');
    expect(pages).toHaveLength(1);
    for (const shown of [
      'Acme Billing GmbH billing@acme.example',
      'CREDIT NOTE CN-2026-000007',
      'CREDIT TO Ada Lovelace ada@example.com',
      'Issue date 2026-11-20',
      'Invoice INV-2026-000042',
      'DESCRIPTION AMOUNT',
      'Credit on invoice INV-2026-000042 EUR 150.00',
      'Taken off invoice INV-2026-000042 EUR 100.00',
      'Added to your credit balance EUR 50.00',
      'Total credited EUR 150.00',
      'REASON Service outage in November',
      'View the invoice online: https://billing.example.com/invoices/inv_01HZX5J3K9',
    ]) {
      expect(text).toContain(shown);
    }
    // No subtotal or tax rows for a credit note of an amount: its tax is not itemised.
    expect(text).not.toContain('Subtotal');
  });

  test('when a German customer gets a credit note by line, then the lines, their subtotal and tax and the total are in German', async () => {
    // Two lines of the sample: 1 × 12,50 € at 19 % and 2,5 × 91,69 € at 19 %.
    const lines = priceLines(sampleLineInputs(2), false);
    const total = lines.reduce((sum, line) => sum + line.totalMinor, 0);
    const { text, title } = await textOf(creditNote({ customer: { name: 'Ada Lovelace', email: 'ada@example.com', locale: 'de-DE' }, lines, amountMinor: total, appliedMinor: total, creditMinor: 0 }));
    expect(title).toBe('Gutschrift CN-2026-000007');
    for (const shown of [
      'GUTSCHRIFT CN-2026-000007',
      'GUTSCHRIFTEMPFÄNGER Ada Lovelace ada@example.com',
      'Datum 20.11.2026',
      'Zur Rechnung INV-2026-000042',
      'BESCHREIBUNG MENGE EINZELPREIS MWST. BETRAG',
      'Consulting, senior engineer (hours) 1 12,50\u00a0€ 19\u00a0% 12,50\u00a0€',
      'Hosting plan "Business", monthly 2,5 91,69\u00a0€ 19\u00a0% 229,23\u00a0€',
      'Zwischensumme 241,73\u00a0€',
      'Verrechnet mit Rechnung INV-2026-000042',
      'GRUND Service outage in November',
      'Rechnung online ansehen: https://billing.example.com/invoices/inv_01HZX5J3K9',
    ]) {
      expect(text).toContain(shown);
    }
    expect(text).toMatch(/Gutschriftbetrag \d+,\d\d\u00a0€/);
    // Nothing went to the customer's credit, so that row is left out; no English anywhere.
    expect(text).not.toContain('Guthaben');
    for (const english of ['CREDIT NOTE', 'Credit to', 'Issue date', 'Total credited', 'EUR ', '2026-11-20']) expect(text).not.toContain(english);
  });
});
