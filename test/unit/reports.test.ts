import { momentOf, periodOf } from '../../src/api/reports/schemas';
import { agingCsv, collectionsCsv, dsoCsv, statementCsv } from '../../src/api/reports/views';
import { daysSalesOutstanding } from '../../src/services/reports';

const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

describe('days sales outstanding', () => {
  test.each([
    // receivables, sales, days, expected (worked out by hand)
    [310_000, 260_000, 90, 107.3], // 107.307…
    [1, 3, 90, 30], // 30.0 exactly
    [1, 8, 1, 0.1], // 0.125 → 0.1
    [3, 8, 1, 0.4], // 0.375 → 0.4 (half up)
    [1, 20, 1, 0.1], // 0.05 → 0.1 (half up)
    [0, 5_000, 90, 0], // nothing owed
    [5_000, 0, 90, null], // nothing sold: no ratio
  ])('when receivables are %d and sales %d over %d days, then DSO is %p', (receivables, sales, days, expected) => {
    expect(daysSalesOutstanding(receivables, sales, days)).toBe(expected);
  });

  test('when the sums are near 2^53, then the ratio is still exact (no float product)', () => {
    // 9007199254740991 × 3650 overflows a double's integers; 2^53-1 ÷ (2^53-1) × 3650 = 3650.0 exactly.
    expect(daysSalesOutstanding(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 3650)).toBe(3650);
  });
});

describe('report query moments', () => {
  test('when a date is given, then it is its 00:00 UTC; a timestamp with offset is moved to UTC', () => {
    expect(momentOf('2026-03-01', 'from')).toBe('2026-03-01T00:00:00.000Z');
    expect(momentOf('2026-03-01T01:30:00+02:00', 'to')).toBe('2026-02-28T23:30:00.000Z');
  });

  test('when a moment is out of what PostgreSQL holds, then 400 names the field', () => {
    expect(() => momentOf('0000-06-01', 'asOf')).toThrow(expect.objectContaining({ code: 'validation_failed', details: [expect.objectContaining({ path: 'asOf' })] }));
    expect(() => momentOf('9999-12-31T23:00:00-02:00', 'to')).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: 'to' })] }));
  });

  test('when from or to are left out, then to is now and from the default days before it (or open)', () => {
    const now = '2026-04-01T12:00:00.000Z';
    expect(periodOf({}, now, 90)).toEqual({ from: '2026-01-01T12:00:00.000Z', to: now });
    expect(periodOf({}, now, null)).toEqual({ from: null, to: now });
    expect(periodOf({ from: '2026-03-01' }, now, null)).toEqual({ from: '2026-03-01T00:00:00.000Z', to: now });
    expect(() => periodOf({ from: '2026-04-01', to: '2026-04-01' }, now, null)).toThrow(expect.objectContaining({ details: [{ path: 'to', message: 'must be after from' }] }));
  });
});

describe('reports as CSV', () => {
  const asOf = '2026-04-01T00:00:00.000Z';

  test('when a customer\'s name could run as a spreadsheet formula, then it is written with a leading apostrophe; amounts stay numbers', () => {
    const text = agingCsv({
      currency: 'EUR',
      asOf,
      buckets: { current: 0, '1-30': 1_500, '31-60': 0, '61-90': 0, '90+': 0 },
      customers: [{ customerId: 'cus_1', name: '=HYPERLINK("http://evil.test","x")', buckets: { current: 0, '1-30': 1_500, '31-60': 0, '61-90': 0, '90+': 0 } }],
    });
    expect(text).toBe(
      csv(
        'row,currency,asOf,customerId,name,current,1-30,31-60,61-90,90+,total',
        `customer,EUR,${asOf},cus_1,"'=HYPERLINK(""http://evil.test"",""x"")",0,1500,0,0,0,1500`,
        `total,EUR,${asOf},,,0,1500,0,0,0,1500`,
      ),
    );
  });

  test('when the reports have no rows, then the CSV is the header and the totals', () => {
    expect(agingCsv({ currency: 'JPY', asOf, buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 }, customers: [] })).toBe(
      csv('row,currency,asOf,customerId,name,current,1-30,31-60,61-90,90+,total', `total,JPY,${asOf},,,0,0,0,0,0,0`),
    );
    expect(dsoCsv({ currency: 'JPY', days: 90, dso: null, receivablesMinor: 0, salesMinor: 0 })).toBe(csv('currency,days,dso,receivablesMinor,salesMinor', 'JPY,90,,0,0'));
    expect(collectionsCsv({ currency: 'JPY', from: asOf, to: asOf, invoicedMinor: 0, collectedMinor: -500, outstandingMinor: 0, writtenOffMinor: 0, latePayers: [] })).toBe(
      csv(
        'row,currency,from,to,invoicedMinor,collectedMinor,outstandingMinor,writtenOffMinor,customerId,name,lateInvoices,averageDaysLate',
        `total,JPY,${asOf},${asOf},0,-500,0,0,,,,`,
      ),
    );
  });

  test('when a statement has several currencies, then each has its opening row, entries and closing row; negative balances stay numbers', () => {
    const text = statementCsv({
      customerId: 'cus_1',
      name: 'Acme, Inc.',
      from: '2026-01-01T00:00:00.000Z',
      to: asOf,
      currencies: [
        {
          currency: 'EUR',
          openingBalanceMinor: 100,
          entries: [{ at: '2026-02-01T00:00:00.000Z', type: 'payment', reference: '-1, "quoted"', invoiceId: 'inv_1', invoiceNumber: 'INV-2026-000001', amountMinor: -300, balanceMinor: -200 }],
          closingBalanceMinor: -200,
        },
        { currency: 'USD', openingBalanceMinor: 0, entries: [], closingBalanceMinor: 0 },
      ],
    });
    expect(text).toBe(
      csv(
        'currency,at,type,reference,invoiceNumber,amountMinor,balanceMinor',
        'EUR,2026-01-01T00:00:00.000Z,opening_balance,,,,100',
        `EUR,2026-02-01T00:00:00.000Z,payment,"'-1, ""quoted""",INV-2026-000001,-300,-200`,
        `EUR,${asOf},closing_balance,,,,-200`,
        'USD,2026-01-01T00:00:00.000Z,opening_balance,,,,0',
        `USD,${asOf},closing_balance,,,,0`,
      ),
    );
  });
});
