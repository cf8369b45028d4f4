import fc from 'fast-check';
import {
  allocate,
  candidatesFor,
  decideLine,
  decideLines,
  invoiceNumberTokens,
  numberLookalikeDigits,
  type PayableInvoice,
  payerKey,
} from '../../src/domain/payment-matching';

const invoice = (id: string, amountDueMinor: number, overrides: Partial<PayableInvoice> = {}): PayableInvoice => ({
  id,
  number: `INV-2026-${id.padStart(6, '0')}`,
  customerId: 'cus_1',
  currency: 'EUR',
  status: 'open',
  amountDueMinor,
  issuedAt: `2026-01-${id.padStart(2, '0')}T00:00:00.000Z`,
  ...overrides,
});
const line = (amountMinor: number, reference: string | null = null, payer: string | null = null) => ({ date: '2026-02-01', amountMinor, currency: 'EUR', reference, payer });

describe('reading invoice numbers from remittance text', () => {
  test.each([
    ['Invoice INV-2026-000042, thanks', ['INV-2026-000042']],
    ['inv-2026-000042.', ['inv-2026-000042', 'INV-2026-000042']],
    ['RE: INV-2026-000001/INV-2026-000002', ['INV-2026-000001/INV-2026-000002']],
    ['(INV-2026-000001) and #INV-2026-000002', ['INV-2026-000001', 'INV-2026-000002']],
    ['thanks for everything', []],
    [null, []],
  ])('when the text is %p, then the tokens are %p', (text, tokens) => {
    expect(invoiceNumberTokens(text)).toEqual(tokens);
  });

  test('when a number is written short or without separators, then its last digits are a lookalike', () => {
    expect(numberLookalikeDigits('INV 2026 042')).toEqual(['2026', '42']);
    expect(numberLookalikeDigits('inv2026000042')).toEqual(['2026000042']);
    expect(numberLookalikeDigits('invoice 7')).toEqual([]);
  });
});

describe('payer names', () => {
  test.each([
    ['Acme GmbH', 'acme'],
    ['ACME  G.m.b.H.', 'acme'],
    ['Müller & Co. KG', 'muller'],
    ['Globex, Ltd.', 'globex'],
    ['Initech Inc', 'initech'],
    ['The Widget Company Limited', 'thewidget'],
    ['GmbH', 'gmbh'],
    [null, ''],
  ])('when the name is %p, then its key is %p', (name, key) => {
    expect(payerKey(name)).toBe(key);
  });
});

describe('allocating a line over invoices', () => {
  test('when the money covers several invoices, then the oldest are paid first and the rest goes on the last', () => {
    expect(allocate(8000, [invoice('10', 3000), invoice('5', 4000)])).toEqual([
      { invoiceId: '5', amountMinor: 4000 },
      { invoiceId: '10', amountMinor: 4000 },
    ]);
  });

  test('when the money runs out, then the newer invoices get nothing', () => {
    expect(allocate(5000, [invoice('1', 4000), invoice('2', 4000), invoice('3', 4000)])).toEqual([
      { invoiceId: '1', amountMinor: 4000 },
      { invoiceId: '2', amountMinor: 1000 },
    ]);
  });

  test('for any amount and invoices, the parts add up to the amount, each is positive, and none but the last exceeds its amount due', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 8 }), (amount, dues) => {
        const invoices = dues.map((due, i) => invoice(String(i + 1), due));
        const parts = allocate(amount, invoices);
        expect(parts.reduce((sum, p) => sum + p.amountMinor, 0)).toBe(amount);
        for (const [i, part] of parts.entries()) {
          expect(part.amountMinor).toBeGreaterThan(0);
          const due = invoices.find((inv) => inv.id === part.invoiceId)?.amountDueMinor ?? 0;
          if (i < parts.length - 1) expect(part.amountMinor).toBe(due);
        }
      }),
    );
  });
});

describe('deciding a line', () => {
  test('when money goes out, then the line is ignored', () => {
    expect(decideLine(line(-1200, 'INV-2026-000001'), [invoice('1', 1200)], [])).toEqual({ kind: 'ignored', reason: 'money out' });
  });

  test('when the reference names invoices that take payments, then they are paid, whoever the payer', () => {
    expect(decideLine(line(5000, 'x'), [invoice('1', 20000)], [])).toEqual({ kind: 'matched', by: 'number', allocations: [{ invoiceId: '1', amountMinor: 5000 }] });
  });

  test('when the only named invoice is paid or in another currency, then the line waits and says why', () => {
    const decision = decideLine(line(5000, 'x'), [invoice('1', 0, { status: 'paid' }), invoice('2', 5000, { currency: 'USD' })], []);
    expect(decision).toEqual({ kind: 'unmatched', reason: expect.stringMatching(/INV-2026-000001, which is paid; INV-2026-000002, which is in USD/) });
  });

  test('when no number is named, then exactly one open invoice of the payer due exactly the amount is paid', () => {
    expect(decideLine(line(12345, null, 'Globex'), [], [invoice('1', 12345), invoice('2', 999)])).toEqual({
      kind: 'matched',
      by: 'payer',
      allocations: [{ invoiceId: '1', amountMinor: 12345 }],
    });
  });

  test('when two open invoices of the payer are due the amount, or the only one is disputed, then the line waits', () => {
    expect(decideLine(line(100, null, 'Globex'), [], [invoice('1', 100), invoice('2', 100)]).kind).toBe('unmatched');
    expect(decideLine(line(100, null, 'Globex'), [], [invoice('1', 100, { status: 'disputed' })]).kind).toBe('unmatched');
  });

  test('when a line waits, then its candidates are listed once each, named invoices first', () => {
    const named = invoice('1', 0, { status: 'paid' });
    expect(
      candidatesFor([
        { reason: 'not_payable', invoices: [named] },
        { reason: 'same_amount', invoices: [named, invoice('2', 100)] },
      ]),
    ).toEqual([
      { invoiceId: '1', reason: 'not_payable' },
      { invoiceId: '2', reason: 'same_amount' },
    ]);
  });
});

describe('deciding the lines of a statement in order', () => {
  test('when two lines name the same two invoices, then the first pays the older and the second the newer, not the older again', () => {
    const both = [invoice('1', 10000), invoice('2', 5000)];
    const [first, second] = decideLines([
      { line: line(10000, 'INV-2026-000001 INV-2026-000002'), byNumber: both, byPayer: [] },
      { line: line(5000, 'INV-2026-000001 INV-2026-000002'), byNumber: both, byPayer: [] },
    ]);
    expect(first).toEqual({ kind: 'matched', by: 'number', allocations: [{ invoiceId: '1', amountMinor: 10000 }] });
    expect(second).toEqual({ kind: 'matched', by: 'number', allocations: [{ invoiceId: '2', amountMinor: 5000 }] });
  });

  test('when a line of an earlier statement will pay the older invoice and is not applied yet, then a new line naming both pays the newer', () => {
    const both = [invoice('1', 10000), invoice('2', 5000)];
    const [decision] = decideLines([{ line: line(5000, 'INV-2026-000001 INV-2026-000002'), byNumber: both, byPayer: [] }], new Map([['1', 10000]]));
    expect(decision).toEqual({ kind: 'matched', by: 'number', allocations: [{ invoiceId: '2', amountMinor: 5000 }] });
  });

  test('when a line paid the only invoice of the payer due the amount, then a second line of the same amount waits for a person', () => {
    const only = [invoice('1', 7500)];
    const decisions = decideLines([
      { line: line(7500, null, 'Acme'), byNumber: [], byPayer: only },
      { line: line(7500, null, 'Acme'), byNumber: [], byPayer: only },
    ]);
    expect(decisions.map((d) => d.kind)).toEqual(['matched', 'unmatched']);
  });

  test('for any lines naming the same invoices, no invoice is allocated more than it is due until every one named is paid in full', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 8 }), (dues, amounts) => {
        const invoices = dues.map((due, i) => invoice(String(i + 1), due));
        const decisions = decideLines(amounts.map((amount) => ({ line: line(amount, 'x'), byNumber: invoices, byPayer: [] })));
        const given = new Map<string, number>();
        for (const d of decisions) if (d.kind === 'matched') for (const a of d.allocations) given.set(a.invoiceId, (given.get(a.invoiceId) ?? 0) + a.amountMinor);
        const total = amounts.reduce((a, b) => a + b, 0);
        const owed = dues.reduce((a, b) => a + b, 0);
        // Every line is matched (the invoices are named), all the money is allocated, and an
        // invoice gets more than it is due only as the last one's over-payment once all are paid.
        expect([...given.values()].reduce((a, b) => a + b, 0)).toBe(total);
        invoices.forEach((inv, i) => {
          const got = given.get(inv.id) ?? 0;
          if (i < invoices.length - 1 || total <= owed) expect(got).toBeLessThanOrEqual(inv.amountDueMinor);
          if (total >= owed) expect(got).toBeGreaterThanOrEqual(inv.amountDueMinor);
        });
      }),
    );
  });
});
