import { z } from 'zod';
import type { Person } from '../../domain/actor';
import { parseImportedTime } from '../../domain/imported-invoice';
import { parseDecimalToMinor } from '../../domain/money';
import { AppError, asValidationError, ErrorCode, type ErrorDetail, validationError } from '../../errors';
import type { ChargeImportRow, CsvFields, CustomerImportRow, ImportColumns, InvoiceImportRow } from '../../services/imports';
import type { ImportedCustomerFields } from '../../db/imports';
import { createChargeBody, toChargeLine } from '../charges/schemas';
import { createCustomerBody } from '../customers/schemas';
import { currencyCode, parseInput, singleLineText } from '../validation';

/**
 * The rows each import accepts. A row is validated exactly as the JSON request that records the same
 * thing (POST /customers, POST /charges), by the same schemas, so its refusals name the same fields;
 * CSV has only text, so a cell of a numeric field is given to the schema as the number it spells.
 */

/** Cells of these fields are numbers in JSON; text that is no number is left as text for the schema to refuse. */
function jsonOf(fields: CsvFields, numeric: readonly string[]): Record<string, unknown> {
  const json: Record<string, unknown> = { ...fields };
  for (const name of numeric) {
    const text = fields[name];
    if (text !== undefined && /^[+-]?\d+(\.\d+)?$/.test(text.trim())) json[name] = Number(text.trim());
  }
  return json;
}

const externalId = singleLineText(200);

// Customers (API.md: externalId,name,email,currency,paymentTermsDays,taxRateBps,locale,approval)

export const CUSTOMER_COLUMNS: ImportColumns = {
  required: ['externalId', 'name', 'email', 'currency'],
  optional: ['paymentTermsDays', 'taxRateBps', 'locale', 'approval'],
  oneOf: [],
};

const customerRow = createCustomerBody.omit({ dunningPolicyId: true }).extend({ externalId });
const CUSTOMER_FIELDS: readonly (keyof ImportedCustomerFields)[] = ['name', 'email', 'currency', 'locale', 'paymentTermsDays', 'taxRateBps', 'approval'];

/** A customer row as POST /customers validates it; "never" is an admin's to set, as there. */
export function customerRowParser(caller: Person): (fields: CsvFields) => CustomerImportRow {
  return (fields) => {
    const body = parseInput(customerRow, jsonOf(fields, ['paymentTermsDays', 'taxRateBps']));
    if (body.approval === 'never' && caller.role !== 'admin') throw validationError('approval', 'only an admin may set "never"');
    return {
      externalId: body.externalId,
      fields: {
        name: body.name,
        email: body.email,
        currency: body.currency,
        locale: body.locale,
        paymentTermsDays: body.paymentTermsDays,
        taxRateBps: body.taxRateBps ?? null,
        approval: body.approval,
      },
      given: new Set(CUSTOMER_FIELDS.filter((field) => fields[field] !== undefined)),
    };
  };
}

// Charges: POST /charges's fields, the row's externalId, and the customer by id or by externalId.

export const CHARGE_COLUMNS: ImportColumns = {
  required: ['externalId', 'description', 'quantity'],
  optional: ['taxRateBps', 'kind', 'occurredAt', 'period'],
  oneOf: [
    ['customerId', 'customerExternalId'],
    ['unitPrice', 'unitPriceMinor'],
  ],
};

const chargeRow = createChargeBody.extend({
  externalId,
  customerId: createChargeBody.shape.customerId.optional(),
  customerExternalId: externalId.optional(),
});

export function parseChargeRow(fields: CsvFields): ChargeImportRow {
  const body = parseInput(chargeRow, jsonOf(fields, ['unitPriceMinor', 'taxRateBps']));
  const { customerId, customerExternalId } = body;
  if ((customerId === undefined) === (customerExternalId === undefined)) {
    throw validationError('customerId', 'give exactly one of customerId or customerExternalId');
  }
  return {
    externalId: body.externalId,
    customer: customerId !== undefined ? { id: customerId } : { externalId: customerExternalId as string },
    kind: fields.kind === undefined ? null : body.kind,
    line: (currency, defaultTaxRateBps) => toChargeLine({ ...body, customerId: customerId ?? '' }, currency, defaultTaxRateBps),
    occurredAt: body.occurredAt ?? null,
    period: body.period ?? null,
  };
}

// Invoices (API.md: externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description)

export const INVOICE_COLUMNS: ImportColumns = {
  required: ['externalId', 'customerExternalId', 'number', 'issuedAt', 'dueAt', 'currency', 'total'],
  optional: ['amountPaid', 'description'],
  oneOf: [],
};

const decimal = z.string().max(40);
const invoiceRow = z.strictObject({
  externalId,
  customerExternalId: externalId,
  number: singleLineText(100),
  issuedAt: z.string().max(40).describe('a date "YYYY-MM-DD" (00:00 UTC) or an ISO 8601 timestamp with offset'),
  dueAt: z.string().max(40).describe('a date "YYYY-MM-DD" (00:00 UTC) or an ISO 8601 timestamp with offset'),
  currency: currencyCode,
  total: decimal.describe('a decimal string in the currency, e.g. "1190.00"'),
  amountPaid: decimal.default('0').describe('a decimal string, less than total'),
  // An invoice line's description, as POST /invoices takes it.
  description: singleLineText(500).optional(),
});

/** An open invoice's row: amounts parsed exactly in its currency, times as ISO 8601; every bad field named. */
export function parseInvoiceRow(fields: CsvFields): InvoiceImportRow {
  const body = parseInput(invoiceRow, fields);
  const details: ErrorDetail[] = [];
  const attempt = <T>(field: string, read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      const known = asValidationError(error);
      if (known instanceof AppError) details.push(...known.details.map((d) => ({ ...d, path: d.path === '(body)' ? field : d.path })));
      else details.push({ path: field, message: (error as Error).message });
      return fallback;
    }
  };
  const row: InvoiceImportRow = {
    externalId: body.externalId,
    customerExternalId: body.customerExternalId,
    number: body.number,
    issuedAt: attempt('issuedAt', () => parseImportedTime(body.issuedAt, 'issuedAt'), ''),
    dueAt: attempt('dueAt', () => parseImportedTime(body.dueAt, 'dueAt'), ''),
    currency: body.currency,
    totalMinor: attempt('total', () => parseDecimalToMinor(body.total, body.currency), 0),
    amountPaidMinor: attempt('amountPaid', () => parseDecimalToMinor(body.amountPaid, body.currency), 0),
    description: body.description ?? `Invoice ${body.number}`,
  };
  if (details.length > 0) {
    throw new AppError({ code: ErrorCode.validationFailed, message: `${details[0]?.path}: ${details[0]?.message}`, details });
  }
  return row;
}
