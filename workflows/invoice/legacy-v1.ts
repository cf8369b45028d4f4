import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ErrorCode } from '../../src/errors';
import type { Person as Actor, Role } from '../../src/domain/actor';
import type { InvoiceEventType } from '../../src/domain/audit';
import type { CustomerApproval } from '../../src/domain/customer';
import { parseIsoDuration } from '../../src/domain/duration';
import { lateFeeMinor, scheduleDunning, type ScheduledStep } from '../../src/domain/dunning';
import {
  allowedStatuses,
  amountDueMinor,
  type ApprovalDecisionKind,
  initialInvoiceState,
  type InvoiceCommand,
  type InvoiceState,
  type InvoiceStatus,
  isAllowed,
  isTerminal,
  overpaidMinor,
  type PaymentRecord,
  reviseDraft,
} from '../../src/domain/invoice';
import { priceLines } from '../../src/domain/lines';
import {
  AmountDueMinorKey,
  CustomerIdKey,
  DueAtKey,
  DunningLevelKey,
  InvoiceNumberKey,
  InvoiceStatusKey,
} from '../../src/temporal/search-attributes';
import { dbActivity, emailActivity } from '../activity-options';
import {
  approveUpdate,
  type DecisionCommand,
  disputeUpdate,
  invoiceStateQuery,
  type LegacyInvoiceWorkflowInput as InvoiceWorkflowInput,
  type PaymentCommand,
  recordPaymentUpdate,
  rejectUpdate,
  requestChangesUpdate,
  resolveDisputeUpdate,
  type SubmitCommand,
  submitUpdate,
  voidUpdate,
  writeOffUpdate,
} from './messages';

/*
 * FROZEN: the invoice workflow as it ran before commands were serialised and stored before they
 * change state (workflows/invoice/workflow.ts). Invoices started before that change replay and run
 * through this code, because their histories hold its commands in its order; invoiceWorkflow picks
 * it with patched(). Change nothing here: a change would break those running invoices. Delete the
 * file once none is left (Web UI: invoices started before the patch have no
 * "serialised-commands" marker; in practice, once every invoice older than the deploy has closed).
 */

const db = proxyActivities<Activities>(dbActivity);
const mail = proxyActivities<Activities>(emailActivity);

/**
 * Invoices started before approval, issue and dunning existed only record their draft; their
 * histories replay through the old path (test/replay keeps one).
 */
const LIFECYCLE_PATCH = 'invoice-lifecycle';

const APPROVER_ROLES: readonly Role[] = ['approver', 'admin'];
const OPERATOR_ROLES: readonly Role[] = ['operator', 'admin'];

/** Refuses a command: the api maps the type to its HTTP status (403, 409, 400). */
function refuse(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true, details: details ? [details] : [] });
}

const nowIso = (): string => new Date().toISOString();


/**
 * One invoice, from draft to a final state. Workflow id: `invoice:<invoiceId>`.
 *
 * draft → (approval) → issued with a gapless number → emailed → open → overdue → reminders …
 * until paid, void or uncollectible. Commands arrive as Updates whose validators refuse what the
 * current state does not allow, so callers get the new state or a clear refusal.
 */
export async function legacyInvoiceWorkflow(input: InvoiceWorkflowInput): Promise<InvoiceState> {
  const state = input.resume ?? initialInvoiceState(input.draft);
  const invoiceId = state.draft.id;
  setHandler(invoiceStateQuery, () => state);

  if (!input.resume) {
    await db.recordDraftInvoice(input.draft);
    publishSearchAttributes(state);
  }
  if (!patched(LIFECYCLE_PATCH)) {
    await condition(() => isTerminal(state.status));
    return state;
  }
  const { customer, policy, settings } = requireLifecycleInput(input);
  let submittedAt = state.draft.createdAt;

  /** Records a change: new version, search attributes, then the read model and audit trail. */
  async function record(type: InvoiceEventType, actor: string, detail: Record<string, unknown> = {}, status: InvoiceStatus = state.status): Promise<void> {
    state.status = status;
    state.version += 1;
    publishSearchAttributes(state);
    await db.recordInvoiceChange({
      snapshot: {
        invoiceId,
        version: state.version,
        status: state.status,
        amountPaidMinor: state.amountPaidMinor,
        dunningLevel: state.dunningLevel,
        dueAt: state.dueAt,
        creditNoteNumber: state.creditNoteNumber,
        at: nowIso(),
      },
      event: { type, actor, detail },
    });
  }

  // ---- commands -------------------------------------------------------------------------------
  let decision: ApprovalDecisionKind | null = null;
  let submitted = false;
  const pendingReferences = new Set<string>();

  function assertCommand(command: InvoiceCommand, actor: Actor, roles: readonly Role[]): void {
    if (!roles.includes(actor.role)) refuse('forbidden', `role "${actor.role}" may not ${command} an invoice`);
    if (!isAllowed(command, state.status)) {
      refuse('conflict', `cannot ${command} an invoice that is ${state.status} (allowed when ${allowedStatuses(command).join(', ')})`, {
        status: state.status,
      });
    }
  }

  async function decide(kind: ApprovalDecisionKind, cmd: DecisionCommand): Promise<InvoiceState> {
    const approval = { principal: cmd.principal, decision: kind, at: nowIso(), reason: cmd.reason ?? null };
    state.approvals.push(approval);
    decision = kind;
    await db.recordApproval({ invoiceId, seq: state.approvals.length - 1, approval });
    // Answer once the workflow has acted on the decision (issued, rejected or back to draft).
    await condition(() => state.status !== 'pending_approval' || state.number !== null);
    return state;
  }

  const approvalValidator = (command: InvoiceCommand) => (cmd: DecisionCommand) => {
    assertCommand(command, cmd as Actor, APPROVER_ROLES);
    if (command === 'approve' && cmd.principal === state.draft.createdBy) {
      refuse('forbidden', `${cmd.principal} created this invoice and may not approve it`);
    }
    if (command !== 'approve' && !cmd.reason?.trim()) refuse('validation_failed', 'a reason is required', { path: 'reason' });
  };
  setHandler(approveUpdate, (cmd) => decide('approved', cmd), { validator: approvalValidator('approve') });
  setHandler(rejectUpdate, (cmd) => decide('rejected', cmd), { validator: approvalValidator('reject') });
  setHandler(requestChangesUpdate, (cmd) => decide('changes_requested', cmd), { validator: approvalValidator('requestChanges') });

  setHandler(
    submitUpdate,
    async (cmd) => {
      const revised = reviseDraft(state.draft, cmd);
      state.draft = revised;
      state.dueAt = revised.dueAt;
      submitted = true;
      state.version += 1;
      await db.reviseDraft({ draft: revised, version: state.version });
      await condition(() => state.status !== 'draft');
      return state;
    },
    {
      validator: (cmd: SubmitCommand) => {
        assertCommand('submit', cmd, OPERATOR_ROLES);
        if (cmd.lines) priceLines(cmd.lines, state.draft.pricesIncludeTax);
      },
    },
  );

  setHandler(
    recordPaymentUpdate,
    async (cmd) => {
      if (pendingReferences.has(cmd.reference) || state.payments.some((p) => p.reference === cmd.reference)) {
        return { duplicate: true, state };
      }
      pendingReferences.add(cmd.reference);
      const overpaidBefore = overpaidMinor(state);
      const payment: PaymentRecord = {
        reference: cmd.reference,
        amountMinor: cmd.amountMinor,
        // This code counted an over-payment as paid on the invoice as well as credit.
        appliedMinor: cmd.amountMinor,
        creditMinor: 0,
        method: cmd.method,
        receivedAt: cmd.receivedAt,
        recordedBy: cmd.principal,
        recordedAt: nowIso(),
      };
      state.payments.push(payment);
      state.amountPaidMinor += cmd.amountMinor;
      const paidInFull = amountDueMinor(state) === 0;
      await db.recordPayment({ invoiceId, currency: state.draft.currency, payment });
      const credit = overpaidMinor(state) - overpaidBefore;
      if (credit > 0) {
        await db.addCustomerCredit({
          key: `overpayment:${invoiceId}:${cmd.reference}`,
          customerId: customer.id,
          invoiceId,
          amountMinor: credit,
          currency: state.draft.currency,
          at: payment.recordedAt,
        });
      }
      const detail = { reference: cmd.reference, amountMinor: cmd.amountMinor, method: cmd.method, creditMinor: credit };
      if (paidInFull && !isTerminal(state.status)) await record('paid', cmd.principal, detail, 'paid');
      else await record('payment_received', cmd.principal, detail);
      return { duplicate: false, state };
    },
    {
      validator: (cmd: PaymentCommand) => {
        if (pendingReferences.has(cmd.reference) || state.payments.some((p) => p.reference === cmd.reference)) return;
        // Invoices this old take payments from people only: a system actor has no role, and is refused.
        assertCommand('recordPayment', cmd as Actor, OPERATOR_ROLES);
        if (!Number.isSafeInteger(cmd.amountMinor) || cmd.amountMinor <= 0) {
          refuse('validation_failed', 'amountMinor must be a positive whole number of minor units', { path: 'amountMinor' });
        }
      },
    },
  );

  setHandler(
    voidUpdate,
    async (cmd) => {
      const reason = cmd.reason ?? '';
      state.status = 'void';
      if (state.number !== null) {
        state.creditNoteNumber = await db.issueCreditNote({
          invoiceId,
          amountMinor: state.draft.totalMinor,
          currency: state.draft.currency,
          reason,
          issuedBy: cmd.principal,
          issuedAt: nowIso(),
        });
      }
      if (state.amountPaidMinor > 0) {
        // Money received on a voided invoice is not kept: it becomes the customer's credit.
        await db.addCustomerCredit({
          key: `void:${invoiceId}`,
          customerId: customer.id,
          invoiceId,
          amountMinor: state.amountPaidMinor,
          currency: state.draft.currency,
          at: nowIso(),
        });
      }
      await record('voided', cmd.principal, { reason, creditNoteNumber: state.creditNoteNumber });
      return state;
    },
    { validator: (cmd: DecisionCommand) => assertReasoned('void', cmd, OPERATOR_ROLES) },
  );

  setHandler(
    disputeUpdate,
    async (cmd) => {
      state.disputedFrom = state.status;
      state.dunning.pausedAt = nowIso();
      await record('disputed', cmd.principal, { reason: cmd.reason }, 'disputed');
      return state;
    },
    { validator: (cmd: DecisionCommand) => assertReasoned('dispute', cmd, OPERATOR_ROLES) },
  );

  setHandler(
    resolveDisputeUpdate,
    async (cmd) => {
      const now = Date.now();
      if (state.dunning.pausedAt) state.dunning.pausedMs += now - Date.parse(state.dunning.pausedAt);
      state.dunning.pausedAt = null;
      const back: InvoiceStatus = state.dueAt && Date.parse(state.dueAt) <= now ? 'overdue' : 'open';
      state.disputedFrom = null;
      await record('dispute_resolved', cmd.principal, { resolution: cmd.reason }, back);
      return state;
    },
    { validator: (cmd: DecisionCommand) => assertReasoned('resolveDispute', cmd, OPERATOR_ROLES) },
  );

  setHandler(
    writeOffUpdate,
    async (cmd) => {
      await record('written_off', cmd.principal, { reason: cmd.reason, amountDueMinor: amountDueMinor(state) }, 'uncollectible');
      return state;
    },
    { validator: (cmd: DecisionCommand) => assertReasoned('writeOff', cmd, OPERATOR_ROLES) },
  );

  function assertReasoned(command: InvoiceCommand, cmd: DecisionCommand, roles: readonly Role[]): void {
    // These invoices predate system actors: a system's command has no role and is refused.
    assertCommand(command, cmd as Actor, roles);
    if (!cmd.reason?.trim()) refuse('validation_failed', 'a reason is required', { path: command === 'resolveDispute' ? 'resolution' : 'reason' });
  }

  // ---- the process ----------------------------------------------------------------------------
  if (state.number === null) {
    const approved = await approval();
    if (approved) await issueAndSend();
  }
  if (!isTerminal(state.status) && state.number !== null) await dunning();
  await condition(allHandlersFinished);
  return state;

  /** A function, not an inline comparison: handlers change the status while this code awaits. */
  function voided(): boolean {
    return state.status === 'void';
  }

  /** Until approved (true), or rejected or voided (false). Never approves by itself. */
  async function approval(): Promise<boolean> {
    for (;;) {
      const rule = decideApproval({
        invoice: state.draft.approval,
        customer: customer.approval,
        totalMinor: state.draft.totalMinor,
        currency: state.draft.currency,
      });
      if (!rule.required) {
        const approval = { principal: 'system', decision: 'auto_approved' as const, at: nowIso(), reason: rule.reason };
        state.approvals.push(approval);
        await db.recordApproval({ invoiceId, seq: state.approvals.length - 1, approval });
        return true;
      }
      decision = null;
      submittedAt = nowIso();
      await record('submitted', state.draft.createdBy, { reason: rule.reason }, 'pending_approval');
      await notifyApprovers('request');
      const escalateAfter = parseIsoDuration(settings.approvalEscalationAfter);
      if (!(await condition(() => decision !== null || voided(), escalateAfter))) {
        state.approvalEscalatedAt = nowIso();
        await record('approval_escalated', 'system', { after: settings.approvalEscalationAfter });
        await notifyApprovers('escalation');
        await condition(() => decision !== null || voided());
      }
      if (voided()) return false;
      const last = state.approvals[state.approvals.length - 1];
      const by = last?.principal ?? 'unknown';
      if (decision === 'approved') return true;
      if (decision === 'rejected') {
        await record('rejected', by, { reason: last?.reason }, 'rejected');
        return false;
      }
      submitted = false;
      await record('changes_requested', by, { reason: last?.reason }, 'draft');
      await condition(() => submitted || voided());
      if (voided()) return false;
    }
  }

  async function notifyApprovers(kind: 'request' | 'escalation'): Promise<void> {
    try {
      await mail.notifyApprovers({ state, customer, kind, waitingSince: submittedAt });
    } catch (error) {
      // A lost notification must not block the invoice; it is on the timeline for people to see.
      if (!(error instanceof ActivityFailure)) throw error;
      await record('notification_failed', 'system', { kind, error: error.cause?.message ?? error.message });
    }
  }

  async function issueAndSend(): Promise<void> {
    const issuedAt = nowIso();
    const dueAt = state.draft.dueAt ?? new Date(Date.parse(issuedAt) + state.draft.paymentTermsDays * 86_400_000).toISOString();
    state.number = await db.issueInvoice({ invoiceId, issuedAt, dueAt, prefix: settings.numberPrefix });
    state.issuedAt = issuedAt;
    state.dueAt = dueAt;
    const approver = state.approvals[state.approvals.length - 1]?.principal ?? 'system';
    await record('issued', approver, { number: state.number, dueAt }, 'open');
    try {
      const sent = await mail.sendInvoiceEmail({ state, customer });
      state.delivery = { status: 'sent', attempts: sent.attempts, lastError: null, sentAt: sent.sentAt };
      await record('sent', 'system', { to: customer.email, messageId: sent.messageId });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const message = error.cause?.message ?? error.message;
      state.delivery = { ...state.delivery, status: 'failed', lastError: message };
      await db.markDeliveryFailed({ invoiceId, step: 'invoice', error: message });
      await record('delivery_failed', 'system', { to: customer.email, error: message });
    }
  }

  /** Due date and reminder steps on durable timers, until the invoice reaches a final state. */
  async function dunning(): Promise<void> {
    const dueAtMs = Date.parse(state.dueAt as string);
    const steps = scheduleDunning(policy, dueAtMs);
    const at = (step: ScheduledStep) => step.at + state.dunning.pausedMs;
    // Steps whose time had passed before the invoice was issued are skipped, not sent late.
    const issuedMs = Date.parse(state.issuedAt as string);
    for (let step = steps[state.dunning.nextStep]; step && at(step) < issuedMs; step = steps[state.dunning.nextStep]) {
      state.dunning.nextStep += 1;
    }

    while (!isTerminal(state.status)) {
      if (state.status === 'disputed') {
        await condition(() => state.status !== 'disputed');
        continue;
      }
      const step = steps[state.dunning.nextStep];
      const dueEvent = state.status === 'open' ? dueAtMs : Infinity;
      const stepEvent = step ? at(step) : Infinity;
      const nextAt = Math.min(dueEvent, stepEvent);
      const version = state.version;
      if (nextAt === Infinity) {
        await condition(() => state.version !== version);
        continue;
      }
      if (nextAt > Date.now()) {
        // Any change (a payment, a dispute, a void) wakes the loop at once to look again.
        if (await condition(() => state.version !== version, nextAt - Date.now())) continue;
      }
      if (state.status === 'open' && dueAtMs <= Date.now()) {
        await record('overdue', 'system', { dueAt: state.dueAt, amountDueMinor: amountDueMinor(state) }, 'overdue');
      } else if (step && at(step) <= Date.now()) {
        await remind(step);
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        log.info('continuing as new', { invoiceId, historyLength: workflowInfo().historyLength });
        await continueAsNew<(input: InvoiceWorkflowInput) => Promise<InvoiceState>>({ draft: state.draft, customer, policy, settings, resume: state });
      }
    }
  }

  async function remind(step: ScheduledStep): Promise<void> {
    const fee = lateFeeMinor(step.lateFee, amountDueMinor(state));
    if (fee > 0) {
      const record = { step: step.index, amountMinor: fee, at: nowIso() };
      state.fees.push(record);
      await db.recordLateFee({ invoiceId, fee: record });
    }
    state.dunning.nextStep = step.index + 1;
    try {
      await mail.sendReminder({ state, customer, step: { index: step.index, template: step.template } });
      state.dunningLevel += 1;
      await record('reminder_sent', 'system', { step: step.index, template: step.template, lateFeeMinor: fee, amountDueMinor: amountDueMinor(state) });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await record('reminder_failed', 'system', { step: step.index, template: step.template, error: error.cause?.message ?? error.message });
    }
  }
}

/** The approval rule of this code, where "auto" waived approval (now it follows the customer's rule). */
function decideApproval(args: { invoice: string; customer: CustomerApproval; totalMinor: number; currency: string }): { required: boolean; reason: string } {
  if (args.customer === 'always') return { required: true, reason: 'the customer requires approval of every invoice' };
  if (args.invoice === 'required') return { required: true, reason: 'approval was requested for this invoice' };
  if (args.invoice === 'auto') return { required: false, reason: 'approval was waived for this invoice' };
  if (args.customer === 'never') return { required: false, reason: 'the customer needs no approval' };
  const threshold = LEGACY_THRESHOLDS_MINOR[args.currency];
  if (threshold === undefined) return { required: true, reason: `no auto-approval threshold for ${args.currency}` };
  return args.totalMinor > threshold
    ? { required: true, reason: `total above the ${args.currency} auto-approval threshold` }
    : { required: false, reason: `total within the ${args.currency} auto-approval threshold` };
}

const LEGACY_THRESHOLDS_MINOR: Readonly<Record<string, number>> = { EUR: 500_000, USD: 500_000, GBP: 400_000, CHF: 500_000, JPY: 750_000, KWD: 1_500_000 };

function requireLifecycleInput(input: InvoiceWorkflowInput): Required<Pick<InvoiceWorkflowInput, 'customer' | 'policy' | 'settings'>> {
  const { customer, policy, settings } = input;
  if (!customer || !policy || !settings) throw ApplicationFailure.nonRetryable('invoiceWorkflow needs customer, policy and settings');
  return { customer, policy, settings };
}

/** Keeps the Web UI's view of the invoice current; called at every transition. */
function publishSearchAttributes(state: InvoiceState): void {
  upsertSearchAttributes([
    { key: InvoiceStatusKey, value: state.status },
    { key: CustomerIdKey, value: state.draft.customerId },
    { key: AmountDueMinorKey, value: amountDueMinor(state) },
    { key: DunningLevelKey, value: state.dunningLevel },
    ...(state.number ? [{ key: InvoiceNumberKey, value: state.number }] : []),
    ...(state.dueAt ? [{ key: DueAtKey, value: new Date(state.dueAt) }] : []),
  ]);
}
