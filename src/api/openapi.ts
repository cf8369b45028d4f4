import { z } from 'zod';
import { CHARGE_KINDS, CHARGE_STATUSES, PERIOD } from '../domain/charge';
import { CUSTOMER_APPROVALS } from '../domain/customer';
import { REMINDER_TEMPLATES } from '../domain/dunning';
import { type ApprovalDecisionKind, type DeliveryState, INVOICE_STATUSES, PAYMENT_METHODS } from '../domain/invoice';
import { isCurrencyCode } from '../domain/money';
import { ErrorCode } from '../errors';
import { BILLING_RUN_STATUSES } from '../db/billing-runs';
import { CURSOR_PATTERN } from './pagination';
import { cancelBillingRunBody, listBillingRunsQuery, listRunInvoicesQuery, startBillingRunBody } from './billing-runs/schemas';
import { createBillingScheduleBody, triggerBillingScheduleBody } from './billing-schedules/schemas';
import { IMPORT_KINDS, IMPORT_STATUSES } from '../db/imports';
import type { ImportColumns } from '../services/imports';
import { CHARGE_COLUMNS, CUSTOMER_COLUMNS, INVOICE_COLUMNS } from './imports/schemas';
import { cancelChargeBody, createChargeBody, listChargesQuery } from './charges/schemas';
import { cancelSubscriptionBody, changePlanBody, createPlanBody, createSubscriptionBody, listSubscriptionsQuery } from './subscriptions/schemas';
import { createCustomerBody } from './customers/schemas';
import { createDunningPolicyBody } from './dunning-policies/schemas';
import { commentBody, createInvoiceBody, creditNoteBody, paymentBody, reasonBody, refundBody, resolutionBody, submitBody } from './invoices/schemas';
import { currencyCode, pageQuery } from './validation';
import { agingQuery, collectionsQuery, dsoQuery, statementQuery } from './reports/schemas';
import { AGING_CSV_HEADER, COLLECTIONS_CSV_HEADER, DSO_CSV_HEADER, STATEMENT_CSV_HEADER } from './reports/views';
import { STATEMENT_ENTRY_TYPES } from '../db/reports';

/**
 * billflow's OpenAPI document. Request schemas are the zod schemas that validate the requests, so
 * they cannot drift; what a refinement checks in code is stated here too (see `describeChecks`), so
 * that the document refuses what the api refuses. Response schemas list every field API.md
 * promises, typed, and leave room for fields added later. test/e2e/api-fuzz.test.ts holds the api
 * to this document with schemathesis.
 */

type JsonSchema = Record<string, unknown>;

/** Every code `isCurrencyCode` accepts: the enum a client can be given instead of a refinement. */
const CURRENCY_CODES = (() => {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const codes: string[] = [];
  for (const a of letters) for (const b of letters) for (const c of letters) if (isCurrencyCode(a + b + c)) codes.push(a + b + c);
  return codes;
})();

/** White space as String.prototype.trim counts it (`\s` means other sets in Python's and Rust's regexes). */
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** A string with something besides white space. */
const NOT_BLANK = `[^${WHITE_SPACE}]`;
/** parseDecimalToMinor's syntax for a price (its decimals are then checked against the currency's). */
const DECIMAL = `^[${WHITE_SPACE}]*-?\\d+(?:\\.\\d+)?[${WHITE_SPACE}]*$`;
/** normaliseQuantity's rule for a quantity string: positive, at most 4 decimals, surrounding white space trimmed. */
const QUANTITY = `^[${WHITE_SPACE}]*(?:0*[1-9]\\d*(?:\\.\\d{1,4})?|0+\\.(?:[1-9]\\d{0,3}|0[1-9]\\d{0,2}|00[1-9]\\d?|000[1-9]))[${WHITE_SPACE}]*$`;

const invoiceLine = createInvoiceBody.shape.lines.element;

function addPattern(json: JsonSchema, pattern: string): void {
  if (json.pattern === undefined) json.pattern = pattern;
  else json.allOf = [...((json.allOf as JsonSchema[] | undefined) ?? []), { pattern }];
}

function withPattern(json: JsonSchema, pattern: string): JsonSchema {
  const copy = { ...json };
  addPattern(copy, pattern);
  return copy;
}

/**
 * JSON Schema cannot see inside a refinement, a transform or a check the route makes after parsing,
 * so the ones that matter to a client are stated here: the currency refinement is the list of
 * codes; an invoice's either-or fields and its quantity and price syntax are spelled out; and
 * `.trim().min(1)` (which refuses "   ") is "has a non-blank character", found by asking the schema.
 */
function describeChecks(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const { zodSchema, jsonSchema } = ctx;
  if (zodSchema === currencyCode) {
    jsonSchema.enum = CURRENCY_CODES;
    return;
  }
  // Rules the invoice routes check after parsing (API.md: "dueAt? | paymentTermsDays?", "unitPrice | unitPriceMinor").
  if (zodSchema === createInvoiceBody) jsonSchema.not = { required: ['dueAt', 'paymentTermsDays'] };
  if (zodSchema === invoiceLine || zodSchema === createChargeBody) jsonSchema.oneOf = [{ required: ['unitPrice'] }, { required: ['unitPriceMinor'] }];
  if (zodSchema === invoiceLine.shape.unitPrice.unwrap()) addPattern(jsonSchema, DECIMAL);
  if (zodSchema === invoiceLine.shape.quantity) {
    const members = (jsonSchema.anyOf as JsonSchema[] | undefined) ?? [{ type: 'string' }, { type: 'number' }];
    delete jsonSchema.type;
    jsonSchema.anyOf = members.map((m) => (m.type === 'string' ? withPattern(m, QUANTITY) : m.type === 'number' ? { ...m, exclusiveMinimum: 0 } : m));
    return;
  }
  if (jsonSchema.type === 'string' && jsonSchema.minLength === 1 && zodSchema instanceof z.ZodType) {
    if (!zodSchema.safeParse(' ').success && zodSchema.safeParse(' x ').success) addPattern(jsonSchema, NOT_BLANK);
  }
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any', override: describeChecks }) as JsonSchema;
  return json;
}

const requestSchema = (schema: z.ZodType) => toSchema(schema, 'input');
const responseSchema = (schema: z.ZodType) => toSchema(schema, 'output');

const timestamp = z.iso.datetime({ offset: true });
const minor = z.int();
const oneOf = <K extends string>(values: Record<K, true>) => z.enum(Object.keys(values) as [K, ...K[]]);
const approvalDecisions: Record<ApprovalDecisionKind, true> = { approved: true, rejected: true, changes_requested: true, auto_approved: true };
const deliveryStatuses: Record<DeliveryState['status'], true> = { pending: true, sent: true, failed: true };

const customerView = z.looseObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  currency: z.string(),
  locale: z.string(),
  paymentTermsDays: z.int(),
  taxRateBps: z.int().nullable(),
  dunningPolicyId: z.string().nullable(),
  approval: z.enum(CUSTOMER_APPROVALS),
  externalId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
});

const customerWithBalances = customerView.extend({
  creditBalances: z.record(z.string(), minor).describe('credit per currency, in minor units'),
});

const delivery = z.looseObject({
  status: oneOf(deliveryStatuses),
  attempts: z.int().min(0),
  lastError: z.string().nullable(),
  sentAt: timestamp.nullable(),
});

const invoiceSummary = z.looseObject({
  id: z.string(),
  number: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  dunningLevel: z.int().min(0).describe('reminder steps already sent'),
  customerId: z.string(),
  currency: z.string(),
  pricesIncludeTax: z.boolean(),
  subtotalMinor: minor,
  taxMinor: minor,
  totalMinor: minor,
  feesMinor: minor,
  amountPaidMinor: minor.describe('what payments paid on the invoice, less what refunds took back from it'),
  amountCreditedMinor: minor.describe('what credit notes took off the amount due'),
  amountDueMinor: minor.describe('totalMinor + feesMinor − amountPaidMinor − amountCreditedMinor, never below 0'),
  dueAt: timestamp.nullable(),
  issuedAt: timestamp.nullable(),
  memo: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
  creditNoteNumber: z.string().nullable(),
  billingRunId: z.string().nullable().describe('the billing run that made the invoice; null for one made by hand'),
  delivery,
});

const refundView = z.looseObject({
  reference: z.string().describe("Stripe's refund id (re_...) for a card refund, else billflow's own"),
  paymentReference: z.string().describe('the payment it gives back'),
  amountMinor: minor,
  fromCreditMinor: minor.describe("the part taken from the customer's credit; the rest made the invoice due again"),
  method: z.enum(PAYMENT_METHODS),
  reason: z.string(),
  recordedBy: z.string(),
  recordedAt: timestamp,
});

const creditNoteView = z.looseObject({
  number: z.string().describe('own gapless series, e.g. CN-2026-000001'),
  amountMinor: minor,
  appliedMinor: minor.describe('the part that lowered the amount due'),
  creditMinor: minor.describe("the rest, added to the customer's credit"),
  reason: z.string(),
  lines: z.array(z.looseObject({ description: z.string(), quantity: z.string(), unitPriceMinor: minor, totalMinor: minor })).nullable(),
  issuedBy: z.string(),
  issuedAt: timestamp,
  pdfUrl: z.string(),
});

const invoiceView = invoiceSummary.extend({
  lines: z.array(
    z.looseObject({
      description: z.string(),
      quantity: z.string(),
      unitPriceMinor: minor,
      taxRateBps: z.int(),
      discountBps: z.int().optional(),
      netMinor: minor,
      taxMinor: minor,
      totalMinor: minor,
    }),
  ),
  approvals: z.array(z.looseObject({ principal: z.string(), decision: oneOf(approvalDecisions), at: timestamp, reason: z.string().nullable() })),
  payments: z.array(
    z.looseObject({
      reference: z.string(),
      amountMinor: minor,
      method: z.enum(PAYMENT_METHODS),
      receivedAt: timestamp,
      recordedBy: z.string(),
      recordedAt: timestamp,
    }),
  ),
  refunds: z.array(refundView),
  creditNotes: z.array(creditNoteView),
  fees: z.array(z.looseObject({ step: z.int().min(0), amountMinor: minor, at: timestamp })),
  paymentUrl: z.string().nullable().describe("the customer's own page (/pay/<token>, no API key) once the invoice is issued"),
  timeline: z.array(z.looseObject({ at: timestamp, type: z.string(), actor: z.string(), detail: z.record(z.string(), z.unknown()) })),
});

const issuedCreditNote = creditNoteView.extend({ invoiceId: z.string(), invoiceNumber: z.string().nullable(), currency: z.string(), invoice: invoiceView });

const dunningPolicyView = z.looseObject({
  id: z.string(),
  name: z.string(),
  steps: z.array(
    z.looseObject({
      offset: z.string(),
      template: z.enum(REMINDER_TEMPLATES),
      lateFee: z.looseObject({ percentBps: z.int().optional(), amountMinor: minor.optional() }).optional(),
    }),
  ),
});

const chargeView = z.looseObject({
  id: z.string(),
  status: z.enum(CHARGE_STATUSES).describe('"billed" with invoiceId'),
  period: z.string().regex(PERIOD),
  customerId: z.string(),
  currency: z.string(),
  description: z.string(),
  kind: z.enum(CHARGE_KINDS),
  quantity: z.string(),
  unitPriceMinor: minor,
  taxRateBps: z.int(),
  amountMinor: minor.describe('quantity × unit price, rounded half away from zero; before tax'),
  occurredAt: timestamp,
  invoiceId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
  cancelledBy: z.string().nullable(),
  cancelledAt: timestamp.nullable(),
});

const billingRunStarted = z.looseObject({
  id: z.string().describe('`run_<period>` for a real run; a dry run\'s id has `_dry_` after the period'),
  period: z.string().regex(PERIOD),
  status: z.enum(BILLING_RUN_STATUSES),
  dryRun: z.boolean(),
});

const billingRunView = billingRunStarted.extend({
  counts: z.looseObject({
    planned: z.int().min(0).describe('customers and currencies found with pending charges'),
    created: z.int().min(0).describe('invoices created (for a dry run: previews)'),
    issued: z.int().min(0).describe('invoices of the run that have a number'),
    sent: z.int().min(0).describe('invoices of the run whose email went out'),
    failed: z.int().min(0),
  }),
  totals: z.array(z.looseObject({ currency: z.string(), totalMinor: minor })).describe('per currency, in currency order'),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
});

const billingRunPreview = z.looseObject({
  customerId: z.string(),
  currency: z.string(),
  lines: invoiceView.shape.lines,
  totalMinor: minor,
});

const planView = z.looseObject({
  code: z.string(),
  name: z.string(),
  currency: z.string(),
  unitPriceMinor: minor,
  interval: z.string(),
  taxRateBps: z.int().min(0).max(10_000),
  trialDays: z.int().min(0),
  createdAt: timestamp,
});

const subscriptionView = z.looseObject({
  id: z.string(),
  customerId: z.string(),
  planCode: z.string(),
  status: z.enum(['trialing', 'active', 'cancelled']),
  trialEnd: timestamp.nullable(),
  currentPeriodStart: timestamp.nullable().describe('the trial\'s start while trialing'),
  currentPeriodEnd: timestamp.nullable().describe('the trial\'s end while trialing'),
  cancelAt: timestamp.nullable(),
  createdAt: timestamp,
});

const billingScheduleView = z.looseObject({
  name: z.string(),
  dayOfMonth: z.int().min(1).max(28),
  hour: z.int().min(0).max(23),
  timeZone: z.string().describe('the IANA name, as Intl resolves it (`utc` → `UTC`)'),
  nextRunAt: timestamp.nullable().describe('when it fires next; null while Temporal has not computed it yet'),
  lastRunAt: timestamp.optional().describe('when it last fired (a trigger included); absent before'),
  paused: z.boolean(),
});

const importSummary = z.looseObject({
  id: z.string(),
  kind: z.enum(IMPORT_KINDS),
  status: z.enum(IMPORT_STATUSES),
  processed: z.int().min(0).describe('data rows read so far, good and bad (the header not counted)'),
  imported: z.int().min(0),
  updated: z.int().min(0),
  unchanged: z.int().min(0),
  rejectedRows: z.int().min(0).describe('rows rejected, exact'),
  error: z.string().nullable().describe('why a failed import stopped'),
  createdBy: z.string(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
});

const importRejection = z.looseObject({ line: z.int().min(1).describe('the line in the file; the header is line 1'), field: z.string(), message: z.string() });

const importView = importSummary.extend({
  rejected: z.array(importRejection).describe('each problem of the rejected rows, by line: the first 1,000 (GET /imports/{id}/rejections pages through all)'),
  rejectedTruncated: z.boolean().describe('true when there are more problems than `rejected` lists'),
});

/** A CSV upload: its columns, and the answers of an import. */
function importUpload(what: string, columns: ImportColumns, operationId: string, description: string) {
  const header = [
    `required: ${columns.required.join(', ')}`,
    ...(columns.optional.length > 0 ? [`optional: ${columns.optional.join(', ')}`] : []),
    ...columns.oneOf.map((group) => `one of: ${group.join(', ')}`),
  ].join('; ');
  return {
    post: {
      operationId,
      description: `operator or admin. ${description} The body is streamed (any size); rows are keyed by \`externalId\`: a row imported before is unchanged, or updated when it differs; a bad row is reported and skipped.`,
      requestBody: {
        required: true,
        content: { 'text/csv': { schema: { type: 'string', description: `UTF-8 CSV with a header row (${header}); an empty cell is an absent field` } } },
      },
      responses: {
        '200': json(`the report: ${what} imported, updated, unchanged and rejected`, ref('Import'), { Location: { required: true, schema: { type: 'string', pattern: '^/imports/' } } }),
        '415': json('the body is not text/csv in UTF-8', responseSchema(errorBody([ErrorCode.unsupportedMediaType]))),
        ...errors('400', ...READ_ERRORS),
      },
    },
  };
}

const nameParam = [{ name: 'name', in: 'path', required: true, description: 'the billing schedule\'s name', schema: { type: 'string', minLength: 1 } }];

const pageOf = (item: JsonSchema) => ({
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: {
    data: { type: 'array', items: item },
    nextCursor: { anyOf: [{ type: 'string', pattern: CURSOR_PATTERN.source }, { type: 'null' }], description: 'pass as `cursor` for the next page; null on the last' },
  },
});

const errorBody = (codes: readonly ErrorCode[]) =>
  z.looseObject({
    error: z.looseObject({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.array(z.looseObject({ path: z.string(), message: z.string() })),
    }),
  });

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: JsonSchema, headers?: JsonSchema) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});

const retryAfter = (required: boolean) => ({
  'Retry-After': { required, description: 'seconds to wait before retrying', schema: { type: 'string', pattern: '^[0-9]+$' } },
});

/** API.md's error statuses, each with the `error.code` values it carries. */
const ERROR_RESPONSES = {
  '400': json('the request is invalid; `details` names each bad field', responseSchema(errorBody([ErrorCode.validationFailed]))),
  '401': json('no API key, or not a valid one', responseSchema(errorBody([ErrorCode.unauthorized])), {
    'WWW-Authenticate': { required: true, schema: { type: 'string', const: 'Bearer' } },
  }),
  '403': json('the API key\'s role may not do this', responseSchema(errorBody([ErrorCode.forbidden]))),
  '404': json('no such resource', responseSchema(errorBody([ErrorCode.notFound]))),
  '409': json(
    'not in the current status (named in `error.status`: a command that does not apply, a PDF before issue), or the Idempotency-Key was used with another request',
    responseSchema(errorBody([ErrorCode.conflict, ErrorCode.idempotencyConflict])),
  ),
  '413': json('the request body is larger than 1 MB', responseSchema(errorBody([ErrorCode.payloadTooLarge]))),
  '415': json('the request body is not application/json', responseSchema(errorBody([ErrorCode.unsupportedMediaType]))),
  '429': json('too many requests: too many failed authentications from this address, or writes with this key', responseSchema(errorBody([ErrorCode.rateLimited])), retryAfter(false)),
  '503': json('PostgreSQL or Temporal cannot be reached right now; retry', responseSchema(errorBody([ErrorCode.unavailable])), retryAfter(true)),
} as const;

type ErrorStatus = keyof typeof ERROR_RESPONSES;
const errors = (...statuses: ErrorStatus[]) => Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/${s}` }]));

/** What every authenticated request may meet besides its own errors. */
const READ_ERRORS: ErrorStatus[] = ['401', '403', '429', '503'];
/** ...and every request with a JSON body. */
const WRITE_ERRORS: ErrorStatus[] = ['400', ...READ_ERRORS, '413', '415'];

const idParam = (what: string) => [{ name: 'id', in: 'path', required: true, description: `the ${what}'s id`, schema: { type: 'string', minLength: 1 } }];
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'the same key with the same body returns the first answer; with another body, 409 idempotency_conflict',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
};

/** Query parameters from a zod object schema; `cursor` is stated as decodeCursor checks it. */
function queryParams(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const schemaOf = name === 'cursor'
      ? { type: 'string', pattern: CURSOR_PATTERN.source, description: 'the `nextCursor` of the previous page; leave out for the first page' }
      : requestSchema(field as z.ZodType);
    return { name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema: schemaOf };
  });
}

const invoiceListQuery = pageQuery.extend({
  status: z.enum(INVOICE_STATUSES).optional(),
  customerId: z.string().min(1).optional(),
});

const body = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema: requestSchema(schema) } } });

/** An invoice command: the new state, or 409 naming the current status when it does not apply. */
function command(name: string, schema: z.ZodType, description: string) {
  const required = !schema.safeParse({}).success;
  return {
    [`/invoices/{id}/${name}`]: {
      post: {
        operationId: `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Invoice`,
        description,
        parameters: idParam('invoice'),
        requestBody: body(schema, required),
        responses: { '200': json('the invoice in its new state', ref('Invoice')), ...errors(...WRITE_ERRORS, '404', '409') },
      },
    },
  };
}

let cached: unknown;

export function openApiDocument(): unknown {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'billflow', version: '0.1.0', description: 'The billing workflow on Temporal. See API.md.' },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Customer: responseSchema(customerView),
        Invoice: responseSchema(invoiceView),
        InvoiceSummary: responseSchema(invoiceSummary),
        DunningPolicy: responseSchema(dunningPolicyView),
        Charge: responseSchema(chargeView),
        BillingRun: responseSchema(billingRunView),
        BillingRunPreview: responseSchema(billingRunPreview),
        Import: responseSchema(importView),
        Plan: responseSchema(planView),
        Subscription: responseSchema(subscriptionView),
      },
      responses: ERROR_RESPONSES,
    },
    security: [{ apiKey: [] }],
    paths: {
      '/healthz': {
        get: { operationId: 'health', security: [], responses: { '200': json('the process is up', responseSchema(z.looseObject({ status: z.literal('ok') }))) } },
      },
      '/readyz': {
        get: {
          operationId: 'readiness',
          security: [],
          responses: {
            '200': json('Temporal and PostgreSQL answer', responseSchema(readiness('ready'))),
            '503': json('Temporal or PostgreSQL does not answer', responseSchema(readiness('not_ready')), retryAfter(true)),
          },
        },
      },
      '/customers': {
        post: {
          operationId: 'createCustomer',
          parameters: [idempotencyKey],
          requestBody: body(createCustomerBody),
          responses: { '201': json('the customer', ref('Customer')), ...errors(...WRITE_ERRORS, '409') },
        },
        get: {
          operationId: 'listCustomers',
          parameters: queryParams(pageQuery),
          responses: { '200': json('a page of customers, oldest first', pageOf(ref('Customer'))), ...errors('400', ...READ_ERRORS) },
        },
      },
      '/customers/{id}': {
        get: {
          operationId: 'getCustomer',
          parameters: idParam('customer'),
          responses: { '200': json('the customer with its credit balances', responseSchema(customerWithBalances)), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/invoices': {
        post: {
          operationId: 'createInvoice',
          parameters: [idempotencyKey],
          requestBody: body(createInvoiceBody),
          responses: {
            '201': json('the draft invoice; its workflow is `invoice:<id>`', ref('Invoice'), {
              Location: { required: true, schema: { type: 'string', pattern: '^/invoices/' } },
            }),
            ...errors(...WRITE_ERRORS, '409'),
          },
        },
        get: {
          operationId: 'listInvoices',
          parameters: queryParams(invoiceListQuery),
          responses: { '200': json('a page of invoices (without lines and timeline), oldest first', pageOf(ref('InvoiceSummary'))), ...errors('400', ...READ_ERRORS) },
        },
      },
      '/invoices/{id}': {
        get: {
          operationId: 'getInvoice',
          parameters: idParam('invoice'),
          responses: { '200': json('the invoice with its timeline', ref('Invoice')), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/invoices/{id}/pdf': {
        get: {
          operationId: 'getInvoicePdf',
          parameters: idParam('invoice'),
          responses: {
            '200': { description: 'the invoice as PDF', content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } } },
            ...errors(...READ_ERRORS, '404', '409'),
          },
        },
      },
      ...command('approve', commentBody, 'approver or admin, not the invoice\'s creator'),
      ...command('reject', reasonBody, 'approver or admin'),
      ...command('request-changes', reasonBody, 'approver or admin; the invoice goes back to draft'),
      ...command('submit', submitBody, 'operator: revise a draft and send it for approval again'),
      ...command('void', reasonBody, 'operator; a credit note is issued for an issued invoice'),
      ...command('dispute', reasonBody, 'operator; reminders pause'),
      ...command('resolve-dispute', resolutionBody, 'operator; reminders resume'),
      ...command('write-off', reasonBody, 'operator; the invoice becomes uncollectible'),
      '/invoices/{id}/payments': {
        post: {
          operationId: 'recordPayment',
          description: '`reference` is unique per invoice: repeating it does not pay twice',
          parameters: idParam('invoice'),
          requestBody: body(paymentBody),
          responses: {
            '201': json('the payment was recorded', paymentResult(false)),
            '200': json('the reference was already recorded: nothing was paid again', paymentResult(true)),
            ...errors(...WRITE_ERRORS, '404', '409'),
          },
        },
      },
      '/invoices/{id}/refunds': {
        post: {
          operationId: 'refundPayment',
          description:
            "operator or admin. Gives back money received on one of the invoice's payments (`paymentReference`, else the latest with enough left): through Stripe for a card payment Stripe took (idempotent: the same Idempotency-Key is the same Stripe refund), recorded for other methods. It is taken first from the customer's credit; the rest lowers amountPaidMinor, so a paid invoice is due again. Allowed while open, overdue, disputed, or paid within 180 days of its last change.",
          parameters: [...idParam('invoice'), idempotencyKey],
          requestBody: body(refundBody),
          responses: {
            '201': json('the refund was made and recorded', refundResult(false)),
            '200': json('the same request was made before: nothing was refunded again', refundResult(true)),
            ...errors(...WRITE_ERRORS, '404', '409'),
          },
        },
      },
      '/invoices/{id}/credit-notes': {
        post: {
          operationId: 'issueCreditNote',
          description:
            "operator or admin. A credit note (its own gapless series) for `amountMinor` or for `lines`, at most what is left to credit (total + fees − credited). Up to the amount due it lowers it (an invoice it covers is paid); the rest becomes the customer's credit.",
          parameters: [...idParam('invoice'), idempotencyKey],
          requestBody: body(creditNoteBody),
          responses: {
            '201': json('the credit note, with the invoice it changed', responseSchema(issuedCreditNote), {
              Location: { required: true, schema: { type: 'string', pattern: '^/credit-notes/' } },
            }),
            '200': json('the same request was made before: this is its credit note', responseSchema(issuedCreditNote)),
            ...errors(...WRITE_ERRORS, '404', '409'),
          },
        },
      },
      '/dunning-policies': {
        post: {
          operationId: 'createDunningPolicy',
          parameters: [idempotencyKey],
          requestBody: body(createDunningPolicyBody),
          responses: { '201': json('the policy, its steps in the order they fire', ref('DunningPolicy')), ...errors(...WRITE_ERRORS, '409') },
        },
      },
      '/dunning-policies/{id}': {
        get: {
          operationId: 'getDunningPolicy',
          parameters: idParam('dunning policy'),
          responses: { '200': json('the policy', ref('DunningPolicy')), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/charges': {
        post: {
          operationId: 'createCharge',
          description: 'operator or admin; the currency is the customer\'s',
          parameters: [idempotencyKey],
          requestBody: body(createChargeBody),
          responses: {
            '201': json('the pending charge', ref('Charge'), { Location: { required: true, schema: { type: 'string', pattern: '^/charges/' } } }),
            ...errors(...WRITE_ERRORS, '409'),
          },
        },
        get: {
          operationId: 'listCharges',
          parameters: queryParams(listChargesQuery),
          responses: { '200': json('a page of charges, oldest first', pageOf(ref('Charge'))), ...errors('400', ...READ_ERRORS) },
        },
      },
      '/charges/{id}': {
        get: {
          operationId: 'getCharge',
          parameters: idParam('charge'),
          responses: { '200': json('the charge', ref('Charge')), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/charges/{id}/cancel': {
        post: {
          operationId: 'cancelCharge',
          description: 'operator or admin; a pending charge is cancelled, a cancelled one answered as it is',
          parameters: idParam('charge'),
          requestBody: body(cancelChargeBody, false),
          responses: { '200': json('the charge, cancelled', ref('Charge')), ...errors(...WRITE_ERRORS, '404', '409') },
        },
      },
      '/billing-runs': {
        post: {
          operationId: 'startBillingRun',
          description:
            'operator or admin. Bills every pending charge of `period` or earlier, one invoice per customer and currency, each following its customer\'s approval policy. ' +
            'A period has one run: posting it again (or at the same time) answers 200 with the same run, even with other `customerIds`. A dry run creates nothing; each is a new run.',
          parameters: [idempotencyKey],
          requestBody: body(startBillingRunBody),
          responses: {
            '202': json('the run, started', responseSchema(billingRunStarted), { Location: { required: true, schema: { type: 'string', pattern: '^/billing-runs/' } } }),
            '200': json('the period\'s run, started before', responseSchema(billingRunStarted), { Location: { required: true, schema: { type: 'string', pattern: '^/billing-runs/' } } }),
            ...errors(...WRITE_ERRORS, '409'),
          },
        },
        get: {
          operationId: 'listBillingRuns',
          parameters: queryParams(listBillingRunsQuery),
          responses: { '200': json('a page of runs, oldest first, their counts as last recorded', pageOf(ref('BillingRun'))), ...errors('400', ...READ_ERRORS) },
        },
      },
      '/billing-runs/{id}': {
        get: {
          operationId: 'getBillingRun',
          parameters: idParam('billing run'),
          responses: { '200': json('the run and its counts', ref('BillingRun')), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/billing-runs/{id}/invoices': {
        get: {
          operationId: 'listBillingRunInvoices',
          parameters: [...idParam('billing run'), ...queryParams(listRunInvoicesQuery)],
          responses: {
            '200': json(
              'a page of the run\'s invoices, oldest first; for a dry run, the previews of the invoices it would create, by customer and currency',
              pageOf({ anyOf: [ref('InvoiceSummary'), ref('BillingRunPreview')] }),
            ),
            ...errors('400', ...READ_ERRORS, '404'),
          },
        },
      },
      '/billing-runs/{id}/cancel': {
        post: {
          operationId: 'cancelBillingRun',
          description: 'operator or admin. The run creates no further invoices (those created stay) and becomes cancelled, or completed if it finished first; 409 for a run that has ended',
          parameters: idParam('billing run'),
          requestBody: body(cancelBillingRunBody, false),
          responses: {
            '202': json('the run, asked to stop', responseSchema(z.looseObject({ id: z.string(), status: z.enum(BILLING_RUN_STATUSES) }))),
            ...errors(...WRITE_ERRORS, '404', '409'),
          },
        },
      },
      '/billing-schedules': {
        post: {
          operationId: 'createBillingSchedule',
          description:
            'operator or admin. A Temporal Schedule that fires on `dayOfMonth` at `hour`:00 in `timeZone` and bills the month just ended there, as a run `run_<period>` ' +
            '(a period already billed, or being billed, is left alone). Runs never overlap: a firing while a run is in flight waits for it. 409 when the name is taken.',
          requestBody: body(createBillingScheduleBody),
          responses: {
            '201': json('the schedule', responseSchema(billingScheduleView), { Location: { required: true, schema: { type: 'string', pattern: '^/billing-schedules/' } } }),
            ...errors(...WRITE_ERRORS, '409'),
          },
        },
        get: {
          operationId: 'listBillingSchedules',
          description: 'every billing schedule, by name (a new one appears within moments: listing is eventually consistent)',
          responses: { '200': json('the schedules', responseSchema(z.looseObject({ data: z.array(billingScheduleView) }))), ...errors(...READ_ERRORS) },
        },
      },
      '/billing-schedules/{name}/trigger': {
        post: {
          operationId: 'triggerBillingSchedule',
          description: 'operator or admin. Fires the schedule now: bills the month just ended in its time zone (GET /billing-runs/run_<period> follows the run)',
          parameters: nameParam,
          requestBody: body(triggerBillingScheduleBody, false),
          responses: {
            '202': json('the schedule, fired', responseSchema(z.looseObject({ name: z.string(), triggered: z.literal(true) }))),
            ...errors(...WRITE_ERRORS, '404'),
          },
        },
      },
      '/billing-schedules/{name}': {
        delete: {
          operationId: 'deleteBillingSchedule',
          description: 'operator or admin. The schedule fires no more; a run it started goes on',
          parameters: nameParam,
          responses: { '204': { description: 'deleted' }, ...errors(...READ_ERRORS, '404') },
        },
      },
      '/imports/customers': importUpload('customers', CUSTOMER_COLUMNS, 'importCustomers', 'Customers as POST /customers takes them (an operator may not set approval "never"), keyed by externalId; a cell left empty keeps the stored value.'),
      '/imports/charges': importUpload(
        'charges',
        CHARGE_COLUMNS,
        'importCharges',
        'Charges as POST /charges takes them, the customer by customerId or customerExternalId; a charge changes only while pending.',
      ),
      '/imports/invoices': importUpload(
        'invoices',
        INVOICE_COLUMNS,
        'importInvoices',
        'Open invoices from an earlier system, issued already: each keeps its number (one of the form of billflow\'s own series, INV-YYYY-NNNNNN or CN-YYYY-NNNNNN, is refused), is open or overdue with total − amountPaid due, and enters dunning at the step due now. Times are "YYYY-MM-DD" (00:00 UTC) or ISO 8601 with offset; amounts decimal strings in the currency. An imported invoice does not change: a row that differs is rejected.',
      ),
      '/imports': {
        get: {
          operationId: 'listImports',
          parameters: queryParams(pageQuery),
          responses: { '200': json('a page of imports, oldest first, with their counts', pageOf(responseSchema(importSummary))), ...errors('400', ...READ_ERRORS) },
        },
      },
      '/imports/{id}': {
        get: {
          operationId: 'getImport',
          parameters: idParam('import'),
          responses: { '200': json('the import\'s report; while it runs, `processed` and the counts so far', ref('Import')), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/imports/{id}/rejections': {
        get: {
          operationId: 'listImportRejections',
          parameters: [...idParam('import'), ...queryParams(pageQuery)],
          responses: { '200': json('a page of the import\'s rejections, by line', pageOf(responseSchema(importRejection))), ...errors('400', ...READ_ERRORS, '404') },
        },
      },
      '/plans': {
        post: {
          operationId: 'createPlan',
          description:
            'operator or admin. A plan does not change: the same code with the same terms answers 200 with the plan, with other terms 409. ' +
            '`interval`: calendar months ("P1M", "P3M", "P1Y": the anchor\'s day of the month, or the month\'s last day when it is shorter) or seconds ("PT30S", for demos and tests).',
          requestBody: body(createPlanBody),
          responses: {
            '201': json('the plan', ref('Plan'), { Location: { required: true, schema: { type: 'string', pattern: '^/plans/' } } }),
            '200': json('the same plan, created before', ref('Plan')),
            ...errors(...WRITE_ERRORS, '409'),
          },
        },
        get: {
          operationId: 'listPlans',
          responses: { '200': json('every plan, by code', responseSchema(z.looseObject({ items: z.array(planView) }))), ...errors(...READ_ERRORS) },
        },
      },
      '/plans/{code}': {
        get: {
          operationId: 'getPlan',
          parameters: [{ name: 'code', in: 'path', required: true, description: "the plan's code", schema: { type: 'string', minLength: 1 } }],
          responses: { '200': json('the plan', ref('Plan')), ...errors(...READ_ERRORS, '404') },
        },
      },
      '/subscriptions': {
        post: {
          operationId: 'createSubscription',
          description:
            'operator or admin. Bills in advance: one invoice at the start of each period (its id derived from the subscription and the period, so never two), none during the trial; ' +
            'its workflow is `subscription:<id>`. `startAt` in the past bills each period since, one after another.',
          parameters: [idempotencyKey],
          requestBody: body(createSubscriptionBody),
          responses: {
            '201': json('the subscription', ref('Subscription'), { Location: { required: true, schema: { type: 'string', pattern: '^/subscriptions/' } } }),
            ...errors(...WRITE_ERRORS, '409'),
          },
        },
        get: {
          operationId: 'listSubscriptions',
          parameters: queryParams(listSubscriptionsQuery),
          responses: { '200': json('a page of subscriptions, oldest first', pageOf(ref('Subscription'))), ...errors('400', ...READ_ERRORS) },
        },
      },
      '/subscriptions/{id}': {
        get: {
          operationId: 'getSubscription',
          parameters: idParam('subscription'),
          responses: {
            '200': json('the subscription with its invoices and history', responseSchema(subscriptionView.extend({
              invoiceIds: z.array(z.string()).describe('oldest first'),
              history: z.array(z.looseObject({ version: z.int(), type: z.string(), actor: z.string(), detail: z.looseObject({}), at: timestamp })),
            }))),
            ...errors(...READ_ERRORS, '404'),
          },
        },
      },
      '/subscriptions/{id}/change-plan': {
        post: {
          operationId: 'changeSubscriptionPlan',
          description:
            'operator or admin; a plan in the same currency. From now on the new plan. In the current period: a credit line for the unused part of the old plan and a charge line for the new one, ' +
            'each `price × seconds left ÷ seconds in the period` rounded half away from zero (tax likewise per line), on one invoice (`invoiceId`) when the sum is owed, ' +
            'or to the customer\'s credit balance (`creditMinor`) when it is not. In the trial the plan just changes. A plan of another interval starts its periods when the current one ends.',
          parameters: idParam('subscription'),
          requestBody: body(changePlanBody),
          responses: {
            '200': json('the subscription on its new plan', responseSchema(subscriptionView.extend({ invoiceId: z.string().nullable(), creditMinor: minor }))),
            ...errors(...WRITE_ERRORS, '404', '409'),
          },
        },
      },
      '/subscriptions/{id}/cancel': {
        post: {
          operationId: 'cancelSubscription',
          description:
            'operator or admin. `period_end` (the default): over when the current period (or the trial) ends, nothing more billed. `now`: over at once, and the unused part of the period ' +
            '(`price × seconds left ÷ seconds in the period`, rounded half away from zero, with its tax) goes to the customer\'s credit balance.',
          parameters: idParam('subscription'),
          requestBody: body(cancelSubscriptionBody, false),
          responses: { '200': json('the subscription', ref('Subscription')), ...errors(...WRITE_ERRORS, '404', '409') },
        },
      },
      ...stripePaths(),
      ...reportPaths(),
      ...bankReconciliationPaths(),
    },
  };
  return cached;
}

function readiness(status: 'ready' | 'not_ready') {
  return z.looseObject({ status: z.literal(status), checks: z.array(z.looseObject({ name: z.string(), ok: z.boolean() })) });
}

function refundResult(duplicate: boolean): JsonSchema {
  return { type: 'object', required: ['duplicate', 'refund', 'invoice'], properties: { duplicate: { const: duplicate }, refund: {}, invoice: ref('Invoice') } };
}

function paymentResult(duplicate: boolean): JsonSchema {
  return { type: 'object', required: ['duplicate', 'invoice'], properties: { duplicate: { const: duplicate }, invoice: ref('Invoice') } };
}

/** An HTML page of the customer's pay page (src/web/pay): its errors are pages too, for a browser. */
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const payToken = [
  { name: 'token', in: 'path', required: true, description: "the invoice's pay token (64 hex digits; anything else is a 404)", schema: { type: 'string', minLength: 1 } },
];

/** The customer's pay page and Stripe's webhook: no API key (the token in the path, the event's signature). */
function stripePaths() {
  const payErrors = {
    '404': htmlPage('no issued invoice has this token'),
    '500': htmlPage('billflow failed'),
    '503': { ...htmlPage('PostgreSQL, Temporal or Stripe cannot be reached right now; try again'), headers: retryAfter(true) },
  };
  return {
    '/pay/{token}': {
      get: {
        operationId: 'getPayPage',
        security: [],
        description:
          "The invoice's own page for its customer (the link in its emails and `paymentUrl`): number, customer, lines, total, paid, " +
          'credited, amount due = max(0, total + late fees - amount paid - credited) (amount paid: payments less what refunds took back), status, a link to the PDF, and a Pay button ' +
          'when Stripe is configured and something is due, else bank transfer instructions quoting the invoice number. `?checkout=success|cancelled` ' +
          "is where Stripe Checkout returns to.",
        parameters: payToken,
        responses: { '200': htmlPage('the pay page'), ...payErrors },
      },
    },
    '/pay/{token}/pdf': {
      get: {
        operationId: 'getPayPagePdf',
        security: [],
        parameters: payToken,
        responses: { '200': { description: 'the invoice as PDF', content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } } }, ...payErrors },
      },
    },
    '/pay/{token}/checkout': {
      post: {
        operationId: 'startCheckout',
        security: [],
        description:
          "The Pay button: a Stripe Checkout Session (mode payment) for the amount due in the invoice's currency, `metadata.invoiceId` on the " +
          'session and its PaymentIntent, idempotency key from the invoice and the amount due (a double click is one session). Sessions ' +
          'expire: none is put in an email.',
        parameters: payToken,
        responses: {
          '303': { description: 'to the Stripe Checkout Session', headers: { Location: { required: true, schema: { type: 'string' } } } },
          '409': htmlPage('nothing is due, the invoice takes no payment, or Stripe is not configured (the page says how to pay by bank transfer)'),
          '502': htmlPage('Stripe refused the session'),
          ...payErrors,
        },
      },
    },
    '/webhooks/stripe': {
      post: {
        operationId: 'stripeWebhook',
        security: [],
        description:
          "Stripe's events, verified with `Stripe-Signature` over the raw body (STRIPE_WEBHOOK_SECRET, 300 s tolerance). Each event id is " +
          'applied once, in any order: checkout.session.completed (when paid) and checkout.session.async_payment_succeeded, ' +
          'payment_intent.succeeded: a card payment, reference = the PaymentIntent id (both events of one payment pay once); ' +
          'payment_intent.payment_failed: on the timeline; charge.refunded (and refund.created/updated): each refund once by its re_ id ' +
          '(the payment first, from the charge, if its own event has not come); charge.dispute.created / closed: dispute, resolve (won or lost). ' +
          'Other types, events without `metadata.invoiceId` (or a billflow payment) and invoices that take no more commands: 200, ignored.',
        parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': json(
            'the event was applied, ignored, or seen before (`repeat`)',
            responseSchema(z.looseObject({ received: z.literal(true), eventId: z.string(), outcome: z.enum(['applied', 'ignored']), repeat: z.boolean(), invoiceId: z.string().optional() })),
          ),
          '409': json('the invoice cannot take the event yet (a dispute closed before it opened): Stripe delivers it again', responseSchema(errorBody([ErrorCode.conflict]))),
          ...errors('400', '404', '413', '415', '503'),
        },
      },
    },
  };
}

/** A report: JSON, or with `format=csv` the same as text/csv under the header given. */
function report(description: string, schema: JsonSchema, csvHeader: readonly string[]) {
  return {
    description,
    content: {
      'application/json': { schema },
      'text/csv': { schema: { type: 'string', description: `with format=csv: header row \`${csvHeader.join(',')}\`; amounts in minor units` } },
    },
  };
}

const agingBuckets = z.looseObject({ current: minor, '1-30': minor, '31-60': minor, '61-90': minor, '90+': minor });

/**
 * The receivables reports and the customer statement (src/api/reports), with the formula of every
 * figure: they read SQL over the read model (src/db/reports.ts), never a workflow.
 */
function reportPaths() {
  const RECEIVABLE =
    'An invoice is a receivable at a moment when it was issued (has a number) by then and had not been voided or written off by then (its `voided` / `written_off` events). ' +
    'Its amount due then = max(0, total + late fees charged by then − what payments received by then paid on it (their applied part) + what refunds recorded by then took back from it (amount − fromCredit) − what credit notes issued by then took off it (their applied part)). ' +
    'For now this is the invoice\'s amountDueMinor. What was paid before an import counts as received at the import.';
  return {
    '/reports/aging': {
      get: {
        operationId: 'agingReport',
        description:
          `Amount due per customer and in total by days past due, in one currency, as of \`asOf\` (default now). ${RECEIVABLE} ` +
          'Days past due = (asOf − due date) in days, counted up (an invoice due an hour ago is 1 day past due); `current` = not yet due (asOf at or before the due date), ' +
          '`1-30`, `31-60`, `61-90` days, `90+` = more than 90 days. Customers with nothing due are not listed; customers by name. CSV: one row per customer (row `customer`) and the totals (row `total`).',
        parameters: queryParams(agingQuery),
        responses: {
          '200': report(
            'the aging report',
            responseSchema(
              z.looseObject({
                currency: z.string(),
                asOf: timestamp,
                buckets: agingBuckets,
                customers: z.array(z.looseObject({ customerId: z.string(), name: z.string(), buckets: agingBuckets })),
              }),
            ),
            AGING_CSV_HEADER,
          ),
          ...errors('400', ...READ_ERRORS),
        },
      },
    },
    '/reports/dso': {
      get: {
        operationId: 'dsoReport',
        description:
          'Days sales outstanding as of `asOf` (default now; a date is its 00:00 UTC): DSO = receivablesMinor ÷ salesMinor × days, rounded half up to one decimal; `null` when salesMinor is 0 (no sales, no ratio). ' +
          `receivablesMinor = the sum of what every receivable of the currency owed at asOf (the aging total as of asOf). ${RECEIVABLE} ` +
          'salesMinor = credit sales: the totals (tax included, late fees not) of the invoices of the currency issued in [asOf − days, asOf), voided ones left out (also those voided after asOf). ' +
          'A past asOf shows what the figures were then (the receivables as the events by then left them), for example the end of an earlier month.',
        parameters: queryParams(dsoQuery),
        responses: {
          '200': report(
            'days sales outstanding',
            responseSchema(z.looseObject({ currency: z.string(), days: z.int(), dso: z.number().nullable(), receivablesMinor: minor, salesMinor: minor })),
            DSO_CSV_HEADER,
          ),
          ...errors('400', ...READ_ERRORS),
        },
      },
    },
    '/reports/collections': {
      get: {
        operationId: 'collectionsReport',
        description:
          'For the period [from, to) in one currency (default: the 90 days up to now): ' +
          '`invoicedMinor` = Σ (total + late fees) of the invoices issued in the period, voided ones left out; ' +
          '`collectedMinor` = Σ amounts of the payments received in the period (over-payments included; not what was paid before an import) − Σ amounts of the refunds recorded in the period; ' +
          '`outstandingMinor` = what the invoices counted in `invoicedMinor` owe now (written-off ones owe nothing); ' +
          '`writtenOffMinor` = Σ the amount due at write-off of the invoices written off in the period (the `written_off` event\'s amountDueMinor); ' +
          '`latePayers` = customers with at least 2 late invoices among those due in the period, where an invoice is late when it was paid after its due date ' +
          '(the last payment that paid something on it was received after it) or is still unpaid (open, overdue, disputed) past it; ' +
          '`averageDaysLate` = the mean of their days late (due date to that payment, or to now, counted up), rounded half up to one decimal; most late invoices first. ' +
          'CSV: the figures (row `total`), then one row per late payer (row `late_payer`).',
        parameters: queryParams(collectionsQuery),
        responses: {
          '200': report(
            'the collections report',
            responseSchema(
              z.looseObject({
                currency: z.string(),
                from: timestamp,
                to: timestamp,
                invoicedMinor: minor,
                collectedMinor: minor,
                outstandingMinor: minor,
                writtenOffMinor: minor,
                latePayers: z.array(z.looseObject({ customerId: z.string(), name: z.string(), lateInvoices: z.int(), averageDaysLate: z.number() })),
              }),
            ),
            COLLECTIONS_CSV_HEADER,
          ),
          ...errors('400', ...READ_ERRORS),
        },
      },
    },
    '/customers/{id}/statement': {
      get: {
        operationId: 'customerStatement',
        description:
          'Per currency the customer has entries in: the opening balance at `from` (the sum of every entry before it; 0 without `from`), the entries of [from, to) in time order with the running balance, ' +
          'and the closing balance at `to`. Entries (amountMinor, positive = the customer owes more): `invoice` +total at issue, `late_fee` +fee, `payment` −amount received (over-payment included), ' +
          '`refund` +amount, `credit_note` −amount (credit included; a void\'s too), `write_off` −the amount due written off, `credit` −credit given outside invoices (e.g. a subscription change). ' +
          'The balance is what the customer owes on open invoices less their credit: negative when they have credit. CSV: per currency an `opening_balance` row, the entries, a `closing_balance` row.',
        parameters: [...idParam('customer'), ...queryParams(statementQuery)],
        responses: {
          '200': report(
            'the statement',
            responseSchema(
              z.looseObject({
                customerId: z.string(),
                name: z.string(),
                from: timestamp.nullable(),
                to: timestamp,
                currencies: z.array(
                  z.looseObject({
                    currency: z.string(),
                    openingBalanceMinor: minor,
                    entries: z.array(
                      z.looseObject({
                        at: timestamp,
                        type: z.enum(STATEMENT_ENTRY_TYPES),
                        reference: z.string(),
                        invoiceId: z.string().nullable(),
                        invoiceNumber: z.string().nullable(),
                        amountMinor: minor,
                        balanceMinor: minor,
                      }),
                    ),
                    closingBalanceMinor: minor,
                  }),
                ),
              }),
            ),
            STATEMENT_CSV_HEADER,
          ),
          ...errors('400', ...READ_ERRORS, '404'),
        },
      },
    },
    '/credit-notes/{id}': {
      get: {
        operationId: 'getCreditNote',
        description: 'A credit note by its number (e.g. CN-2026-000001), a void\'s included. appliedMinor + creditMinor = amountMinor.',
        parameters: [{ name: 'id', in: 'path', required: true, description: "the credit note's number", schema: { type: 'string', minLength: 1 } }],
        responses: {
          '200': json(
            'the credit note',
            responseSchema(
              z.looseObject({
                number: z.string(),
                invoiceId: z.string(),
                invoiceNumber: z.string().nullable(),
                amountMinor: minor,
                appliedMinor: minor.describe('the part that lowered the invoice\'s amount due'),
                creditMinor: minor.describe("the rest, added to the customer's credit"),
                currency: z.string(),
                reason: z.string(),
                lines: z.array(z.looseObject({ description: z.string(), quantity: z.string(), unitPriceMinor: minor, totalMinor: minor })).nullable(),
                issuedBy: z.string(),
                issuedAt: timestamp,
                pdfUrl: z.string(),
              }),
            ),
          ),
          ...errors(...READ_ERRORS, '404'),
        },
      },
    },
    '/credit-notes/{id}/pdf': {
      get: {
        operationId: 'getCreditNotePdf',
        description: "The credit note as a PDF in the customer's language (English or German).",
        parameters: [{ name: 'id', in: 'path', required: true, description: "the credit note's number", schema: { type: 'string', minLength: 1 } }],
        responses: {
          '200': { description: 'the credit note as PDF', content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } } },
          ...errors(...READ_ERRORS, '404'),
        },
      },
    },
  };
}

/** Bank statements and the queue of their unmatched lines (API.md "Bank reconciliation"). */
function bankReconciliationPaths() {
  const counts = {
    matched: minor.describe('new lines matched to invoices (by an invoice number in the reference, else by payer and amount): their payments are applied after the answer'),
    unmatched: minor.describe('new lines waiting for a person: GET /reconciliation/unmatched'),
    ignored: minor.describe('new lines of money out (or no money)'),
  };
  const uploadReport = z.looseObject({
    id: z.string(),
    lines: minor.describe('lines in the file: matched + unmatched + ignored + duplicates'),
    ...counts,
    duplicates: minor.describe('lines uploaded before (by the bank\'s reference, else by their fields and occurrence in the file): applied nothing now'),
  });
  const statement = z.looseObject({
    id: z.string(),
    format: z.enum(['csv', 'camt.053']),
    status: z.enum(['matching', 'applying', 'done']),
    lines: minor,
    duplicates: minor,
    matched: minor.nullable(),
    unmatched: minor.nullable(),
    ignored: minor.nullable(),
    progress: z.looseObject({ new: minor, matched: minor, applied: minor, unmatched: minor, ignored: minor }).describe("this statement's lines by status now (matched: payments not yet applied)"),
    uploadedBy: z.string(),
    uploadedAt: timestamp,
    matchedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  });
  const payment = z.looseObject({ invoiceId: z.string(), amountMinor: minor, status: z.enum(['applied', 'refused']), message: z.string().nullable() });
  const unmatched = z.looseObject({
    lineId: z.string(),
    statementId: z.string(),
    date: z.string().describe('booking date, YYYY-MM-DD'),
    amountMinor: minor,
    unappliedMinor: minor.describe('amountMinor less what earlier matches of this line paid'),
    currency: z.string(),
    reference: z.string().nullable(),
    payer: z.string().nullable(),
    reason: z.string().nullable().describe('why it was not matched'),
    candidates: z.array(
      z.looseObject({
        invoiceId: z.string(),
        number: z.string().nullable(),
        status: z.string(),
        amountDueMinor: minor.describe('now: greatest(0, total + late fees − amount paid − credited)'),
        reason: z.enum(['not_payable', 'number_lookalike', 'same_payer', 'same_amount']),
      }),
    ),
  });
  const lineParam = [{ name: 'lineId', in: 'path', required: true, description: "the line's id", schema: { type: 'string', minLength: 1 } }];
  return {
    '/bank-statements': {
      post: {
        operationId: 'uploadBankStatement',
        description:
          'operator or admin. A bank statement as CSV (header `date,amount,currency,reference,payer`; amount a decimal string in the currency, negative for money out) or ISO 20022 CAMT.053 ' +
          '(each booked Ntry a line, each of several NtryDtls/TxDtls its own line; CdtDbtInd DBIT is money out; reference = RmtInf/Ustrd and Strd/CdtrRefInf/Ref; payer = RltdPties/Dbtr/Nm). ' +
          'Matching, in order: invoice numbers in the reference pay invoices that take payments (open, overdue, disputed), oldest first, each up to its amount due, the rest on the last one as an over-payment (the customer\'s credit); ' +
          'else exactly one open or overdue invoice due exactly the amount, in its currency, of a customer whose name matches the payer (case, accents, punctuation and legal forms such as GmbH, Ltd, Inc aside). ' +
          'Each payment is recorded on the invoice with method bank_transfer and reference `bank:<lineId>`, received on the booking date. A file with any bad line is refused whole (400 naming each line and field; `error.problems` lists {line, field, message}). ' +
          'Answered once the new lines are matched; the payments are then applied (GET /bank-statements/{id}).',
        requestBody: {
          required: true,
          content: {
            'text/csv': { schema: { type: 'string', description: 'UTF-8 CSV with the header date,amount,currency,reference,payer' } },
            'application/xml': { schema: { type: 'string', description: 'an ISO 20022 camt.053 document (any version)' } },
          },
        },
        responses: {
          '200': json('what became of the lines', responseSchema(uploadReport), { Location: { required: true, schema: { type: 'string', pattern: '^/bank-statements/' } } }),
          '415': json('the body is neither text/csv nor application/xml in UTF-8', responseSchema(errorBody([ErrorCode.unsupportedMediaType]))),
          ...errors('400', ...READ_ERRORS, '413'),
        },
      },
    },
    '/bank-statements/{id}': {
      get: {
        operationId: 'getBankStatement',
        parameters: idParam('bank statement'),
        responses: { '200': json('the statement, its counts and how far its payments are applied', responseSchema(statement)), ...errors(...READ_ERRORS, '404') },
      },
    },
    '/reconciliation/unmatched': {
      get: {
        operationId: 'listUnmatchedBankLines',
        description: 'Lines waiting for a person, oldest booking first, each with candidate invoices and the reason for each.',
        parameters: queryParams(z.strictObject({ limit: z.int().min(1).max(1000).default(200) })),
        responses: { '200': json('the unmatched lines', responseSchema(z.array(unmatched))), ...errors('400', ...READ_ERRORS) },
      },
    },
    '/reconciliation/unmatched/{lineId}/match': {
      post: {
        operationId: 'matchBankLine',
        description:
          "operator or admin. Applies the line's unapplied money to these invoices, oldest first, each up to its amount due, the rest on the last (as the statement's own matching). " +
          'Once: a second request for the same line (at the same time too) is 409. An invoice that refuses its part (paid or voided meanwhile) sends the line back to the queue.',
        parameters: lineParam,
        requestBody: body(z.strictObject({ invoiceIds: z.array(z.string().min(1)).min(1).max(50) })),
        responses: {
          '200': json('the payments made', responseSchema(z.looseObject({ lineId: z.string(), status: z.enum(['applied', 'unmatched']), payments: z.array(payment) }))),
          ...errors(...WRITE_ERRORS, '404', '409'),
        },
      },
    },
    '/reconciliation/unmatched/{lineId}/ignore': {
      post: {
        operationId: 'ignoreBankLine',
        description: 'operator or admin. The line pays no invoice; it leaves the queue. Only an unmatched line (409 otherwise).',
        parameters: lineParam,
        requestBody: body(z.strictObject({ reason: z.string().min(1).max(1000) })),
        responses: {
          '200': json('the line, ignored', responseSchema(z.looseObject({ lineId: z.string(), status: z.literal('ignored'), reason: z.string() }))),
          ...errors(...WRITE_ERRORS, '404', '409'),
        },
      },
    },
  };
}
