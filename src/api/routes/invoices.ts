import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { Router } from 'express';
import { z } from 'zod';
import { invoiceStateQuery, invoiceWorkflow } from '../../../workflows/invoice-workflow';
import { listAuditEvents } from '../../db/audit';
import type { Sql } from '../../db/client';
import { findCustomer } from '../../db/customers';
import { findInvoice, listInvoices } from '../../db/invoices';
import { createDraft, INVOICE_STATUSES, type InvoiceDraft, initialInvoiceState, type InvoiceState } from '../../domain/invoice';
import { type LineInput, normaliseQuantity } from '../../domain/lines';
import { parseDecimalToMinor } from '../../domain/money';
import { AppError, ErrorCode, type ErrorDetail, notFound, validationError } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import { CustomerIdKey, InvoiceStatusKey } from '../../temporal/search-attributes';
import { invoiceWorkflowId } from '../../temporal/workflow-ids';
import { callerOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { invoiceView, invoiceViewFromState } from '../views';
import { basisPoints, currencyCode, pageQuery, parseInput } from '../validation';

const lineBody = z.strictObject({
  description: z.string().trim().min(1).max(500),
  quantity: z.union([z.string(), z.number()], 'must be a positive decimal string or number'),
  unitPrice: z.string().optional(),
  unitPriceMinor: z.int('must be a whole number of minor units').optional(),
  taxRateBps: basisPoints(100_000).optional(),
  discountBps: basisPoints(10_000).optional(),
});

export const createInvoiceBody = z
  .strictObject({
    customerId: z.string().min(1),
    currency: currencyCode.optional(),
    lines: z.array(lineBody).min(1, 'an invoice needs at least one line').max(500),
    pricesIncludeTax: z.boolean().default(false),
    dueAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with offset' }).optional(),
    paymentTermsDays: z.int().min(0).max(3650).optional(),
    dunningPolicyId: z.string().min(1).max(100).optional(),
    memo: z.string().max(2000).optional(),
    approval: z.enum(['required', 'auto']).optional(),
  })
  .refine((b) => b.dueAt === undefined || b.paymentTermsDays === undefined, {
    path: ['paymentTermsDays'],
    message: 'give either dueAt or paymentTermsDays, not both',
  });

const listQuery = pageQuery.extend({
  status: z.enum(INVOICE_STATUSES).optional(),
  customerId: z.string().min(1).optional(),
});

type LineBody = z.infer<typeof lineBody>;

/** Turns request lines into domain lines, naming every bad field (prices are parsed exactly). */
function toLineInputs(lines: LineBody[], currency: string, defaultTaxRateBps: number): LineInput[] {
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
    if (!Number.isSafeInteger(unitPriceMinor) || unitPriceMinor < 0) at('unitPrice', 'must not be negative');
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

async function startInvoiceWorkflow(client: Client, taskQueue: string, draft: InvoiceDraft): Promise<InvoiceState> {
  const workflowId = invoiceWorkflowId(draft.id);
  try {
    await client.workflow.start(invoiceWorkflow, {
      workflowId,
      taskQueue,
      args: [{ draft }],
      // An invoice id is never reused, not even after its workflow has closed.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: [
        { key: InvoiceStatusKey, value: 'draft' },
        { key: CustomerIdKey, value: draft.customerId },
      ],
    });
    return initialInvoiceState(draft);
  } catch (error) {
    // Only an idempotent retry derives an existing id: answer with the invoice it created.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId).query(invoiceStateQuery);
    throw error;
  }
}

export function invoiceRoutes(sql: Sql, client: Client, taskQueue: string): Router {
  const router = Router();

  router.post('/invoices', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createInvoiceBody, req.body);
    const customer = await findCustomer(sql, body.customerId);
    if (!customer) throw validationError('customerId', `customer ${body.customerId} does not exist`);
    const currency = body.currency ?? customer.currency;
    const lines = toLineInputs(body.lines, currency, customer.taxRateBps ?? 0);
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      const draft = createDraft(
        {
          customerId: customer.id,
          currency,
          lines,
          pricesIncludeTax: body.pricesIncludeTax,
          dueAt: body.dueAt ? new Date(body.dueAt).toISOString() : null,
          paymentTermsDays: body.paymentTermsDays ?? customer.paymentTermsDays,
          dunningPolicyId: body.dunningPolicyId ?? customer.dunningPolicyId,
          approval: body.approval ?? 'policy',
          memo: body.memo ?? null,
        },
        { id: seed ? idFromSeed('inv', seed) : newId('inv'), createdBy: caller.principal, now: new Date().toISOString() },
      );
      const state = await startInvoiceWorkflow(client, taskQueue, draft);
      return { status: 201, body: invoiceViewFromState(state) };
    });
    res.status(created.status).location(`/invoices/${(created.body as { id: string }).id}`).json(created.body);
  });

  router.get('/invoices/:id', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const id = req.params.id as string;
    const record = await findInvoice(sql, id);
    if (record) {
      res.json(invoiceView(record, await listAuditEvents(sql, 'invoice', id)));
      return;
    }
    // The workflow exists before its first activity has written the read model.
    try {
      res.json(invoiceViewFromState(await client.workflow.getHandle(invoiceWorkflowId(id)).query(invoiceStateQuery)));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound('invoice', id);
      throw error;
    }
  });

  router.get('/invoices', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const query = parseInput(listQuery, req.query);
    const rows = await listInvoices(sql, {
      status: query.status ?? null,
      customerId: query.customerId ?? null,
      limit: query.limit,
      after: decodeCursor(query.cursor),
    });
    res.json(page(rows, query.limit, (r) => {
      const { lines: _lines, ...summary } = invoiceView(r, []);
      return summary;
    }));
  });

  return router;
}
