import { formatMoney } from '../domain/money';
import type { InvoiceDocument } from './document';

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

export function assertIssued(doc: InvoiceDocument): IssuedParts {
  if (doc.number === null || doc.issuedAt === null || doc.dueAt === null) {
    throw new RenderError(`invoice ${doc.invoiceId} is not issued: it has no number, issue date or due date`);
  }
  return { number: doc.number, issuedOn: formatDate(doc.issuedAt), dueOn: formatDate(doc.dueAt) };
}

/** An ISO 8601 timestamp or date as its UTC calendar date, "2026-12-01". */
export function formatDate(iso: string): string {
  return addDays(iso, 0);
}

/** The UTC calendar date `days` whole days after `iso`, for deadlines counted from a letter's date. */
export function addDays(iso: string, days: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RenderError(`"${iso}" is not an ISO 8601 date`);
  return new Date(time + days * 86_400_000).toISOString().slice(0, 10);
}

/** Basis points as a percentage without float noise: 1900 → "19%", 750 → "7.5%", 5 → "0.05%". */
export function formatBps(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100).padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}%` : `${whole}%`;
}

/** A document amount for people, "EUR 1,234.50". */
export function money(doc: Pick<InvoiceDocument, 'currency'>, amountMinor: number): string {
  return formatMoney({ amountMinor, currency: doc.currency });
}
