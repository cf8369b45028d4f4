import fc from 'fast-check';
import {
  allocateByLargestRemainder,
  divideRoundHalfAwayFromZero,
  LineError,
  normaliseQuantity,
  priceLine,
  priceLines,
  totalsOf,
} from '../../src/domain/lines';

const line = (quantity: string, unitPriceMinor: number, taxRateBps: number, discountBps = 0) => ({
  description: 'item',
  quantity,
  unitPriceMinor,
  taxRateBps,
  discountBps,
});

describe('invoice lines', () => {
  test.each([
    // quantity, unit price, tax bps, discount bps, inclusive → net, tax, total
    ['1', 10000, 1900, 0, false, 10000, 1900, 11900],
    ['2.5', 10000, 1900, 0, false, 25000, 4750, 29750],
    ['3', 333, 700, 0, false, 999, 70, 1069], // 69.93 → 70
    ['1', 5, 1000, 0, false, 5, 1, 6], // 0.5 rounds half away from zero → 1
    ['0.3333', 100, 0, 0, false, 33, 0, 33], // 33.33 → 33
    ['0.5', 1, 0, 0, false, 1, 0, 1], // 0.5 → 1
    ['1', 11900, 1900, 0, true, 10000, 1900, 11900],
    ['1', 1000, 2000, 0, true, 833, 167, 1000], // 833.33 net, gross stays 1000
    ['2', 10000, 1900, 1000, false, 18000, 3420, 21420], // 10 % discount
  ])('when %s × %i at %i bps (discount %i, inclusive %s) is priced, then net %i, tax %i, total %i', (quantity, unit, bps, discount, inclusive, net, tax, total) => {
    const priced = priceLine(line(quantity, unit, bps, discount), inclusive);
    expect([priced.netMinor, priced.taxMinor, priced.totalMinor]).toEqual([net, tax, total]);
  });

  test('when a negative amount is rounded, then the half goes away from zero', () => {
    expect(divideRoundHalfAwayFromZero(-5n, 10n)).toBe(-1n);
    expect(divideRoundHalfAwayFromZero(-4n, 10n)).toBe(0n);
    expect(divideRoundHalfAwayFromZero(15n, 10n)).toBe(2n);
  });

  test.each([
    ['2.50', '2.5'],
    ['007', '7'],
    ['0.0001', '0.0001'],
    [1.5, '1.5'],
  ])('when quantity %p is normalised, then it is "%s"', (input, expected) => {
    expect(normaliseQuantity(input)).toBe(expected);
  });

  test.each(['0', '0.0000', '-1', '1.23456', 'abc', '1e3', ''])('when quantity "%s" is given, then it is refused', (q) => {
    expect(() => normaliseQuantity(q)).toThrow(LineError);
  });

  test('when an invoice has no lines, then it is refused', () => {
    expect(() => priceLines([], false)).toThrow(/at least one line/);
  });

  test('when an invoice has several lines in any currency, then its totals equal the sum of its lines', () => {
    const lineArb = fc.record({
      description: fc.constant('x'),
      quantity: fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 9999 }))
        .filter(([w, f]) => w + f > 0)
        .map(([w, f]) => `${w}.${String(f).padStart(4, '0')}`),
      unitPriceMinor: fc.integer({ min: 0, max: 10_000_000 }),
      taxRateBps: fc.integer({ min: 0, max: 3000 }),
      discountBps: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), fc.boolean(), (lines, inclusive) => {
        const priced = priceLines(lines, inclusive);
        const totals = totalsOf(priced);
        expect(totals.subtotalMinor).toBe(priced.reduce((s, l) => s + l.netMinor, 0));
        expect(totals.taxMinor).toBe(priced.reduce((s, l) => s + l.taxMinor, 0));
        expect(totals.totalMinor).toBe(totals.subtotalMinor + totals.taxMinor);
        for (const l of priced) {
          expect(Number.isSafeInteger(l.netMinor) && Number.isSafeInteger(l.taxMinor)).toBe(true);
          expect(l.netMinor + l.taxMinor).toBe(l.totalMinor);
        }
      }),
    );
  });

  test('when prices include tax, then net plus tax is exactly the gross amount (no drift)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 5000 }), (gross, bps) => {
        const priced = priceLine(line('1', gross, bps), true);
        expect(priced.netMinor + priced.taxMinor).toBe(gross);
      }),
    );
  });

  test('when an amount is allocated by largest remainder, then the shares add up exactly', () => {
    expect(allocateByLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateByLargestRemainder(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocateByLargestRemainder(10, [0, 5, 5])).toEqual([0, 5, 5]);
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 30 }).filter((w) => w.some((x) => x > 0)), (amount, weights) => {
        const shares = allocateByLargestRemainder(amount, weights);
        expect(shares.reduce((s, x) => s + x, 0)).toBe(amount);
      }),
    );
  });
});
