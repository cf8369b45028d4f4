import { DomainError } from './errors';
import { assertAmount, assertMinorUnits, toAmount } from './money';

/**
 * Invoice lines and totals.
 *
 * Rounding rule (the only one in billflow): ROUND HALF AWAY FROM ZERO to the currency's minor unit,
 * applied once per line to the line amount and once per line to its tax. Invoice totals are sums of
 * the rounded lines, so the printed lines always add up to the printed total.
 */

/** Quantities carry at most 4 decimals; internally they are integers in ten-thousandths. */
const QUANTITY_DECIMALS = 4;
const QUANTITY_SCALE = 10n ** BigInt(QUANTITY_DECIMALS);
const BPS_SCALE = 10_000n;
const QUANTITY = /^(\d+)(?:\.(\d{1,4}))?$/;
/** A trillion of anything is more than any invoice line bills; beyond it is a typing accident. */
export const MAX_QUANTITY = 1_000_000_000_000n;

export class LineError extends DomainError {
  override name = 'LineError';
}

export interface LineInput {
  description: string;
  /** Positive decimal string with at most 4 decimals, e.g. "1", "2.5", "0.0001". */
  quantity: string;
  unitPriceMinor: number;
  taxRateBps: number;
  /** Discount on the line amount, in basis points (1000 = 10 %). */
  discountBps?: number;
}

export interface PricedLine extends LineInput {
  /** Amount before tax, after discount. */
  netMinor: number;
  taxMinor: number;
  /** netMinor + taxMinor: what the customer pays for this line. */
  totalMinor: number;
}

export interface Totals {
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/** Normalises a quantity ("2.50" → "2.5") and checks it: positive, at most 4 decimals. */
export function normaliseQuantity(input: string | number): string {
  const text = typeof input === 'number' ? numberToPlainString(input) : input.trim();
  const match = QUANTITY.exec(text);
  if (!match) throw new LineError(`quantity "${String(input)}" must be a positive decimal with at most ${QUANTITY_DECIMALS} decimals`, 'quantity');
  const whole = BigInt(match[1] ?? '0').toString();
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const scaled = quantityToScaled(whole + (fraction ? `.${fraction}` : ''));
  if (scaled === 0n) throw new LineError('quantity must be greater than zero', 'quantity');
  if (scaled > MAX_QUANTITY * QUANTITY_SCALE) throw new LineError(`quantity must be at most ${MAX_QUANTITY}`, 'quantity');
  return fraction ? `${whole}.${fraction}` : whole;
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // toString gives exponent notation below 1e-6; such a quantity has too many decimals anyway.
  return value.toString();
}

function quantityToScaled(quantity: string): bigint {
  const [whole = '0', fraction = ''] = quantity.split('.');
  return BigInt(whole) * QUANTITY_SCALE + BigInt(fraction.padEnd(QUANTITY_DECIMALS, '0'));
}

/** n / d rounded half away from zero. d must be positive. */
export function divideRoundHalfAwayFromZero(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  const rounded = (magnitude * 2n + d) / (d * 2n);
  return negative ? -rounded : rounded;
}

export function assertBasisPoints(bps: number, what: string, max = 10_000, path: string | null = null): void {
  if (!Number.isInteger(bps) || bps < 0 || bps > max) {
    throw new LineError(`${what} must be a whole number of basis points between 0 and ${max}`, path);
  }
}

/**
 * Prices one line. With prices exclusive of tax the tax is added to the net amount; with prices
 * inclusive of tax the gross amount is split into net and tax so that net + tax = gross exactly.
 */
export function priceLine(line: LineInput, pricesIncludeTax: boolean): PricedLine {
  assertAmount(line.unitPriceMinor, 'unit price', 'unitPriceMinor');
  if (line.unitPriceMinor < 0) throw new LineError('unit price must not be negative', 'unitPriceMinor');
  assertBasisPoints(line.taxRateBps, 'tax rate', 100_000, 'taxRateBps');
  assertBasisPoints(line.discountBps ?? 0, 'discount', 10_000, 'discountBps');
  const quantity = normaliseQuantity(line.quantity);
  const undiscounted = divideRoundHalfAwayFromZero(quantityToScaled(quantity) * BigInt(line.unitPriceMinor), QUANTITY_SCALE);
  const discount = divideRoundHalfAwayFromZero(undiscounted * BigInt(line.discountBps ?? 0), BPS_SCALE);
  const amount = undiscounted - discount;
  const rate = BigInt(line.taxRateBps);
  let net: bigint;
  let tax: bigint;
  if (pricesIncludeTax) {
    net = divideRoundHalfAwayFromZero(amount * BPS_SCALE, BPS_SCALE + rate);
    tax = amount - net;
  } else {
    net = amount;
    tax = divideRoundHalfAwayFromZero(amount * rate, BPS_SCALE);
  }
  return {
    ...line,
    quantity,
    netMinor: toAmount(net, 'the line amount (quantity × unit price)', 'quantity'),
    taxMinor: toAmount(tax, 'the line tax', 'taxRateBps'),
    totalMinor: toAmount(net + tax, 'the line total with tax', 'taxRateBps'),
  };
}

/** Prices every line; a refusal names the line and field (`lines.1.quantity`). */
export function priceLines(lines: readonly LineInput[], pricesIncludeTax: boolean): PricedLine[] {
  if (lines.length === 0) throw new LineError('an invoice needs at least one line', 'lines');
  const priced = lines.map((line, i) => {
    try {
      return priceLine(line, pricesIncludeTax);
    } catch (error) {
      throw error instanceof DomainError ? error.at(`lines.${i}`) : error;
    }
  });
  totalsOf(priced);
  return priced;
}

/** Totals are always derived from the priced lines, never kept as running sums. */
export function totalsOf(lines: readonly PricedLine[]): Totals {
  let subtotal = 0n;
  let tax = 0n;
  for (const line of lines) {
    subtotal += BigInt(line.netMinor);
    tax += BigInt(line.taxMinor);
  }
  return {
    subtotalMinor: toAmount(subtotal, 'the invoice subtotal', 'lines'),
    taxMinor: toAmount(tax, 'the invoice tax', 'lines'),
    totalMinor: toAmount(subtotal + tax, 'the invoice total', 'lines'),
  };
}

/**
 * Splits `amountMinor` across `weights` in proportion, by the largest-remainder method: each share
 * is floored, and the units left over go to the largest remainders (earlier index on ties), so the
 * shares always add up to the amount exactly.
 */
export function allocateByLargestRemainder(amountMinor: number, weights: readonly number[]): number[] {
  assertMinorUnits(amountMinor);
  if (weights.length === 0) throw new LineError('nothing to allocate over');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new LineError('weights must be non-negative integers');
  const totalWeight = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  if (totalWeight === 0n) throw new LineError('weights must not all be zero');
  const amount = BigInt(amountMinor);
  const sign = amount < 0n ? -1n : 1n;
  const magnitude = amount * sign;
  const shares = weights.map((w, index) => {
    const exact = magnitude * BigInt(w);
    return { index, share: exact / totalWeight, remainder: exact % totalWeight };
  });
  let left = magnitude - shares.reduce((sum, s) => sum + s.share, 0n);
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const entry of byRemainder) {
    if (left === 0n) break;
    entry.share += 1n;
    left -= 1n;
  }
  return shares.map((s) => Number(s.share * sign));
}
