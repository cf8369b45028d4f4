import type { UpdateDefinition } from '@temporalio/common';
import { Router } from 'express';
import type { z } from 'zod';
import {
  approveUpdate,
  type DecisionCommand,
  disputeUpdate,
  rejectUpdate,
  requestChangesUpdate,
  resolveDisputeUpdate,
  voidUpdate,
  writeOffUpdate,
} from '../../../workflows/invoice/messages';
import type { Role } from '../../domain/actor';
import type { InvoiceFacts, InvoiceState } from '../../domain/invoice';
import { AppError, ErrorCode, notFound } from '../../errors';
import { idFromSeed, newId } from '../../ids';
import type { Sql } from '../../db/client';
import { findCreditNote } from '../../db/credit-notes';
import type { InvoiceService } from '../../services/invoices';
import { callerOf, personOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { parseInput } from '../validation';
import {
  commentBody,
  createInvoiceBody,
  creditNoteBody,
  listQuery,
  paymentBody,
  reasonBody,
  refundBody,
  resolutionBody,
  submitBody,
  toLineInputs,
} from './schemas';
import { creditNoteDetailView } from '../credit-notes/views';
import { invoiceSummaryView, invoiceView, refundView } from './views';

const isoOrNull = (value: string | null | undefined): string | null | undefined =>
  value === undefined ? undefined : value === null ? null : new Date(value).toISOString();

/** Invoices over HTTP: parse, authorise, call the invoice service, answer with a view. */
export function invoiceRoutes({ sql, invoices }: { sql: Sql; invoices: InvoiceService }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  /** An invoice just changed by a command, with its timeline as stored so far. */
  const viewNow = async (invoice: InvoiceFacts) => invoiceView(invoice, await invoices.timeline(invoice.draft.id));

  router.post('/invoices', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createInvoiceBody, req.body);
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      const state = await invoices.create({
        id: seed ? idFromSeed('inv', seed) : newId('inv'),
        customerId: body.customerId,
        currency: body.currency,
        lines: (currency, customer) => toLineInputs(body.lines, currency, customer.taxRateBps ?? 0),
        pricesIncludeTax: body.pricesIncludeTax,
        dueAt: isoOrNull(body.dueAt) ?? null,
        paymentTermsDays: body.paymentTermsDays,
        dunningPolicyId: body.dunningPolicyId,
        approval: body.approval ?? 'policy',
        memo: body.memo ?? null,
        createdBy: caller.principal,
        now: new Date().toISOString(),
      });
      return { status: 201, body: invoiceView(state, []) };
    });
    res.status(created.status).location(`/invoices/${(created.body as { id: string }).id}`).json(created.body);
  });

  router.get('/invoices/:id', requireRole(...READERS), async (req, res) => {
    const id = req.params.id as string;
    const loaded = await invoices.load(id);
    if (!loaded) throw notFound('invoice', id);
    res.json(invoiceView(loaded.invoice, loaded.timeline, loaded.paymentUrl));
  });

  router.get('/invoices/:id/pdf', requireRole(...READERS), async (req, res) => {
    const { number, pdf } = await invoices.pdf(req.params.id as string);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${number}.pdf"`).send(pdf);
  });

  router.get('/invoices', requireRole(...READERS), async (req, res) => {
    const query = parseInput(listQuery, req.query);
    const rows = await invoices.list({
      status: query.status ?? null,
      customerId: query.customerId ?? null,
      limit: query.limit,
      after: decodeCursor(query.cursor),
    });
    const keyed = rows.map((invoice) => ({ id: invoice.draft.id, createdAt: invoice.draft.createdAt, invoice }));
    res.json(page(keyed, query.limit, (row) => invoiceSummaryView(row.invoice)));
  });

  /** A command that takes a reason (or a comment) and answers with the invoice's new state. */
  function decisionRoute<B>(path: string, role: Role, update: UpdateDefinition<InvoiceState, [DecisionCommand]>, schema: z.ZodType<B>, reasonOf: (body: B) => string | null) {
    router.post(`/invoices/:id/${path}`, requireRole(role), async (req, res) => {
      const body = parseInput(schema, req.body);
      res.json(await viewNow(await invoices.command(req.params.id as string, update, { ...personOf(res), reason: reasonOf(body) })));
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
    const { lines } = body;
    const state = await invoices.submit(id, personOf(res), {
      ...(lines ? { lines: (currency, customer) => toLineInputs(lines, currency, customer.taxRateBps ?? 0) } : {}),
      ...(body.memo !== undefined ? { memo: body.memo } : {}),
      ...(body.dueAt !== undefined ? { dueAt: isoOrNull(body.dueAt) ?? null } : {}),
    });
    res.json(await viewNow(state));
  });

  router.post('/invoices/:id/payments', requireRole('operator'), async (req, res) => {
    const body = parseInput(paymentBody, req.body);
    const outcome = await invoices.recordPayment(req.params.id as string, {
      ...personOf(res),
      amountMinor: body.amountMinor,
      method: body.method,
      reference: body.reference,
      receivedAt: isoOrNull(body.receivedAt) ?? new Date().toISOString(),
    });
    // A repeated reference is not an error: the payment is already there, and is not counted twice.
    res.status(outcome.duplicate ? 200 : 201).json({ duplicate: outcome.duplicate, invoice: await viewNow(outcome.invoice) });
  });

  router.post('/invoices/:id/refunds', requireRole('operator'), async (req, res) => {
    const body = parseInput(refundBody, req.body);
    const caller = callerOf(res);
    const answer = await withIdempotency(sql, req, caller, async (seed) => {
      const outcome = await invoices.recordRefund(req.params.id as string, {
        ...personOf(res),
        amountMinor: body.amountMinor,
        reason: body.reason,
        ...(body.paymentReference !== undefined ? { paymentReference: body.paymentReference } : {}),
        // The same Idempotency-Key is the same refund, at Stripe too.
        requestKey: seed ? idFromSeed('rf', seed) : newId('rf'),
      });
      const refund = outcome.refund ? refundView(outcome.refund) : null;
      return { status: outcome.duplicate ? 200 : 201, body: { duplicate: outcome.duplicate, refund, invoice: await viewNow(outcome.invoice) } };
    });
    res.status(answer.status).json(answer.body);
  });

  router.post('/invoices/:id/credit-notes', requireRole('operator'), async (req, res) => {
    const body = parseInput(creditNoteBody, req.body);
    const caller = callerOf(res);
    const { lines } = body;
    const answer = await withIdempotency(sql, req, caller, async (seed) => {
      const outcome = await invoices.issueCreditNote(req.params.id as string, {
        ...personOf(res),
        reason: body.reason,
        ...(body.amountMinor !== undefined ? { amountMinor: body.amountMinor } : {}),
        ...(lines ? { lines: (currency, customer) => toLineInputs(lines, currency, customer.taxRateBps ?? 0) } : {}),
        requestKey: seed ? idFromSeed('cn', seed) : newId('cn'),
      });
      // The same view as GET /credit-notes/:id, with the invoice it changed.
      const note = await findCreditNote(sql, outcome.number);
      if (!note) throw new AppError({ code: ErrorCode.internal, message: `credit note ${outcome.number} was issued but is not stored` });
      return { status: outcome.duplicate ? 200 : 201, body: { ...creditNoteDetailView(note), invoice: await viewNow(outcome.invoice) } };
    });
    res.status(answer.status).location(`/credit-notes/${(answer.body as { number: string }).number}`).json(answer.body);
  });

  return router;
}
