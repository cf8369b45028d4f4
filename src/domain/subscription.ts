import { DomainError } from './errors';
import type { InvoiceDraft } from './invoice';
import { divideRoundHalfAwayFromZero, type PricedLine, totalsOf } from './lines';
import { assertAmount, currencyExponent } from './money';

/**
 * Plans and subscriptions: billing periods that follow the calendar, and proration of a change of
 * plan by the seconds left in the period. Pure, so the subscription workflow and the api share it.
 */

export class SubscriptionError extends DomainError {
  override name = 'SubscriptionError';
}

/** A plan's billing interval: calendar months (P1M, P3M, P1Y), or seconds for demos and tests (PT30S). */
export type PlanInterval = { months: number; seconds?: undefined } | { seconds: number; months?: undefined };

const CALENDAR = /^P(\d+)([MY])$/;
const SECONDS = /^PT(\d+)S$/;
/** A hundred years of months, or of seconds: beyond it is a typing accident. */
const MAX_MONTHS = 1200;
const MAX_SECONDS = 100 * 366 * 86_400;

export function parsePlanInterval(text: string): PlanInterval {
  const calendar = CALENDAR.exec(text);
  if (calendar) {
    const months = Number(calendar[1]) * (calendar[2] === 'Y' ? 12 : 1);
    if (months < 1 || months > MAX_MONTHS) throw new SubscriptionError(`"${text}" is not an interval between one month and a hundred years`, 'interval');
    return { months };
  }
  const seconds = SECONDS.exec(text);
  if (seconds) {
    const n = Number(seconds[1]);
    if (n < 1 || n > MAX_SECONDS) throw new SubscriptionError(`"${text}" is not an interval between one second and a hundred years`, 'interval');
    return { seconds: n };
  }
  throw new SubscriptionError(`"${text}" is not a plan interval: use "P1M", "P3M", "P1Y" (calendar) or "PT30S" (seconds, for demos)`, 'interval');
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * `anchor` moved by `count` intervals. Months follow the calendar in UTC: the anchor's day, or the
 * month's last day when it has fewer (31 Jan + P1M is 28 or 29 Feb, + P2M is 31 Mar), at the
 * anchor's time of day.
 */
export function addIntervals(anchor: string, interval: PlanInterval, count: number): string {
  const at = new Date(anchor);
  if (Number.isNaN(at.getTime())) throw new SubscriptionError(`"${anchor}" is not a timestamp`);
  if (interval.seconds !== undefined) return new Date(at.getTime() + count * interval.seconds * 1000).toISOString();
  const monthIndex = at.getUTCFullYear() * 12 + at.getUTCMonth() + count * interval.months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const day = Math.min(at.getUTCDate(), daysInMonth(year, month));
  return new Date(Date.UTC(year, month, day, at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds())).toISOString();
}

/** A billing period: the `index`-th interval from the anchor, [start, end). */
export interface BillingPeriod {
  index: number;
  start: string;
  end: string;
}

export function periodOf(anchor: string, interval: PlanInterval, index: number): BillingPeriod {
  return { index, start: addIntervals(anchor, interval, index), end: addIntervals(anchor, interval, index + 1) };
}

/** The period that contains `at` (the first one when `at` is before the anchor). */
export function periodAt(anchor: string, interval: PlanInterval, at: string): BillingPeriod {
  const t = Date.parse(at);
  let index: number;
  if (interval.seconds !== undefined) index = Math.max(0, Math.floor((t - Date.parse(anchor)) / (interval.seconds * 1000)));
  else {
    const a = new Date(anchor);
    const b = new Date(at);
    index = Math.max(0, ((b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth()) / interval.months);
    index = Math.floor(index);
  }
  // The calendar estimate can be one off around month ends: settle it on the real boundaries.
  while (index > 0 && Date.parse(addIntervals(anchor, interval, index)) > t) index -= 1;
  while (Date.parse(addIntervals(anchor, interval, index + 1)) <= t) index += 1;
  return periodOf(anchor, interval, index);
}

/** What a plan's code may be: anything else names no plan (and is never looked up). */
export const PLAN_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface Plan {
  code: string;
  name: string;
  currency: string;
  unitPriceMinor: number;
  /** ISO 8601: "P1M", "P3M", "P1Y", or "PT…S". */
  interval: string;
  taxRateBps: number;
  trialDays: number;
}

/** `amountMinor` × remaining / whole, rounded half away from zero (integers only). */
export function prorate(amountMinor: number, remainingMs: number, periodMs: number): number {
  if (!Number.isSafeInteger(amountMinor)) throw new SubscriptionError('the amount must be an integer of minor units');
  if (!(periodMs > 0)) throw new SubscriptionError('a period must have a length');
  const remaining = Math.min(Math.max(remainingMs, 0), periodMs);
  return Number(divideRoundHalfAwayFromZero(BigInt(amountMinor) * BigInt(Math.round(remaining)), BigInt(Math.round(periodMs))));
}

/** A line of a fixed amount: quantity 1, its tax rounded half away from zero; negative for a credit. */
export function amountLine(description: string, amountMinor: number, taxRateBps: number): PricedLine {
  assertAmount(Math.abs(amountMinor), 'line amount', 'unitPriceMinor');
  const taxMinor = Number(divideRoundHalfAwayFromZero(BigInt(amountMinor) * BigInt(taxRateBps), 10_000n));
  return {
    description,
    quantity: amountMinor < 0 ? '-1' : '1',
    unitPriceMinor: Math.abs(amountMinor),
    taxRateBps,
    discountBps: 0,
    netMinor: amountMinor,
    taxMinor,
    totalMinor: amountMinor + taxMinor,
  };
}

export interface PlanChange {
  /** The unused part of the old plan, negative. */
  credit: PricedLine;
  /** The new plan for the rest of the period. */
  charge: PricedLine;
  /** charge + credit, tax included: an invoice when positive, the customer's credit when not. */
  netMinor: number;
}

/** A period as a line shows it: days (UTC) for calendar plans, seconds for the short ones of demos. */
function span(plan: Plan, from: string, to: string): string {
  const show = (iso: string) => (parsePlanInterval(plan.interval).seconds !== undefined ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(0, 10));
  return `${show(from)} – ${show(to)}`;
}

/**
 * A change from `from` to `to` at `at`, inside `period` (billed in advance on `from`): a credit for
 * the seconds left on the old plan and a charge for them on the new one, each rounded half away from
 * zero. Both plans are in the same currency.
 */
export function planChange(args: { from: Plan; to: Plan; period: BillingPeriod; at: string }): PlanChange {
  const { from, to, period } = args;
  if (from.currency !== to.currency) throw new SubscriptionError(`plan ${to.code} is in ${to.currency}, the subscription in ${from.currency}`, 'planCode');
  currencyExponent(from.currency);
  const periodMs = Date.parse(period.end) - Date.parse(period.start);
  const remainingMs = Date.parse(period.end) - Date.parse(args.at);
  const rest = span(from, args.at, period.end);
  const credit = amountLine(`Unused time on ${from.name} (${rest})`, -prorate(from.unitPriceMinor, remainingMs, periodMs), from.taxRateBps);
  const charge = amountLine(`${to.name} (${rest})`, prorate(to.unitPriceMinor, remainingMs, periodMs), to.taxRateBps);
  return { credit, charge, netMinor: credit.totalMinor + charge.totalMinor };
}

/** The credit for the unused part of a period when a subscription ends at `at` (tax included), never negative. */
export function unusedCredit(plan: Plan, period: BillingPeriod, at: string): PricedLine {
  const periodMs = Date.parse(period.end) - Date.parse(period.start);
  return amountLine(`Unused time on ${plan.name} (${span(plan, at, period.end)})`, -prorate(plan.unitPriceMinor, Date.parse(period.end) - Date.parse(at), periodMs), plan.taxRateBps);
}

/** The invoice line of one period of a plan, billed in advance. */
export function periodLine(plan: Plan, period: BillingPeriod): PricedLine {
  return amountLine(`${plan.name} (${span(plan, period.start, period.end)})`, plan.unitPriceMinor, plan.taxRateBps);
}

/** The draft of a subscription's invoice (a period, or the difference of a change of plan), from priced lines. */
export function subscriptionInvoiceDraft(args: {
  id: string;
  subscriptionId: string;
  customerId: string;
  currency: string;
  lines: readonly PricedLine[];
  terms: { paymentTermsDays: number; dunningPolicyId: string | null };
  createdBy: string;
  now: string;
}): InvoiceDraft {
  return {
    id: args.id,
    customerId: args.customerId,
    currency: args.currency,
    pricesIncludeTax: false,
    lines: [...args.lines],
    ...totalsOf(args.lines),
    dueAt: null,
    paymentTermsDays: args.terms.paymentTermsDays,
    dunningPolicyId: args.terms.dunningPolicyId,
    approval: 'policy',
    memo: null,
    createdBy: args.createdBy,
    createdAt: args.now,
    billingRunId: null,
    subscriptionId: args.subscriptionId,
  };
}
