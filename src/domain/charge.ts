import { DomainError } from './errors';
import { type LineInput, priceLine } from './lines';
import type { CurrencyCode } from './money';

/**
 * Charges: billable items (a one-off fee, hours worked, units used) recorded for a customer and a
 * billing period, waiting for the billing run that puts them on an invoice. A charge is priced as
 * an invoice line is, by the same rule (src/domain/lines.ts), so the invoice that bills it shows
 * the same amount.
 */

export const CHARGE_STATUSES = ['pending', 'billed', 'cancelled'] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

/** What was sold: the arithmetic is the same (a time entry is hours × hourly rate), the kind labels it. */
export const CHARGE_KINDS = ['one_off', 'time', 'usage'] as const;
export type ChargeKind = (typeof CHARGE_KINDS)[number];

export class ChargeError extends DomainError {
  override name = 'ChargeError';
}

/**
 * A billing period: a calendar month `YYYY-MM`, of the years 0001 to 9999 (PostgreSQL has no year
 * zero, and a fifth digit would break the ordering of periods as text, which billing runs rely on).
 */
export const PERIOD = /^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(?:0[1-9]|1[0-2])$/;

export function assertPeriod(text: string, path = 'period'): void {
  if (!PERIOD.test(text)) throw new ChargeError(`"${text}" is not a month "YYYY-MM" (01 to 12, years 0001 to 9999)`, path);
}

/** The UTC month of an ISO 8601 timestamp, as a period. */
export function periodOf(timestamp: string, path = 'occurredAt'): string {
  const at = new Date(timestamp);
  if (Number.isNaN(at.getTime())) throw new ChargeError(`"${timestamp}" is not a timestamp`, path);
  const year = at.getUTCFullYear();
  if (year < 1 || year > 9999) throw new ChargeError(`"${timestamp}" is outside the years 0001 to 9999 (UTC)`, path);
  return `${String(year).padStart(4, '0')}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A charge as billflow keeps it. Plain JSON: a billing run's workflow may carry it. */
export interface Charge {
  id: string;
  status: ChargeStatus;
  /** The month whose billing run (or a later one) bills it. */
  period: string;
  customerId: string;
  currency: CurrencyCode;
  description: string;
  kind: ChargeKind;
  /** Normalised decimal string (hours for a time entry). */
  quantity: string;
  unitPriceMinor: number;
  taxRateBps: number;
  /** Net amount: quantity × unit price, rounded once, half away from zero. Tax is added on the invoice. */
  amountMinor: number;
  occurredAt: string;
  /** Set when billed, with `billingRunId` when a run billed it. */
  invoiceId: string | null;
  billingRunId: string | null;
  createdBy: string;
  createdAt: string;
  cancelledBy: string | null;
  cancelledAt: string | null;
}

export interface ChargeRequest {
  customerId: string;
  /** The customer's currency, in which the unit price was given. */
  currency: CurrencyCode;
  kind: ChargeKind;
  /** Description, quantity, unit price, and the tax rate (the customer's when the caller gave none). */
  line: LineInput;
  /** When it happened; `now` when absent. */
  occurredAt: string | null;
  /** The UTC month of `occurredAt` when absent. */
  period: string | null;
}

/**
 * Prices a new charge and fills in its defaults; the id, creator and time are passed in. A refusal
 * names the field: a line amount (or its tax) beyond 10^15 minor units is refused here rather than
 * by the billing run that would put it on an invoice.
 */
export function createCharge(request: ChargeRequest, meta: { id: string; createdBy: string; now: string }): Charge {
  if (request.line.discountBps) throw new ChargeError('a charge has no discount', 'discountBps');
  const priced = priceLine(request.line, false);
  // Checked (and its month taken) even when a period is given: it is stored as a timestamp.
  const occurredIn = periodOf(request.occurredAt ?? meta.now);
  const period = request.period ?? occurredIn;
  assertPeriod(period);
  const occurredAt = new Date(request.occurredAt ?? meta.now).toISOString();
  return {
    id: meta.id,
    status: 'pending',
    period,
    customerId: request.customerId,
    currency: request.currency,
    description: priced.description,
    kind: request.kind,
    quantity: priced.quantity,
    unitPriceMinor: priced.unitPriceMinor,
    taxRateBps: priced.taxRateBps,
    amountMinor: priced.netMinor,
    occurredAt,
    invoiceId: null,
    billingRunId: null,
    createdBy: meta.createdBy,
    createdAt: meta.now,
    cancelledBy: null,
    cancelledAt: null,
  };
}
