import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { Router } from 'express';
import { z } from 'zod';
import { invoiceWorkflow } from '../../../workflows/invoice/workflow';
import {
  type Actor,
  approveUpdate,
  type DecisionCommand,
  disputeUpdate,
  invoiceStateQuery,
  type InvoiceSettings,
  recordPaymentUpdate,
  rejectUpdate,
  requestChangesUpdate,
  resolveDisputeUpdate,
  submitUpdate,
  voidUpdate,
  writeOffUpdate,
} from '../../../workflows/invoice/messages';
import type { Config, Role } from '../../config';
import { listAuditEvents } from '../../db/audit';
import type { Sql } from '../../db/client';
import { type Customer, findCustomer } from '../../db/customers';
import { findDelivery } from '../../db/deliveries';
import { findDunningPolicy } from '../../db/dunning-policies';
import type { DunningPolicy } from '../../domain/dunning';
import { findInvoice, listApprovals, listFees, listInvoices } from '../../db/invoices';
import { listPayments } from '../../db/payments';
import {
  createDraft,
  feesMinor,
  INVOICE_STATUSES,
  type InvoiceDraft,
  initialInvoiceState,
  type InvoiceState,
  PAYMENT_METHODS,
} from '../../domain/invoice';
import { type LineInput, normaliseQuantity } from '../../domain/lines';
import { parseDecimalToMinor } from '../../domain/money';
import { AppError, ErrorCode, type ErrorDetail, notFound, validationError } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import { buildInvoiceDocument } from '../../render/build-document';
import { renderInvoicePdf } from '../../render/pdf';
import { CustomerIdKey, InvoiceStatusKey } from '../../temporal/search-attributes';
import { invoiceWorkflowId } from '../../temporal/workflow-ids';
import { callerOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { invoiceView, invoiceViewFromState, type StoredInvoice } from '../views';
import { couldBeRowId } from '../row-ids';
import { amountMinor, asValidationError, basisPoints, currencyCode, multiLineText, pageQuery, parseInput, singleLineText } from '../validation';

const lineBody = z.strictObject({
  description: singleLineText(500),
  quantity: z.union([z.string().max(40), z.number()], 'must be a positive decimal string or number'),
  unitPrice: z.string().max(40).optional(),
  unitPriceMinor: amountMinor(0).optional(),
  taxRateBps: basisPoints(100_000).optional(),
  discountBps: basisPoints(10_000).optional(),
});

const isoTimestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with offset' });

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

/** Runs a domain computation on request data; a refusal is a 400 naming the field. */
function priced<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    throw asValidationError(error);
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** A workflow's refusal (an ApplicationFailure from an Update validator) as an API error. */
function fromUpdateFailure(error: WorkflowUpdateFailedError): AppError {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type && KNOWN_CODES.has(cause.type)) {
    const extra = (cause.details?.[0] ?? {}) as Record<string, unknown>;
    const { path, ...rest } = extra;
    return new AppError({
      code: cause.type as ErrorCode,
      message: cause.message,
      details: typeof path === 'string' ? [{ path, message: cause.message }] : [],
      extra: rest,
    });
  }
  return new AppError({ code: ErrorCode.internal, message: 'the invoice workflow failed the command', cause: error });
}

export function invoiceRoutes(sql: Sql, client: Client, config: Pick<Config, 'temporal' | 'approval' | 'invoiceNumberPrefix' | 'publicBaseUrl' | 'mailFrom'>): Router {
  const router = Router();
  const settings: InvoiceSettings = { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix };

  async function loadStored(id: string): Promise<StoredInvoice | null> {
    if (!couldBeRowId(id)) return null;
    const record = await findInvoice(sql, id);
    if (!record) return null;
    const [approvals, payments, fees, delivery, timeline] = await Promise.all([
      listApprovals(sql, id),
      listPayments(sql, id),
      listFees(sql, id),
      findDelivery(sql, id, 'invoice'),
      listAuditEvents(sql, 'invoice', id),
    ]);
    return { record, approvals, payments, fees, delivery, timeline };
  }

  async function startInvoiceWorkflow(draft: InvoiceDraft, customer: Customer, policy: DunningPolicy): Promise<InvoiceState> {
    const workflowId = invoiceWorkflowId(draft.id);
    try {
      await client.workflow.start(invoiceWorkflow, {
        workflowId,
        taskQueue: config.temporal.taskQueue,
        args: [
          {
            draft,
            customer: { id: customer.id, name: customer.name, email: customer.email, locale: customer.locale, approval: customer.approval },
            policy,
            settings,
          },
        ],
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

  /** Sends a command to the invoice's workflow; refusals become 400/403/409 with the current status. */
  async function command<Ret, Arg>(id: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    if (!couldBeRowId(id)) throw notFound('invoice', id);
    try {
      return await client.workflow.getHandle(invoiceWorkflowId(id)).executeUpdate(update, { args: [arg] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw fromUpdateFailure(error);
      // An Update to a closed workflow is "not found" too: the stored invoice tells which.
      if (error instanceof WorkflowNotFoundError) {
        const record = await findInvoice(sql, id);
        if (!record) throw notFound('invoice', id);
        throw new AppError({ code: ErrorCode.conflict, message: `the invoice is ${record.status}: it takes no more commands`, extra: { status: record.status } });
      }
      throw error;
    }
  }

  async function stateView(state: InvoiceState) {
    return invoiceViewFromState(state, await listAuditEvents(sql, 'invoice', state.draft.id));
  }

  const actor = (res: Parameters<typeof callerOf>[0]): Actor => {
    const caller = callerOf(res);
    return { principal: caller.principal, role: caller.role };
  };

  router.post('/invoices', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createInvoiceBody, req.body);
    const customer = await findCustomer(sql, body.customerId);
    if (!customer) throw validationError('customerId', `customer ${body.customerId} does not exist`);
    const currency = body.currency ?? customer.currency;
    const lines = toLineInputs(body.lines, currency, customer.taxRateBps ?? 0);
    const policyId = body.dunningPolicyId ?? customer.dunningPolicyId ?? 'default';
    const policy = await findDunningPolicy(sql, policyId);
    if (!policy) throw validationError('dunningPolicyId', `dunning policy ${policyId} does not exist`);
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      const draft = priced(() => createDraft(
        {
          customerId: customer.id,
          currency,
          lines,
          pricesIncludeTax: body.pricesIncludeTax,
          dueAt: body.dueAt ? new Date(body.dueAt).toISOString() : null,
          paymentTermsDays: body.paymentTermsDays ?? customer.paymentTermsDays,
          dunningPolicyId: policyId,
          approval: body.approval ?? 'policy',
          memo: body.memo ?? null,
        },
        { id: seed ? idFromSeed('inv', seed) : newId('inv'), createdBy: caller.principal, now: new Date().toISOString() },
      ));
      const state = await startInvoiceWorkflow(draft, customer, policy);
      return { status: 201, body: invoiceViewFromState(state, []) };
    });
    res.status(created.status).location(`/invoices/${(created.body as { id: string }).id}`).json(created.body);
  });

  router.get('/invoices/:id', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const id = req.params.id as string;
    const stored = await loadStored(id);
    if (stored) {
      res.json(invoiceView(stored));
      return;
    }
    // The workflow exists before its first activity has written the read model.
    try {
      res.json(invoiceViewFromState(await client.workflow.getHandle(invoiceWorkflowId(id)).query(invoiceStateQuery), []));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound('invoice', id);
      throw error;
    }
  });

  router.get('/invoices/:id/pdf', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const id = req.params.id as string;
    const stored = await loadStored(id);
    if (!stored) throw notFound('invoice', id);
    const r = stored.record;
    if (r.number === null) {
      throw new AppError({ code: ErrorCode.conflict, message: `the invoice is ${r.status}: it has a PDF once it is issued`, extra: { status: r.status } });
    }
    const customer = await findCustomer(sql, r.customerId);
    const pdf = await renderInvoicePdf(
      buildInvoiceDocument(
        {
          invoiceId: r.id,
          number: r.number,
          currency: r.currency,
          issuedAt: r.issuedAt,
          dueAt: r.dueAt,
          customer: { name: customer?.name ?? '', email: customer?.email ?? '', locale: customer?.locale ?? 'en' },
          lines: r.lines,
          subtotalMinor: r.subtotalMinor,
          taxMinor: r.taxMinor,
          totalMinor: r.totalMinor,
          feesMinor: feesMinor(stored),
          amountPaidMinor: r.amountPaidMinor,
          memo: r.memo,
        },
        config,
      ),
    );
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${r.number ?? r.id}.pdf"`).send(pdf);
  });

  router.get('/invoices', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const query = parseInput(listQuery, req.query);
    const rows = await listInvoices(sql, {
      status: query.status ?? null,
      customerId: query.customerId ?? null,
      limit: query.limit,
      after: decodeCursor(query.cursor),
    });
    res.json(
      page(rows, query.limit, ({ delivery, ...record }) => {
        const { lines: _lines, approvals: _a, payments: _p, fees: _f, timeline: _t, ...summary } = invoiceView({
          record,
          approvals: [],
          payments: [],
          fees: [],
          delivery,
          timeline: [],
        });
        return summary;
      }),
    );
  });

  /** A command that takes a reason (or a comment) and answers with the invoice's new state. */
  function decisionRoute<B>(path: string, role: Role, update: UpdateDefinition<InvoiceState, [DecisionCommand]>, schema: z.ZodType<B>, reasonOf: (body: B) => string | null) {
    router.post(`/invoices/:id/${path}`, requireRole(role), async (req, res) => {
      const body = parseInput(schema, req.body);
      res.json(await stateView(await command(req.params.id as string, update, { ...actor(res), reason: reasonOf(body) })));
    });
  }

  decisionRoute('approve', 'approver', approveUpdate, commentBody, (b) => b.comment ?? null);
  decisionRoute('reject', 'approver', rejectUpdate, reasonBody, (b) => b.reason);
  decisionRoute('request-changes', 'approver', requestChangesUpdate, reasonBody, (b) => b.reason);
  decisionRoute('void', 'operator', voidUpdate, reasonBody, (b) => b.reason);
  decisionRoute('dispute', 'operator', disputeUpdate, reasonBody, (b) => b.reason);
  decisionRoute('resolve-dispute', 'operator', resolveDisputeUpdate, resolutionBody, (b) => b.resolution);
  decisionRoute('write-off', 'operator', writeOffUpdate, reasonBody, (b) => b.reason);

  router.post('/invoices/:id/submit', requireRole('operator'), async (req, res) => {
    const id = req.params.id as string;
    const body = parseInput(submitBody, req.body);
    const record = couldBeRowId(id) ? await findInvoice(sql, id) : null;
    if (!record) throw notFound('invoice', id);
    const customer = await findCustomer(sql, record.customerId);
    const lines = body.lines ? toLineInputs(body.lines, record.currency, customer?.taxRateBps ?? 0) : undefined;
    const dueAt = body.dueAt === undefined ? undefined : body.dueAt === null ? null : new Date(body.dueAt).toISOString();
    const state = await command(id, submitUpdate, {
      ...actor(res),
      ...(lines ? { lines } : {}),
      ...(body.memo !== undefined ? { memo: body.memo } : {}),
      ...(dueAt !== undefined ? { dueAt } : {}),
    });
    res.json(await stateView(state));
  });

  router.post('/invoices/:id/payments', requireRole('operator'), async (req, res) => {
    const id = req.params.id as string;
    const body = parseInput(paymentBody, req.body);
    const result = await command(id, recordPaymentUpdate, {
      ...actor(res),
      amountMinor: body.amountMinor,
      method: body.method,
      reference: body.reference,
      receivedAt: body.receivedAt ? new Date(body.receivedAt).toISOString() : new Date().toISOString(),
    }).catch(async (error: unknown) => {
      // A client retrying the payment that closed the invoice gets the repeat answer, not a conflict.
      const stored = error instanceof AppError && error.code === ErrorCode.conflict ? await loadStored(id) : null;
      if (stored?.payments.some((p) => p.reference === body.reference)) return { duplicate: true, stored };
      throw error;
    });
    if ('stored' in result) {
      res.status(200).json({ duplicate: true, invoice: invoiceView(result.stored) });
      return;
    }
    // A repeated reference is not an error: the payment is already there, and is not counted twice.
    res.status(result.duplicate ? 200 : 201).json({ duplicate: result.duplicate, invoice: await stateView(result.state) });
  });

  return router;
}
