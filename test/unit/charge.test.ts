import fc from 'fast-check';
import { createChargeBody, toChargeLine } from '../../src/api/charges/schemas';
import { openApiDocument } from '../../src/api/openapi';
import { assertPeriod, type ChargeKind, type ChargeRequest, createCharge, periodOf } from '../../src/domain/charge';
import { DomainError } from '../../src/domain/errors';
import { MAX_QUANTITY } from '../../src/domain/lines';
import { MAX_AMOUNT_MINOR } from '../../src/domain/money';
import { AppError } from '../../src/errors';

const NOW = '2026-03-15T12:00:00.000Z';
const meta = { id: 'chg_1', createdBy: 'olivia', now: NOW };

function request(overrides: Partial<Omit<ChargeRequest, 'line'>> & { quantity?: string; unitPriceMinor?: number; taxRateBps?: number; discountBps?: number } = {}): ChargeRequest {
  const { quantity = '1', unitPriceMinor = 100, taxRateBps = 0, discountBps, ...rest } = overrides;
  return {
    customerId: 'cus_1',
    currency: 'EUR',
    kind: 'one_off',
    line: { description: 'Item', quantity, unitPriceMinor, taxRateBps, ...(discountBps === undefined ? {} : { discountBps }) },
    occurredAt: null,
    period: null,
    ...rest,
  };
}

/** The field a refusal names. */
function refusalOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.path;
  }
}

describe('billing periods', () => {
  test.each(['2026-01', '2026-12', '0001-01', '9999-12', '1999-07'])('when the period is "%s", then it is a month', (period) => {
    expect(() => assertPeriod(period)).not.toThrow();
  });

  test.each(['2026-13', '2026-00', '2026-1', '26-01', '0000-06', '2026-01-01', ' 2026-01', '2026-01 ', '202601', '12026-01', '２０２６-01', ''])(
    'when the period is "%s", then it is refused naming period',
    (period) => {
      expect(refusalOf(() => assertPeriod(period))).toBe('period');
    },
  );

  test.each([
    ['2026-01-31T23:30:00-01:00', '2026-02'], // 00:30 UTC on 1 February
    ['2026-03-01T00:30:00+01:00', '2026-02'], // 23:30 UTC on 28 February
    ['2025-12-31T23:59:59.999Z', '2025-12'],
    ['2026-01-01T00:30:00+02:00', '2025-12'],
    ['2024-02-29T12:00:00Z', '2024-02'],
    ['0001-01-01T00:00:00Z', '0001-01'],
  ])('when something occurred at %s, then its period is the UTC month %s', (at, period) => {
    expect(periodOf(at)).toBe(period);
  });

  test.each(['0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00', 'yesterday'])('when something occurred at %s (outside the years 0001 to 9999 in UTC), then it is refused naming occurredAt', (at) => {
    expect(refusalOf(() => periodOf(at))).toBe('occurredAt');
  });

  test('when any timestamp is written with any offset, then its period is the month of the same instant in UTC', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (instant, offsetMinutes) => {
          const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const written = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const period = periodOf(written);
          expect(period).toBe(instant.toISOString().slice(0, 7));
          expect(() => assertPeriod(period)).not.toThrow();
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('charges', () => {
  test.each<[ChargeKind, string, number, number]>([
    // kind, quantity, unit price → amount
    ['one_off', '1', 4999, 4999],
    ['time', '2.5', 8000, 20000], // 2.5 hours at 80.00 an hour
    ['time', '0.25', 9999, 2500], // 2499.75 → 2500
    ['usage', '1234', 3, 3702],
    ['usage', '0.3333', 100, 33], // 33.33 → 33
    ['usage', '0.0001', 5000, 1], // 0.5 rounds half away from zero → 1
    ['usage', '0.0001', 4999, 0], // 0.4999 → 0
    ['one_off', '3', 0, 0],
  ])('when a %s charge of %s × %i is created, then its amount is %i', (kind, quantity, unitPriceMinor, amountMinor) => {
    const charge = createCharge(request({ kind, quantity, unitPriceMinor }), meta);
    expect(charge).toMatchObject({ kind, quantity, unitPriceMinor, amountMinor, status: 'pending', invoiceId: null, cancelledAt: null });
  });

  test('when a charge is created without a time or period, then it occurred now, in this month', () => {
    expect(createCharge(request(), meta)).toMatchObject({ occurredAt: NOW, period: '2026-03', createdAt: NOW, createdBy: 'olivia' });
  });

  test('when a charge occurred at a time with an offset, then occurredAt is stored in UTC and the period is its UTC month', () => {
    expect(createCharge(request({ occurredAt: '2026-01-31T23:30:00-01:00' }), meta)).toMatchObject({ occurredAt: '2026-02-01T00:30:00.000Z', period: '2026-02' });
  });

  test('when a charge names its period, then the period is kept whenever it occurred', () => {
    expect(createCharge(request({ occurredAt: '2026-03-02T09:00:00Z', period: '2026-02' }), meta)).toMatchObject({ period: '2026-02', occurredAt: '2026-03-02T09:00:00.000Z' });
  });

  test('when the quantity is written with trailing zeros, then it is stored normalised', () => {
    expect(createCharge(request({ quantity: '2.50' }), meta).quantity).toBe('2.5');
  });

  test.each([
    ['an amount over 10^15', request({ quantity: '1000000000000', unitPriceMinor: MAX_AMOUNT_MINOR }), 'quantity'],
    ['a unit price over 10^15', request({ unitPriceMinor: MAX_AMOUNT_MINOR + 1 }), 'unitPriceMinor'],
    ['a total with tax over 10^15', request({ unitPriceMinor: MAX_AMOUNT_MINOR, taxRateBps: 1900 }), 'taxRateBps'],
    ['a quantity of zero', request({ quantity: '0' }), 'quantity'],
    ['a quantity with 5 decimals', request({ quantity: '1.00001' }), 'quantity'],
    ['a tax rate over 1000 %', request({ taxRateBps: 100_001 }), 'taxRateBps'],
    ['a discount', request({ discountBps: 1000 }), 'discountBps'],
    ['a month 13', request({ period: '2026-13' }), 'period'],
    ['a time before year 1', request({ occurredAt: '0001-01-01T00:00:00+00:01' }), 'occurredAt'],
  ])('when a charge has %s, then it is refused naming %s', (_what, req, path) => {
    expect(refusalOf(() => createCharge(req, meta))).toBe(path);
  });

  test('when a charge is exactly 10^15 minor units, then it is accepted', () => {
    expect(createCharge(request({ quantity: '1', unitPriceMinor: MAX_AMOUNT_MINOR }), meta).amountMinor).toBe(MAX_AMOUNT_MINOR);
  });

  test('when any quantity meets any price, then the amount is quantity × price rounded half away from zero, or refused naming quantity above 10^15 (or above the largest quantity)', () => {
    const quantity = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 9999 }))
      .filter(([whole, fraction]) => whole > 0n || fraction > 0)
      .map(([whole, fraction]) => ({ text: `${whole}.${String(fraction).padStart(4, '0')}`, tenThousandths: whole * 10_000n + BigInt(fraction) }));
    const price = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }));
    fc.assert(
      fc.property(quantity, price, fc.constantFrom<ChargeKind>('one_off', 'time', 'usage'), (q, unitPriceMinor, kind) => {
        // The exact product in ten-thousandths of a minor unit, rounded to a whole one with the half away from zero.
        const expected = (q.tenThousandths * BigInt(unitPriceMinor) * 2n + 10_000n) / 20_000n;
        const req = request({ kind, quantity: q.text, unitPriceMinor });
        if (expected > BigInt(MAX_AMOUNT_MINOR) || q.tenThousandths > MAX_QUANTITY * 10_000n) {
          expect(refusalOf(() => createCharge(req, meta))).toBe('quantity');
        } else {
          const charge = createCharge(req, meta);
          expect(charge.amountMinor).toBe(Number(expected));
          expect(Number.isSafeInteger(charge.amountMinor) && charge.amountMinor >= 0 && charge.amountMinor <= MAX_AMOUNT_MINOR).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('the charge request', () => {
  const body = (fields: object) => createChargeBody.parse({ customerId: 'cus_1', description: 'Item', quantity: '1', ...fields });

  test('when a price is given as a decimal in the customer\'s currency, then it is parsed exactly with that currency\'s decimals', () => {
    expect(toChargeLine(body({ unitPrice: '49.99' }), 'EUR', 1900)).toMatchObject({ unitPriceMinor: 4999, taxRateBps: 1900 });
    expect(toChargeLine(body({ unitPrice: '1500' }), 'JPY', 0).unitPriceMinor).toBe(1500);
    expect(toChargeLine(body({ unitPrice: '1.234', taxRateBps: 700 }), 'KWD', 1900)).toMatchObject({ unitPriceMinor: 1234, taxRateBps: 700 });
  });

  test.each([
    [{ unitPrice: '1.999' }, 'EUR', 'unitPrice'],
    [{ unitPrice: '1.5' }, 'JPY', 'unitPrice'],
    [{}, 'EUR', 'unitPrice'],
    [{ unitPrice: '1.00', unitPriceMinor: 100 }, 'EUR', 'unitPrice'],
    [{ quantity: '1.23456', unitPriceMinor: 1 }, 'EUR', 'quantity'],
  ])('when the line is %p in %s, then the refusal names the charge\'s own field %s', (fields, currency, path) => {
    let refusal: unknown;
    try {
      toChargeLine(body(fields), currency, 0);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).details[0]?.path).toBe(path);
    expect((refusal as AppError).message.startsWith(`${path}: `)).toBe(true);
  });
});

describe('the OpenAPI document says what the charge routes enforce', () => {
  type Schema = { [key: string]: any };
  const doc = openApiDocument() as Schema;
  const chargeBody: Schema = doc.paths['/charges'].post.requestBody.content['application/json'].schema;
  const invoiceLine: Schema = doc.paths['/invoices'].post.requestBody.content['application/json'].schema.properties.lines.items;
  const listPeriod: Schema = doc.paths['/charges'].get.parameters.find((p: Schema) => p.name === 'period').schema;

  test('when a charge is created, then its price is either-or, and its quantity and price have the invoice line\'s syntax', () => {
    expect(chargeBody.oneOf).toEqual([{ required: ['unitPrice'] }, { required: ['unitPriceMinor'] }]);
    for (const field of ['description', 'quantity', 'unitPrice', 'unitPriceMinor']) expect(chargeBody.properties[field]).toEqual(invoiceLine.properties[field]);
    expect(chargeBody.required).toEqual(['customerId', 'description', 'quantity']);
  });

  test('when any period is written, then the document\'s pattern and assertPeriod agree', () => {
    const near = fc
      .tuple(fc.stringMatching(/^[0-9]{3,5}$/), fc.constantFrom('-', '-', '/', ''), fc.stringMatching(/^[0-9]{1,3}$/))
      .map(([year, dash, month]) => `${year}${dash}${month}`);
    const patterns = [new RegExp(chargeBody.properties.period.pattern as string, 'u'), new RegExp(listPeriod.pattern as string, 'u')];
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 9 })), (text) => {
        const accepted = refusalOf(() => assertPeriod(text)) === null;
        for (const pattern of patterns) expect(pattern.test(text)).toBe(accepted);
      }),
      { numRuns: 5_000 },
    );
  });
});
