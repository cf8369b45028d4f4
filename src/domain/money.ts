import { DomainError } from './errors';

/**
 * Money in integer minor units of an ISO 4217 currency. Amounts never pass through floats:
 * decimal strings are parsed digit by digit with the currency's exponent.
 */

/** ISO 4217 active codes whose exponent is not 2. Every other listed code has 2. */
const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
  UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const TWO_DECIMAL_CODES =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS ' +
  'GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL ' +
  'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK ' +
  'PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS ' +
  'TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  ...Object.fromEntries(TWO_DECIMAL_CODES.split(' ').map((code) => [code, 2])),
  ...EXPONENT_EXCEPTIONS,
});

export type CurrencyCode = string;

export interface Money {
  amountMinor: number;
  currency: CurrencyCode;
}

export class MoneyError extends DomainError {
  override name = 'MoneyError';
}

/**
 * The largest amount billflow accepts anywhere: a price, a line, a total or a payment, 10^15 minor
 * units (10 trillion EUR, 1 trillion KWD). It leaves room below 2^53 for sums of many such amounts
 * (paid, credit balances), which are checked against Number.MAX_SAFE_INTEGER before they are stored.
 */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000_000;

/** The largest sum billflow stores (paid so far, a credit balance): exact in a JSON number. */
export const MAX_SUM_MINOR = Number.MAX_SAFE_INTEGER;

export function isCurrencyCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(EXPONENTS, code);
}

export function currencyExponent(currency: CurrencyCode): number {
  const exponent = EXPONENTS[currency];
  if (exponent === undefined) throw new MoneyError(`unknown ISO 4217 currency "${currency}"`);
  return exponent;
}

export function assertMinorUnits(amountMinor: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new MoneyError(`${what} must be a whole number of minor units within ±${Number.MAX_SAFE_INTEGER}`);
  }
}

/** Converts a bigint computation result back to a safe number, refusing silent precision loss. */
export function toSafeNumber(value: bigint, what = 'amount', path: string | null = null): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyError(`${what} is too large`, path);
  }
  return Number(value);
}

/** An amount as billflow accepts it: whole minor units, at most MAX_AMOUNT_MINOR either way. */
export function toAmount(value: bigint, what = 'amount', path: string | null = null): number {
  if (value > BigInt(MAX_AMOUNT_MINOR) || value < -BigInt(MAX_AMOUNT_MINOR)) {
    throw new MoneyError(`${what} exceeds the largest amount billflow accepts (10^15 minor units)`, path);
  }
  return Number(value);
}

export function assertAmount(amountMinor: number, what = 'amount', path: string | null = null): void {
  if (!Number.isSafeInteger(amountMinor)) throw new MoneyError(`${what} must be a whole number of minor units`, path);
  toAmount(BigInt(amountMinor), what, path);
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string ("49.99", "1200", "0.125") into minor units of `currency`.
 * More fraction digits than the currency has is an error, never a silent rounding.
 */
export function parseDecimalToMinor(text: string, currency: CurrencyCode): number {
  const exponent = currencyExponent(currency);
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new MoneyError(`"${text}" is not a decimal number`);
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new MoneyError(`"${text}" has more than ${exponent} decimal places, the most ${currency} allows`);
  }
  const digits = BigInt(whole + fraction.padEnd(exponent, '0'));
  return toAmount(sign ? -digits : digits, `"${text}"`);
}

/** Formats minor units as a plain decimal string with the currency's exponent ("1234.50"). */
export function formatMinor(amountMinor: number, currency: CurrencyCode): string {
  assertMinorUnits(amountMinor);
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const digits = Math.abs(amountMinor).toString().padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Formats for people: "EUR 1,234.50". Locale-independent so workflows stay deterministic. */
export function formatMoney({ amountMinor, currency }: Money): string {
  const plain = formatMinor(amountMinor, currency);
  const [whole = '', fraction] = plain.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${amountMinor < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
