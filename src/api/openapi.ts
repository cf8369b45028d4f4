import { z } from 'zod';
import { createCustomerBody } from './routes/customers';
import { createDunningPolicyBody } from './routes/dunning-policies';
import { createInvoiceBody, paymentBody } from './routes/invoices';

/** Request schemas come from the same zod schemas that validate requests, so they cannot drift. */
const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } },
});

const error = { $ref: '#/components/schemas/Error' };
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: 'error', content: { 'application/json': { schema: error } } }]));
const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const pageParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } };

/** An invoice command: the new state, or 409 naming the current status when it does not apply. */
function command(name: string, properties: Record<string, unknown>, required: string[], description: string) {
  return {
    [`/invoices/{id}/${name}`]: {
      post: {
        description,
        parameters: idParam,
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties, required, additionalProperties: false } } } },
        responses: { '200': json('the invoice'), ...errors(400, 401, 403, 404, 409) },
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
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
              },
            },
          },
        },
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/healthz': { get: { security: [], responses: { '200': json('the process is up') } } },
      '/readyz': { get: { security: [], responses: { '200': json('Temporal and PostgreSQL answer'), '503': json('not ready') } } },
      '/customers': {
        post: { parameters: [idempotencyKey], requestBody: body(createCustomerBody), responses: { '201': json('the customer'), ...errors(400, 401, 403, 409, 415) } },
        get: { parameters: pageParams, responses: { '200': json('{data, nextCursor}'), ...errors(400, 401, 403) } },
      },
      '/customers/{id}': { get: { parameters: idParam, responses: { '200': json('the customer'), ...errors(401, 403, 404) } } },
      '/invoices': {
        post: { parameters: [idempotencyKey], requestBody: body(createInvoiceBody), responses: { '201': json('the invoice'), ...errors(400, 401, 403, 409, 415) } },
        get: {
          parameters: [
            ...pageParams,
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'customerId', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': json('{data, nextCursor}'), ...errors(400, 401, 403) },
        },
      },
      '/invoices/{id}': { get: { parameters: idParam, responses: { '200': json('the invoice with its timeline'), ...errors(401, 403, 404) } } },
      '/invoices/{id}/pdf': {
        get: { parameters: idParam, responses: { '200': { description: 'the invoice as PDF', content: { 'application/pdf': {} } }, ...errors(401, 403, 404) } },
      },
      ...command('approve', { comment: { type: 'string' } }, [], 'approver or admin, not the invoice\'s creator'),
      ...command('reject', { reason: { type: 'string' } }, ['reason'], 'approver or admin'),
      ...command('request-changes', { reason: { type: 'string' } }, ['reason'], 'approver or admin; the invoice goes back to draft'),
      ...command('submit', { lines: { type: 'array' }, memo: { type: 'string' }, dueAt: { type: 'string' } }, [], 'operator: revise a draft and send it for approval again'),
      ...command('void', { reason: { type: 'string' } }, ['reason'], 'operator; a credit note is issued for an issued invoice'),
      ...command('dispute', { reason: { type: 'string' } }, ['reason'], 'operator; reminders pause'),
      ...command('resolve-dispute', { resolution: { type: 'string' } }, ['resolution'], 'operator; reminders resume'),
      ...command('write-off', { reason: { type: 'string' } }, ['reason'], 'operator; the invoice becomes uncollectible'),
      '/invoices/{id}/payments': {
        post: {
          parameters: idParam,
          requestBody: body(paymentBody),
          responses: { '201': json('{duplicate: false, invoice}'), '200': json('{duplicate: true, invoice}: the reference was already recorded'), ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/dunning-policies': {
        post: { parameters: [idempotencyKey], requestBody: body(createDunningPolicyBody), responses: { '201': json('the policy'), ...errors(400, 401, 403) } },
      },
      '/dunning-policies/{id}': { get: { parameters: idParam, responses: { '200': json('the policy'), ...errors(401, 403, 404) } } },
    },
  };
  return cached;
}
