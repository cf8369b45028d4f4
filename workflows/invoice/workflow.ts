import { allHandlersFinished, condition, continueAsNew, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { amountDueMinor, initialInvoiceState, type InvoiceState, isTerminal } from '../../src/domain/invoice';
import { Approval } from './approval';
import { activityFailure } from '../activity-failure';
import { db, InvoiceContext, localMail, mail, nowIso } from './context';
import { acceptCorrections } from './corrections';
import { runDunning } from './dunning';
import { legacyInvoiceWorkflow } from './legacy-v1';
import { INVOICE_REVISION, invoiceStateQuery, type InvoiceWorkflowInput } from './messages';
import { acceptPayments } from './payments';

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
  const invoice = new InvoiceContext(input.resume ?? initialInvoiceState(input.draft), customer, policy, settings, input.revision !== undefined);
  setHandler(invoiceStateQuery, () => invoice.state);
  const approval = new Approval(invoice);
  acceptPayments(invoice);
  acceptCorrections(invoice);

  if (!input.resume) await recordDraft(invoice);
  if (invoice.state.number === null && (await approval.run())) await issueAndSend(invoice);
  if (!isTerminal(invoice.state.status) && invoice.state.number !== null) {
    await runDunning(invoice, async () => {
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

async function recordDraft(invoice: InvoiceContext): Promise<void> {
  await invoice.lock.run(async () => {
    // A billing run's invoice was stored with its charges claimed before its workflow started.
    if (!(invoice.revised && invoice.state.draft.billingRunId)) await db.recordDraftInvoice(invoice.state.draft);
    invoice.publish();
  });
}

/** The gapless number, then the email with the PDF. A zero invoice is settled as it is issued. */
async function issueAndSend(invoice: InvoiceContext): Promise<void> {
  const { state, customer, settings } = invoice;
  const issued = await invoice.lock.run(async () => {
    if (invoice.isVoid()) return false;
    const issuedAt = nowIso();
    const dueAt = state.draft.dueAt ?? new Date(Date.parse(issuedAt) + state.draft.paymentTermsDays * 86_400_000).toISOString();
    const approver = state.approvals[state.approvals.length - 1]?.principal ?? 'system';
    if (invoice.revised) {
      // The number and the open state in one write; the number is the database's to give.
      await invoice.commit({ issuedAt, dueAt, status: 'open' }, { type: 'issued', actor: approver, detail: { dueAt } }, async (snapshot, event) => ({
        number: await db.issueInvoiceWithSnapshot({ prefix: settings.numberPrefix, issuedAt, snapshot, event }),
      }));
    } else {
      const number = await invoice.store(() => db.issueInvoice({ invoiceId: invoice.invoiceId, issuedAt, dueAt, prefix: settings.numberPrefix }));
      await invoice.commit({ number, issuedAt, dueAt, status: 'open' }, { type: 'issued', actor: approver, detail: { number, dueAt } });
    }
    if (amountDueMinor(state) === 0) await invoice.commit({ status: 'paid' }, { type: 'paid', actor: 'system', detail: { reason: 'nothing to pay' } });
    return true;
  });
  if (!issued) return;
  // After a person's approval the email is an ordinary activity: the approver's answer goes out with
  // this workflow task and must not wait for the PDF and SMTP. Approved by policy, nobody waits.
  const byPolicy = state.approvals[state.approvals.length - 1]?.decision === 'auto_approved';
  const send = invoice.revised && byPolicy ? localMail : mail;
  try {
    const sent = await send.sendInvoiceEmail({ state, customer });
    await invoice.lock.run(() =>
      invoice.commit({ delivery: { status: 'sent', attempts: sent.attempts, lastError: null, sentAt: sent.sentAt } }, { type: 'sent', actor: 'system', detail: { to: customer.email, messageId: sent.messageId } }),
    );
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
