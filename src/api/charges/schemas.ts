import { z } from 'zod';
import { CHARGE_KINDS, CHARGE_STATUSES, PERIOD } from '../../domain/charge';
import type { LineInput } from '../../domain/lines';
import { AppError, ErrorCode } from '../../errors';
import { createInvoiceBody, toLineInputs } from '../invoices/schemas';
import { isoTimestamp, pageQuery } from '../validation';

/**
 * The charge requests the api accepts; the OpenAPI document is generated from these. A charge's
 * description, quantity, price and tax rate are an invoice line's: the same schemas (so the same
 * rules, and the same statements in the document) and the same parsing (`toLineInputs`).
 */
const line = createInvoiceBody.shape.lines.element.shape;

export const period = z.string().regex(PERIOD, 'must be a month "YYYY-MM" (01 to 12, years 0001 to 9999)');

export const createChargeBody = z.strictObject({
  customerId: z.string().min(1).max(200),
  // The line's own schema instances: src/api/openapi.ts recognises them to state their syntax.
  description: line.description,
  quantity: line.quantity,
  unitPrice: line.unitPrice,
  unitPriceMinor: line.unitPriceMinor,
  taxRateBps: line.taxRateBps.describe("the customer's tax rate (or 0) when absent"),
  kind: z.enum(CHARGE_KINDS).default('one_off').describe('"time": quantity is hours and the price an hourly rate'),
  occurredAt: isoTimestamp.optional().describe('now when absent'),
  period: period.optional().describe('the UTC month of occurredAt when absent'),
});

/** A cancel says nothing but which charge (in the path); a body, if sent, is empty. */
export const cancelChargeBody = z.strictObject({});

export const listChargesQuery = pageQuery.extend({
  customerId: z.string().min(1).optional(),
  status: z.enum(CHARGE_STATUSES).optional(),
  period: period.optional(),
});

type ChargeBody = z.infer<typeof createChargeBody>;

/**
 * The charge's line, parsed exactly as an invoice line is (`toLineInputs`), with refusals naming
 * the charge's own fields (`quantity`, not `lines.0.quantity`).
 */
export function toChargeLine(body: ChargeBody, currency: string, defaultTaxRateBps: number): LineInput {
  const { description, quantity, unitPrice, unitPriceMinor, taxRateBps } = body;
  try {
    const [parsed] = toLineInputs([{ description, quantity, unitPrice, unitPriceMinor, taxRateBps }], currency, defaultTaxRateBps);
    if (!parsed) throw new Error('toLineInputs returned no line for one');
    return parsed;
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== ErrorCode.validationFailed) throw error;
    const details = error.details.map((d) => ({ ...d, path: d.path.replace(/^lines\.0\./, '') }));
    throw new AppError({ code: error.code, message: details[0] ? `${details[0].path}: ${details[0].message}` : error.message, details });
  }
}
