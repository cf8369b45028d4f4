import { CHARGE_COLUMNS, CUSTOMER_COLUMNS, customerRowParser, INVOICE_COLUMNS, parseChargeRow, parseInvoiceRow } from '../../src/api/imports/schemas';
import { AppError } from '../../src/errors';
import { headerProblems, rejectionsOf } from '../../src/services/imports';

/** A row's refusal as the import reports it (line 2). */
const refusal = (parse: () => unknown) => {
  try {
    parse();
  } catch (error) {
    return rejectionsOf(error, 2);
  }
  throw new Error('the row was accepted');
};

describe('the header of an import', () => {
  test.each<[string, string[], { path: string; message: RegExp }[]]>([
    ['the API.md header', ['externalId', 'name', 'email', 'currency', 'paymentTermsDays', 'taxRateBps', 'locale', 'approval'], []],
    ['the required columns only, in any order', ['currency', 'email', 'name', 'externalId'], []],
    ['a required column missing', ['externalId', 'name', 'currency'], [{ path: 'email', message: /required column/ }]],
    ['an unknown column', ['externalId', 'name', 'email', 'currency', 'nickname'], [{ path: 'nickname', message: /not a column of this import/ }]],
    ['a column twice', ['externalId', 'name', 'email', 'currency', 'name'], [{ path: 'name', message: /twice/ }]],
    ['a column without a name', ['externalId', 'name', 'email', 'currency', ''], [{ path: '(header)', message: /without a name/ }]],
    ['a column in another case', ['externalid', 'name', 'email', 'currency'], [{ path: 'externalid', message: /not a column/ }, { path: 'externalId', message: /required column/ }]],
  ])('when customers come with %s, then the problems name the columns', (_case, header, expected) => {
    expect(headerProblems(header, CUSTOMER_COLUMNS)).toEqual(expected.map((e) => ({ path: e.path, message: expect.stringMatching(e.message) })));
  });

  test('when charges name neither the customer nor a price, then each alternative is named', () => {
    expect(headerProblems(['externalId', 'description', 'quantity'], CHARGE_COLUMNS).map((p) => p.path)).toEqual(['customerId | customerExternalId', 'unitPrice | unitPriceMinor']);
    expect(headerProblems(['externalId', 'customerExternalId', 'description', 'quantity', 'unitPriceMinor'], CHARGE_COLUMNS)).toEqual([]);
  });

  test('when invoices have the API.md header, then it is right', () => {
    expect(headerProblems('externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description'.split(','), INVOICE_COLUMNS)).toEqual([]);
  });
});

describe('a row of an import, validated as the JSON request of the same thing', () => {
  const operator = customerRowParser({ principal: 'olivia', role: 'operator' });
  const admin = customerRowParser({ principal: 'ada', role: 'admin' });

  test('when a customer row has the fields POST /customers takes, then the numbers are numbers, the defaults are its, and only the cells given count as given', () => {
    expect(operator({ externalId: 'c-1', name: ' Acme GmbH ', email: 'ap@acme.test', currency: 'EUR', taxRateBps: '1900' })).toEqual({
      externalId: 'c-1',
      fields: { name: 'Acme GmbH', email: 'ap@acme.test', currency: 'EUR', locale: 'en', paymentTermsDays: 30, taxRateBps: 1900, approval: 'policy' },
      given: new Set(['name', 'email', 'currency', 'taxRateBps']),
    });
  });

  test.each<[string, Record<string, string>, { field: string; message: RegExp }[]]>([
    ['no name', { externalId: 'c', email: 'a@b.test', currency: 'EUR' }, [{ field: 'name', message: /^is required$/ }]],
    ['a bad email and currency', { externalId: 'c', name: 'A', email: 'nope', currency: 'EURO' }, [{ field: 'email', message: /email/ }, { field: 'currency', message: /ISO 4217/ }]],
    ['terms as words', { externalId: 'c', name: 'A', email: 'a@b.test', currency: 'EUR', paymentTermsDays: 'thirty' }, [{ field: 'paymentTermsDays', message: /./ }]],
    ['terms with decimals', { externalId: 'c', name: 'A', email: 'a@b.test', currency: 'EUR', paymentTermsDays: '30.5' }, [{ field: 'paymentTermsDays', message: /./ }]],
    ['a name on two lines', { externalId: 'c', name: 'A\nB', email: 'a@b.test', currency: 'EUR' }, [{ field: 'name', message: /one line/ }]],
    ['approval "never" from an operator', { externalId: 'c', name: 'A', email: 'a@b.test', currency: 'EUR', approval: 'never' }, [{ field: 'approval', message: /only an admin/ }]],
    ['no externalId', { name: 'A', email: 'a@b.test', currency: 'EUR' }, [{ field: 'externalId', message: /^is required$/ }]],
  ])('when a customer row has %s, then each bad field is named', (_case, fields, expected) => {
    expect(refusal(() => operator(fields))).toEqual(expected.map((e) => ({ line: 2, field: e.field, message: expect.stringMatching(e.message) })));
  });

  test('when an admin imports approval "never", then it is accepted', () => {
    expect(admin({ externalId: 'c', name: 'A', email: 'a@b.test', currency: 'EUR', approval: 'never' }).fields.approval).toBe('never');
  });

  test('when a charge row is priced, then it is priced as POST /charges prices it, in the customer\'s currency, the tax rate defaulting to the one given', () => {
    const row = parseChargeRow({ externalId: 'ch-1', customerExternalId: 'c-1', description: 'Consulting', quantity: '2.50', unitPrice: '80.00', kind: 'time' });
    expect(row).toMatchObject({ externalId: 'ch-1', customer: { externalId: 'c-1' }, kind: 'time', occurredAt: null, period: null });
    expect(row.line('EUR', 1900)).toEqual({ description: 'Consulting', quantity: '2.5', unitPriceMinor: 8000, taxRateBps: 1900, discountBps: 0 });
    expect(refusal(() => row.line('JPY', 0))).toEqual([{ line: 2, field: 'unitPrice', message: expect.stringContaining('more than 0 decimal places') }]);
    expect(parseChargeRow({ externalId: 'ch-2', customerId: 'cus_1', description: 'Setup', quantity: '1', unitPriceMinor: '2500' }).kind).toBeNull();
  });

  test.each<[string, Record<string, string>, string[]]>([
    ['both customerId and customerExternalId', { externalId: 'x', customerId: 'cus_1', customerExternalId: 'c-1', description: 'A', quantity: '1', unitPriceMinor: '1' }, ['customerId']],
    ['neither', { externalId: 'x', description: 'A', quantity: '1', unitPriceMinor: '1' }, ['customerId']],
    ['a kind that does not exist', { externalId: 'x', customerId: 'cus_1', description: 'A', quantity: '1', unitPriceMinor: '1', kind: 'gift' }, ['kind']],
    ['a month 13', { externalId: 'x', customerId: 'cus_1', description: 'A', quantity: '1', unitPriceMinor: '1', period: '2026-13' }, ['period']],
    ['a price in cents with decimals', { externalId: 'x', customerId: 'cus_1', description: 'A', quantity: '1', unitPriceMinor: '1.5' }, ['unitPriceMinor']],
  ])('when a charge row has %s, then the fields are named', (_case, fields, paths) => {
    expect(refusal(() => parseChargeRow(fields)).map((r) => r.field)).toEqual(paths);
  });

  test('when an invoice row has decimal amounts and a day for a date, then the amounts are exact minor units and the day is 00:00 UTC', () => {
    expect(
      parseInvoiceRow({ externalId: 'i-1', customerExternalId: 'c-1', number: 'RE-17', issuedAt: '2026-01-15', dueAt: '2026-02-14T00:00:00+01:00', currency: 'KWD', total: '1.005', amountPaid: '0.5' }),
    ).toEqual({
      externalId: 'i-1',
      customerExternalId: 'c-1',
      number: 'RE-17',
      issuedAt: '2026-01-15T00:00:00.000Z',
      dueAt: '2026-02-13T23:00:00.000Z',
      currency: 'KWD',
      totalMinor: 1005,
      amountPaidMinor: 500,
      description: 'Invoice RE-17',
    });
  });

  test('when an invoice row has several bad fields, then each is named', () => {
    const bad = { externalId: 'i-1', customerExternalId: 'c-1', number: 'RE-17', issuedAt: '15.01.2026', dueAt: '2026-02-30', currency: 'JPY', total: '10.5', amountPaid: 'ten' };
    expect(refusal(() => parseInvoiceRow(bad)).map((r) => r.field)).toEqual(['issuedAt', 'dueAt', 'total', 'amountPaid']);
  });

  test('when a refusal is not about the row, then it is not turned into a rejection', () => {
    expect(() => rejectionsOf(new Error('the database went away'), 2)).toThrow('the database went away');
    expect(() => rejectionsOf(new AppError({ code: 'unavailable', message: 'down' }), 2)).toThrow('down');
  });
});
