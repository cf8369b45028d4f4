import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import {
  type CreditNoteCommand,
  creditNoteUpdate,
  type DecisionCommand,
  disputeUpdate,
  invoiceStateQuery,
  type InvoiceSettings,
  type PaymentCommand,
  type PaymentFailureCommand,
  paymentFailureUpdate,
  type RefundCommand,
  refundUpdate,
  recordPaymentUpdate,
  resolveDisputeUpdate,
  submitUpdate,
} from '../../workflows/invoice/messages';
import type { Person } from '../domain/actor';
import type { Config } from '../config';
import { listAuditEvents, type TimelineEntry } from '../db/audit';
import type { Sql } from '../db/client';
import { type Customer, findCustomer } from '../db/customers';
import { type Delivery, findDelivery } from '../db/deliveries';
import { findDunningPolicy } from '../db/dunning-policies';
import { draftOf, findInvoice, type InvoiceFilter, type InvoiceRecord, listApprovals, listFees, listInvoices } from '../db/invoices';
import { invoiceCreditNotes } from '../db/credit-notes';
import { listPayments } from '../db/payments';
import { listRefunds } from '../db/refunds';
import {
  type ApprovalRecord,
  type CreditNoteRecord,
  createDraft,
  type DraftRequest,
  type FeeRecord,
  initialInvoiceState,
  type InvoiceFacts,
  type InvoiceState,
  type PaymentRecord,
  type RefundRecord,
} from '../domain/invoice';
import type { LineInput } from '../domain/lines';
import { AppError, asValidationError, ErrorCode, notFound, validationError } from '../errors';
import { couldBeRowId } from '../ids';
import { buildInvoiceDocument } from '../render/build-document';
import { renderInvoicePdf } from '../render/pdf';
import { startInvoiceWorkflow } from '../temporal/start-invoice';
import { invoiceWorkflowId } from '../temporal/workflow-ids';

/**
 * The invoice use cases, for every way in: the api, and later webhooks, billing runs, pages and the
 * command line. Each invoice is changed only by its workflow; this module starts it, sends it
 * commands, and reads what it stored. Errors are AppErrors (src/errors), whatever the caller.
 */
export interface InvoiceService {
  /** Drafts an invoice from validated input and starts its workflow; a repeated id answers with the invoice it made. */
  create(request: InvoiceRequest): Promise<InvoiceState>;
  /** Sends a command (an Update); a refusal is an AppError naming the field or the current status. */
  command<Ret, Arg>(id: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret>;
  /** Changes a draft (or one sent back for changes) and submits it for approval or issue. */
  submit(id: string, by: Person, changes: SubmitChanges): Promise<InvoiceState>;
  /** Records a payment once per reference, from a person or the system, against the current balance. */
  recordPayment(id: string, payment: PaymentCommand): Promise<PaymentOutcome>;
  /** Gives money back on a payment (through Stripe for a card payment Stripe took), once per reference or request key. */
  recordRefund(id: string, refund: RefundCommand): Promise<RefundOutcome>;
  /** Issues a credit note once per request key: it lowers the amount due, and beyond it adds to the customer's credit. */
  issueCreditNote(id: string, creditNote: CreditNoteRequest): Promise<CreditNoteOutcome>;
  /** A failed card payment on the timeline, once per reference (the invoice stays in dunning). */
  recordPaymentFailure(id: string, failure: PaymentFailureCommand): Promise<{ duplicate: boolean }>;
  /** A dispute opened by an operator or by Stripe (a chargeback, also on a paid invoice). */
  dispute(id: string, cmd: DecisionCommand): Promise<InvoiceFacts>;
  /** Closes a dispute; a chargeback that was lost first takes the money back (as a refund), so the invoice is due again. */
  resolveDispute(id: string, cmd: DisputeResolution): Promise<InvoiceFacts>;
  /** What PostgreSQL holds, else (just after creation) what the workflow says; null if neither knows it. */
  load(id: string): Promise<LoadedInvoice | null>;
  timeline(id: string): Promise<TimelineEntry[]>;
  list(filter: InvoiceFilter): Promise<InvoiceFacts[]>;
  /** The issued invoice as a PDF; 409 before it has a number. */
  pdf(id: string): Promise<{ number: string; pdf: Buffer }>;
}

/**
 * The lines as the caller gave them, resolved once the customer is known: prices are parsed in the
 * invoice's currency, and the customer's tax rate fills in a missing one.
 */
export type LinesFor = (currency: string, customer: Customer) => LineInput[];

export interface SubmitChanges {
  lines?: LinesFor;
  memo?: string | null;
  dueAt?: string | null;
}

export interface InvoiceRequest {
  id: string;
  customerId: string;
  /** The customer's currency when absent. */
  currency?: string;
  lines: LinesFor;
  pricesIncludeTax: boolean;
  dueAt: string | null;
  paymentTermsDays?: number;
  dunningPolicyId?: string;
  approval: DraftRequest['approval'];
  memo: string | null;
  createdBy: string;
  now: string;
}

/** The invoice's read model: its row and what hangs off it, as PostgreSQL holds them. */
export interface StoredInvoice {
  record: InvoiceRecord;
  approvals: ApprovalRecord[];
  payments: PaymentRecord[];
  refunds: RefundRecord[];
  creditNotes: CreditNoteRecord[];
  fees: FeeRecord[];
  delivery: Delivery | null;
  timeline: TimelineEntry[];
}

export interface LoadedInvoice {
  invoice: InvoiceFacts;
  timeline: TimelineEntry[];
  /** The customer's own page (/pay/<token>) once the invoice is issued; null before. */
  paymentUrl: string | null;
}

/** How a dispute ended; for a card payment's chargeback Stripe says whether it was won or lost, and what was taken back. */
export type DisputeResolution = DecisionCommand & {
  outcome?: 'won' | 'lost';
  /** A lost chargeback: the money the card network took back from a payment (reference: the dispute's id). */
  chargeback?: { reference: string; paymentReference: string; amountMinor: number };
};

/** A credit note by amount, or by lines resolved like an invoice's once its currency and customer are known. */
export type CreditNoteRequest = Omit<CreditNoteCommand, 'lines'> & { lines?: LinesFor };

export interface CreditNoteOutcome {
  /** The request key was used before: no second credit note was issued. */
  duplicate: boolean;
  number: string;
  invoice: InvoiceFacts;
}

export interface RefundOutcome {
  /** The reference or request was recorded before: nothing was refunded this time. */
  duplicate: boolean;
  /** The refund (the earlier one for a repeat; null when only the read model knew of it). */
  refund: RefundRecord | null;
  invoice: InvoiceFacts;
}

export interface PaymentOutcome {
  /** The reference was recorded before: nothing was paid this time. */
  duplicate: boolean;
  invoice: InvoiceFacts;
}

/** The stored read model as the invoice's facts (the same shape the workflow answers with). */
export function factsOf(stored: Pick<StoredInvoice, 'record' | 'approvals' | 'payments' | 'refunds' | 'creditNotes' | 'fees' | 'delivery'>): InvoiceFacts {
  const r = stored.record;
  return {
    draft: draftOf(r),
    status: r.status,
    number: r.number,
    issuedAt: r.issuedAt,
    dueAt: r.dueAt,
    amountPaidMinor: r.amountPaidMinor,
    dunningLevel: r.dunningLevel,
    approvals: stored.approvals,
    payments: stored.payments,
    refunds: stored.refunds,
    creditNotes: stored.creditNotes,
    creditedMinor: r.creditedMinor,
    fees: stored.fees,
    delivery: stored.delivery
      ? { status: stored.delivery.status, attempts: stored.delivery.attempts, lastError: stored.delivery.lastError, sentAt: stored.delivery.sentAt }
      : { status: 'pending', attempts: 0, lastError: null, sentAt: null },
    creditNoteNumber: r.creditNoteNumber,
  };
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** A workflow's refusal (an ApplicationFailure from an Update validator or handler) as an AppError. */
export function fromUpdateFailure(error: WorkflowUpdateFailedError): AppError {
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
  return new AppError({ code: ErrorCode.internal, message: 'the workflow failed the command', cause: error });
}

export function createInvoiceService(
  sql: Sql,
  client: Client,
  config: Pick<Config, 'temporal' | 'approval' | 'invoiceNumberPrefix' | 'publicBaseUrl' | 'mailFrom'>,
): InvoiceService {
  const settings: InvoiceSettings = { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix };
  const handleOf = (id: string) => client.workflow.getHandle(invoiceWorkflowId(id));
  const paymentUrlOf = (record: InvoiceRecord) => (record.number === null ? null : `${config.publicBaseUrl}/pay/${record.payToken}`);

  async function loadStored(id: string): Promise<StoredInvoice | null> {
    if (!couldBeRowId(id)) return null;
    const record = await findInvoice(sql, id);
    if (!record) return null;
    const [approvals, payments, refunds, creditNotes, fees, delivery, timeline] = await Promise.all([
      listApprovals(sql, id),
      listPayments(sql, id),
      listRefunds(sql, id),
      invoiceCreditNotes(sql, id),
      listFees(sql, id),
      findDelivery(sql, id, 'invoice'),
      listAuditEvents(sql, 'invoice', id),
    ]);
    return { record, approvals, payments, refunds, creditNotes, fees, delivery, timeline };
  }

  async function customerOf(record: InvoiceRecord): Promise<Customer> {
    const customer = await findCustomer(sql, record.customerId);
    if (!customer) throw new AppError({ code: ErrorCode.internal, message: `customer ${record.customerId} of invoice ${record.id} is missing` });
    return customer;
  }

  async function command<Ret, Arg>(id: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    if (!couldBeRowId(id)) throw notFound('invoice', id);
    try {
      return await handleOf(id).executeUpdate(update, { args: [arg] });
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

  async function recordRefund(id: string, refund: RefundCommand): Promise<RefundOutcome> {
    try {
      const { duplicate, refund: recorded, state } = await command(id, refundUpdate, refund);
      return { duplicate, refund: recorded, invoice: state };
    } catch (error) {
      // Stripe's repeat of a refund the invoice recorded before it took no more commands.
      const stored = refund.reference !== undefined && error instanceof AppError && error.code === ErrorCode.conflict ? await loadStored(id) : null;
      const recorded = stored?.refunds.find((r) => r.reference === refund.reference);
      if (stored && recorded) return { duplicate: true, refund: recorded, invoice: factsOf(stored) };
      throw error;
    }
  }

  return {
    async create(request) {
      const customer = await findCustomer(sql, request.customerId);
      if (!customer) throw validationError('customerId', `customer ${request.customerId} does not exist`);
      const currency = request.currency ?? customer.currency;
      const lines = request.lines(currency, customer);
      const policyId = request.dunningPolicyId ?? customer.dunningPolicyId ?? 'default';
      const policy = await findDunningPolicy(sql, policyId);
      if (!policy) throw validationError('dunningPolicyId', `dunning policy ${policyId} does not exist`);
      let draft;
      try {
        draft = createDraft(
          {
            customerId: customer.id,
            currency,
            lines,
            pricesIncludeTax: request.pricesIncludeTax,
            dueAt: request.dueAt,
            paymentTermsDays: request.paymentTermsDays ?? customer.paymentTermsDays,
            dunningPolicyId: policyId,
            approval: request.approval,
            memo: request.memo,
          },
          { id: request.id, createdBy: request.createdBy, now: request.now },
        );
      } catch (error) {
        throw asValidationError(error);
      }
      const started = await startInvoiceWorkflow(client, config.temporal.taskQueue, {
        draft,
        customer: { id: customer.id, name: customer.name, email: customer.email, locale: customer.locale, approval: customer.approval },
        policy,
        settings,
      });
      // Only an idempotent retry derives an existing id: answer with the invoice it created.
      return started ? initialInvoiceState(draft) : handleOf(draft.id).query(invoiceStateQuery);
    },

    command,

    async submit(id, by, changes) {
      const stored = await loadStored(id);
      if (!stored) throw notFound('invoice', id);
      const { record } = stored;
      const lines = changes.lines ? changes.lines(record.currency, await customerOf(record)) : undefined;
      return command(id, submitUpdate, {
        ...by,
        ...(lines ? { lines } : {}),
        ...(changes.memo !== undefined ? { memo: changes.memo } : {}),
        ...(changes.dueAt !== undefined ? { dueAt: changes.dueAt } : {}),
      });
    },

    async recordPayment(id, payment) {
      try {
        const { duplicate, state } = await command(id, recordPaymentUpdate, payment);
        return { duplicate, invoice: state };
      } catch (error) {
        // A retry of the payment that closed the invoice gets the repeat answer, not a conflict.
        const stored = error instanceof AppError && error.code === ErrorCode.conflict ? await loadStored(id) : null;
        if (stored?.payments.some((p) => p.reference === payment.reference)) return { duplicate: true, invoice: factsOf(stored) };
        throw error;
      }
    },

    recordRefund,

    async issueCreditNote(id, { lines, ...rest }) {
      let resolved: LineInput[] | undefined;
      if (lines) {
        const stored = await loadStored(id);
        if (!stored) throw notFound('invoice', id);
        resolved = lines(stored.record.currency, await customerOf(stored.record));
      }
      const { duplicate, number, state } = await command(id, creditNoteUpdate, { ...rest, ...(resolved ? { lines: resolved } : {}) });
      return { duplicate, number, invoice: state };
    },

    recordPaymentFailure: (id, failure) => command(id, paymentFailureUpdate, failure),

    dispute: (id, cmd) => command(id, disputeUpdate, cmd),

    async resolveDispute(id, { outcome, chargeback, ...cmd }) {
      if (outcome === 'lost' && chargeback) {
        const { principal } = cmd;
        const actor = 'system' in cmd ? { principal: cmd.principal, system: cmd.system } : { principal, role: cmd.role };
        await recordRefund(id, { ...actor, ...chargeback, reason: `dispute lost: ${cmd.reason ?? ''}`.trim() });
      }
      return command(id, resolveDisputeUpdate, cmd);
    },

    async load(id) {
      const stored = await loadStored(id);
      if (stored) return { invoice: factsOf(stored), timeline: stored.timeline, paymentUrl: paymentUrlOf(stored.record) };
      if (!couldBeRowId(id)) return null;
      // The workflow exists before its first activity has written the read model.
      try {
        return { invoice: await handleOf(id).query(invoiceStateQuery), timeline: [], paymentUrl: null };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
    },

    timeline: (id) => listAuditEvents(sql, 'invoice', id),

    list: async (filter) =>
      (await listInvoices(sql, filter)).map(({ delivery, ...record }) => factsOf({ record, approvals: [], payments: [], refunds: [], creditNotes: [], fees: [], delivery })),

    async pdf(id) {
      const stored = await loadStored(id);
      if (!stored) throw notFound('invoice', id);
      const r = stored.record;
      if (r.number === null) {
        throw new AppError({ code: ErrorCode.conflict, message: `the invoice is ${r.status}: it has a PDF once it is issued`, extra: { status: r.status } });
      }
      const customer = await findCustomer(sql, r.customerId);
      const document = buildInvoiceDocument(factsOf(stored), { name: customer?.name ?? '', email: customer?.email ?? '', locale: customer?.locale ?? 'en' }, config);
      return { number: r.number, pdf: await renderInvoicePdf(document) };
    },
  };
}
