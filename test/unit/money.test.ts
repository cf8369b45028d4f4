import fc from 'fast-check';
import { currencyExponent, formatMinor, formatMoney, isCurrencyCode, MAX_AMOUNT_MINOR, MoneyError, parseDecimalToMinor } from '../../src/domain/money';

describe('money', () => {
  test.each([
    ['EUR', '49.99', 4999],
    ['EUR', '49.9', 4990],
    ['EUR', '1200', 120000],
    ['EUR', '0.01', 1],
    ['EUR', '-3.50', -350],
    ['JPY', '1200', 1200],
    ['KWD', '1.234', 1234],
    ['KWD', '0.5', 500],
    ['CLF', '1.2345', 12345],
  ])('when %s "%s" is parsed, then it is %i minor units', (currency, text, minor) => {
    expect(parseDecimalToMinor(text, currency)).toBe(minor);
  });

  test.each([
    ['EUR', '49.999', /more than 2 decimal places/],
    ['JPY', '12.5', /more than 0 decimal places/],
    ['EUR', '1e3', /not a decimal/],
    ['EUR', '12,50', /not a decimal/],
    ['EUR', '', /not a decimal/],
    ['EUR', '99999999999999999999', /largest amount billflow accepts/],
    ['XYZ', '1', /unknown ISO 4217/],
  ])('when %s "%s" is parsed, then it is refused', (currency, text, message) => {
    expect(() => parseDecimalToMinor(text, currency)).toThrow(MoneyError);
    expect(() => parseDecimalToMinor(text, currency)).toThrow(message);
  });

  test('when amounts are formatted, then the currency exponent is used', () => {
    expect(formatMinor(4999, 'EUR')).toBe('49.99');
    expect(formatMinor(5, 'EUR')).toBe('0.05');
    expect(formatMinor(-5, 'EUR')).toBe('-0.05');
    expect(formatMinor(1200, 'JPY')).toBe('1200');
    expect(formatMinor(1234, 'KWD')).toBe('1.234');
    expect(formatMoney({ amountMinor: 123456789, currency: 'EUR' })).toBe('EUR 1,234,567.89');
    expect(formatMoney({ amountMinor: -100000, currency: 'JPY' })).toBe('JPY -100,000');
  });

  test('when a code is checked, then only ISO 4217 codes pass', () => {
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('eur')).toBe(false);
    expect(isCurrencyCode('EURO')).toBe(false);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  test('when any accepted amount is formatted and parsed back, then it is unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR }), fc.constantFrom('EUR', 'JPY', 'KWD', 'CLF'), (amount, currency) => {
        expect(parseDecimalToMinor(formatMinor(amount, currency), currency)).toBe(amount);
      }),
    );
  });
});
