import { z } from 'zod';
import { INVOICE_STATUSES, PAYMENT_METHODS } from '../../domain/invoice';
import { type LineInput, normaliseQuantity } from '../../domain/lines';
import { parseDecimalToMinor } from '../../domain/money';
import { AppError, ErrorCode, type ErrorDetail } from '../../errors';
import { amountMinor, basisPoints, currencyCode, isoTimestamp, multiLineText, pageQuery, singleLineText } from '../validation';

/** The invoice requests the api accepts; the OpenAPI document is generated from these. */

const lineBody = z.strictObject({
  description: singleLineText(500),
  quantity: z.union([z.string().max(40), z.number()], 'must be a positive decimal string or number'),
  unitPrice: z.string().max(40).optional(),
  unitPriceMinor: amountMinor(0).optional(),
  taxRateBps: basisPoints(100_000).optional(),
  discountBps: basisPoints(10_000).optional(),
});


export const createInvoiceBody = z
  .strictObject({
    customerId: z.string().min(1).max(200),
    currency: currencyCode.optional(),
    lines: z.array(lineBody).min(1, 'an invoice needs at least one line').max(500),
    pricesIncludeTax: z.boolean().default(false),
    dueAt: isoTimestamp.optional(),
    paymentTermsDays: z.int().min(0).max(3650).optional(),
    dunningPolicyId: z.string().min(1).max(100).optional(),
    memo: multiLineText(2000).optional(),
    approval: z.enum(['required', 'auto']).optional(),
  })
  .refine((b) => b.dueAt === undefined || b.paymentTermsDays === undefined, {
    path: ['paymentTermsDays'],
    message: 'give either dueAt or paymentTermsDays, not both',
  });

export const submitBody = z.strictObject({
  lines: z.array(lineBody).min(1, 'an invoice needs at least one line').max(500).optional(),
  memo: multiLineText(2000).nullable().optional(),
  dueAt: isoTimestamp.nullable().optional(),
});

const reason = multiLineText(2000).trim().min(1, 'is required');
export const commentBody = z.strictObject({ comment: multiLineText(2000).optional() });
export const reasonBody = z.strictObject({ reason });
export const resolutionBody = z.strictObject({ resolution: reason });

export const paymentBody = z.strictObject({
  amountMinor: amountMinor(1),
  method: z.enum(PAYMENT_METHODS),
  reference: singleLineText(200),
  receivedAt: isoTimestamp.optional(),
});

export const refundBody = z.strictObject({
  amountMinor: amountMinor(1),
  reason,
  paymentReference: singleLineText(200).optional(),
});

export const creditNoteBody = z
  .strictObject({
    amountMinor: amountMinor(1).optional(),
    lines: z.array(lineBody).min(1, 'a credit note by line needs at least one line').max(500).optional(),
    reason,
  })
  .refine((b) => (b.amountMinor === undefined) !== (b.lines === undefined), { path: ['amountMinor'], message: 'give either amountMinor or lines' });

export const listQuery = pageQuery.extend({
  status: z.enum(INVOICE_STATUSES).optional(),
  customerId: z.string().min(1).optional(),
});

type LineBody = z.infer<typeof lineBody>;

/** Turns request lines into domain lines, naming every bad field (prices are parsed exactly). */
export function toLineInputs(lines: LineBody[], currency: string, defaultTaxRateBps: number): LineInput[] {
  const details: ErrorDetail[] = [];
  const inputs = lines.map((line, i) => {
    const at = (field: string, message: string) => details.push({ path: `lines.${i}.${field}`, message });
    let quantity = '1';
    try {
      quantity = normaliseQuantity(line.quantity);
    } catch (error) {
      at('quantity', (error as Error).message);
    }
    let unitPriceMinor = 0;
    const priceField = line.unitPrice !== undefined ? 'unitPrice' : 'unitPriceMinor';
    if ((line.unitPrice === undefined) === (line.unitPriceMinor === undefined)) {
      at('unitPrice', 'give exactly one of unitPrice (decimal string) or unitPriceMinor (integer)');
    } else if (line.unitPrice !== undefined) {
      try {
        unitPriceMinor = parseDecimalToMinor(line.unitPrice, currency);
      } catch (error) {
        at('unitPrice', (error as Error).message);
      }
    } else {
      unitPriceMinor = line.unitPriceMinor ?? 0;
    }
    if (!Number.isSafeInteger(unitPriceMinor) || unitPriceMinor < 0) at(priceField, 'must not be negative');
    return {
      description: line.description,
      quantity,
      unitPriceMinor,
      taxRateBps: line.taxRateBps ?? defaultTaxRateBps,
      discountBps: line.discountBps ?? 0,
    };
  });
  if (details.length > 0) {
    throw new AppError({ code: ErrorCode.validationFailed, message: `${details[0]?.path}: ${details[0]?.message}`, details });
  }
  return inputs;
}
