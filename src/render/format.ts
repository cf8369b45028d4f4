// Intl.NumberFormat#format(decimal string) is typed in es2023.intl; tsconfig's lib is ES2022.
/// <reference lib="es2023.intl" />
import { currencyExponent, formatMinor, formatMoney } from '../domain/money';
import type { InvoiceDocument } from './document';
import { ENGLISH, type Locale } from './locale';

/** A document that cannot be rendered as asked (an unissued invoice in an invoice email, a bad date). */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}

/**
 * Days a final notice gives the customer to pay before collections. The final reminder email and its
 * PDF letter both state it, so they must agree.
 */
export const FINAL_NOTICE_PAYMENT_DAYS = 7;

/** The parts of a document that only an issued invoice has, checked once so renderers need no `!`. */
export interface IssuedParts {
  number: string;
  issuedOn: string;
  dueOn: string;
}

export function assertIssued(doc: InvoiceDocument, locale: Locale = ENGLISH): IssuedParts {
  if (doc.number === null || doc.issuedAt === null || doc.dueAt === null) {
    throw new RenderError(`invoice ${doc.invoiceId} is not issued: it has no number, issue date or due date`);
  }
  return { number: doc.number, issuedOn: formatDate(doc.issuedAt, locale), dueOn: formatDate(doc.dueAt, locale) };
}

/** An ISO 8601 timestamp or date as its UTC calendar date: "2026-12-01" in English, "01.12.2026" in German. */
export function formatDate(iso: string, locale: Locale = ENGLISH): string {
  const date = addDays(iso, 0);
  return locale.language === 'en' ? date : dateFormat(locale.tag).format(Date.parse(date));
}

/** The UTC calendar date `days` whole days after `iso`, for deadlines counted from a letter's date. */
export function addDays(iso: string, days: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RenderError(`"${iso}" is not an ISO 8601 date`);
  return new Date(time + days * 86_400_000).toISOString().slice(0, 10);
}

/** Basis points as a percentage without float noise: 1900 → "19%", 750 → "7.5%", 5 → "0.05%"; in German "7,5 %". */
export function formatBps(bps: number, locale: Locale = ENGLISH): string {
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100).padStart(2, '0').replace(/0+$/, '');
  const percent = fraction ? `${whole}.${fraction}` : `${whole}`;
  return locale.language === 'en' ? `${percent}%` : percentFormat(locale.tag).format(decimal(percent));
}

/** A document amount for people: "EUR 1,234.50" in English, "1.234,50 €" in German (de-DE). */
export function money(doc: Pick<InvoiceDocument, 'currency'>, amountMinor: number, locale: Locale = ENGLISH): string {
  if (locale.language === 'en') return formatMoney({ amountMinor, currency: doc.currency });
  return moneyFormat(locale.tag, doc.currency).format(decimal(formatMinor(amountMinor, doc.currency)));
}

/** A line's quantity, a normalised decimal string: "2.5" in English, "2,5" in German. */
export function formatQuantity(quantity: string, locale: Locale = ENGLISH): string {
  return locale.language === 'en' ? quantity : quantityFormat(locale.tag).format(decimal(quantity));
}

/**
 * Intl formats a decimal string exactly (ECMA-402 2023), where a number would pass through a float
 * and could lose a cent on large amounts. The strings passed here are decimal literals (formatMinor's
 * output, a normalised quantity, a percentage built from integers); TypeScript only sees `string`.
 */
function decimal(text: string): Intl.StringNumericLiteral {
  return text as Intl.StringNumericLiteral;
}

/** Making an Intl formatter costs far more than using one, so each is made once per process. */
function cached<A extends string[], T>(make: (...args: A) => T): (...args: A) => T {
  const made = new Map<string, T>();
  return (...args) => {
    const key = args.join(' ');
    let value = made.get(key);
    if (value === undefined) made.set(key, (value = make(...args)));
    return value;
  };
}

const dateFormat = cached((tag: string) => new Intl.DateTimeFormat(tag, { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }));
const percentFormat = cached((tag: string) => new Intl.NumberFormat(tag, { style: 'unit', unit: 'percent', maximumFractionDigits: 2 }));
const quantityFormat = cached((tag: string) => new Intl.NumberFormat(tag, { maximumFractionDigits: 20 }));
const moneyFormat = cached((tag: string, currency: string) => {
  // As many decimals as the amounts are stored with (the ISO 4217 exponent), not Intl's own idea of the currency.
  const digits = currencyExponent(currency);
  return new Intl.NumberFormat(tag, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
});
