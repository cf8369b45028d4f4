import { allHandlersFinished, condition, continueAsNew, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { initialInvoiceState, type InvoiceState, isTerminal } from '../../src/domain/invoice';
import { SETTLEMENT_WINDOW_MS, withSettlementDefaults } from '../../src/domain/settlement';
import { Approval } from './approval';
import { activityFailure } from '../activity-failure';
import { db, InvoiceContext, localMail, mail } from './context';
import { issueNow } from './issue';
import { acceptCorrections } from './corrections';
import { runDunning } from './dunning';
import { legacyInvoiceWorkflow } from './legacy-v1';
import { INVOICE_REVISION, invoiceStateQuery, type InvoiceWorkflowInput } from './messages';
import { acceptPayments } from './payments';
import { acceptSettlements } from './settlement';

/**
 * Invoices started before commands were applied one at a time and stored before they change the
 * state run the code they started with (legacy-v1.ts); their histories have no marker of this patch.
 * Invoices started with a revision (messages.ts) never ask.
 */
const SERIALISED_COMMANDS_PATCH = 'serialised-commands';

/**
 * One invoice, from draft to a final state. Workflow id: `invoice:<invoiceId>`.
 *
 * draft → approval → issued with a gapless number → emailed → open → overdue → reminders … until
 * paid, void or uncollectible. Commands arrive as Updates: validators refuse what the current state
 * does not allow, and each accepted command is stored before it changes the state.
 */
export async function invoiceWorkflow(input: InvoiceWorkflowInput): Promise<InvoiceState> {
  if (input.revision === undefined && !patched(SERIALISED_COMMANDS_PATCH)) return legacyInvoiceWorkflow(input);
  const { customer, policy, settings } = input;
  const start = withSettlementDefaults(input.resume ?? initialInvoiceState(input.draft));
  const invoice = new InvoiceContext(start, customer, policy, settings, input.revision ?? 0);
  setHandler(invoiceStateQuery, () => invoice.state);
  const approval = new Approval(invoice);
  acceptPayments(invoice);
  acceptCorrections(invoice);
  acceptSettlements(invoice);

  if (!input.resume) await recordDraft(invoice);
  if (invoice.state.number === null && (await approval.run())) await issue(invoice);
  if (invoice.state.number !== null && invoice.state.delivery.status === 'pending' && !invoice.isVoid()) await send(invoice);
  if (invoice.state.number !== null) {
    await followUntilSettled(invoice, async () => {
      if (!workflowInfo().continueAsNewSuggested) return;
      await condition(allHandlersFinished);
      log.info('continuing as new', { invoiceId: invoice.invoiceId, historyLength: workflowInfo().historyLength });
      // A new run has no history to replay: it takes up the current revision.
      await continueAsNew<typeof invoiceWorkflow>({ draft: invoice.state.draft, customer, policy, settings, resume: invoice.state, revision: INVOICE_REVISION });
    });
  }
  await condition(allHandlersFinished);
  return invoice.state;
}

/**
 * An issued invoice: dunning until it is paid, void or uncollectible. From revision 4 a paid invoice
 * then waits out the settlement window (renewed by every change) for refunds, credit notes and
 * chargebacks; a refund or a lost dispute that makes it due again sends it back to dunning.
 */
async function followUntilSettled(invoice: InvoiceContext, checkpoint: () => Promise<void>): Promise<void> {
  const { state } = invoice;
  for (;;) {
    if (!isTerminal(state.status)) await runDunning(invoice, checkpoint);
    if (invoice.revision < 4 || state.status !== 'paid') return;
    const version = state.version;
    if (!(await condition(() => state.version !== version, SETTLEMENT_WINDOW_MS))) return;
    await condition(allHandlersFinished);
    await checkpoint();
  }
}

async function recordDraft(invoice: InvoiceContext): Promise<void> {
  await invoice.lock.run(async () => {
    // A billing run's invoice was stored with its charges claimed before its workflow started.
    if (!(invoice.revised && invoice.state.draft.billingRunId)) await db.recordDraftInvoice(invoice.state.draft);
    invoice.publish();
  });
}

/** Issues an invoice approved by policy or by a person's decision stored alone (before revision 3). */
async function issue(invoice: InvoiceContext): Promise<void> {
  await invoice.lock.run(async () => {
    // From revision 3 a person's approval issued it as it was stored (approval.ts).
    if (invoice.isVoid() || invoice.state.number !== null) return;
    await issueNow(invoice);
  });
}

/** The email with the PDF, once the invoice has its number. */
async function send(invoice: InvoiceContext): Promise<void> {
  const { state, customer } = invoice;
  // After a person's approval the email is an ordinary activity: the approver's answer goes out with
  // this workflow task and must not wait for the PDF and SMTP. Approved by policy, nobody waits.
  const byPolicy = state.approvals[state.approvals.length - 1]?.decision === 'auto_approved';
  const mailer = invoice.revised && byPolicy ? localMail : mail;
  // From revision 3 the activity stores the delivery with its timeline event, in one transaction.
  const recordsItself = invoice.revision >= 3;
  try {
    const sent = await mailer.sendInvoiceEmail({ state, customer, ...(recordsItself ? { timeline: true } : {}) });
    const delivery = { status: 'sent', attempts: sent.attempts, lastError: null, sentAt: sent.sentAt } as const;
    await invoice.lock.run(async () => {
      if (recordsItself) invoice.apply({ delivery });
      else await invoice.commit({ delivery }, { type: 'sent', actor: 'system', detail: { to: customer.email, messageId: sent.messageId } });
    });
  } catch (error) {
    const failure = activityFailure(error);
    if (!failure) throw error;
    const message = failure.message;
    await invoice.lock.run(async () => {
      await invoice.store(() => db.markDeliveryFailed({ invoiceId: invoice.invoiceId, step: 'invoice', error: message }));
      await invoice.commit({ delivery: { ...state.delivery, status: 'failed', lastError: message } }, { type: 'delivery_failed', actor: 'system', detail: { to: customer.email, error: message } });
    });
  }
}
