import { setHandler } from '@temporalio/workflow';
import type { Permission } from '../../src/domain/actor';
import { amountDueMinor, type InvoiceCommand, type InvoiceStatus } from '../../src/domain/invoice';
import { afterDispute, voidSettlement } from '../../src/domain/settlement';
import { assertText, db, DISPUTERS, type InvoiceContext, nowIso, OPERATORS, refuse } from './context';
import { type DecisionCommand, disputeUpdate, resolveDisputeUpdate, voidUpdate, writeOffUpdate } from './messages';

/** Void, dispute, resolve a dispute and write off: each with a reason, each stored before it takes effect. */
export function acceptCorrections(invoice: InvoiceContext): void {
  const reasoned =
    (command: InvoiceCommand, permission: Permission = OPERATORS) =>
    (cmd: DecisionCommand) =>
      assertReasoned(invoice, command, cmd, permission);

  setHandler(
    voidUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        invoice.assertAllowed('void');
        const { state, customer } = invoice;
        const reason = cmd.reason ?? '';
        const at = nowIso();
        // An issued invoice is cancelled by a credit note (none when notes credited all of it already);
        // a draft never existed for the customer. The note credits what no note has yet (all of it,
        // before credit notes existed), and money received and not yet credited back is not kept:
        // it becomes the customer's credit.
        const settlement = invoice.revision >= 4 ? voidSettlement(state) : { amountMinor: state.draft.totalMinor, appliedMinor: state.draft.totalMinor, creditMinor: state.amountPaidMinor };
        await invoice.commit({ status: 'void' }, { type: 'voided', actor: cmd.principal, detail: { reason } }, (snapshot, event) =>
          db.voidInvoice({
            customerId: customer.id,
            currency: state.draft.currency,
            creditNote: state.number === null || settlement.amountMinor === 0 ? null : { amountMinor: settlement.amountMinor, appliedMinor: settlement.appliedMinor, reason, issuedBy: cmd.principal, issuedAt: at },
            creditMinor: state.number === null ? state.amountPaidMinor : settlement.creditMinor,
            snapshot,
            event,
          }),
        );
        return invoice.state;
      }),
    { validator: reasoned('void') },
  );

  setHandler(
    disputeUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        invoice.assertAllowed('dispute');
        const { state } = invoice;
        await invoice.commit(
          { status: 'disputed', disputedFrom: state.status, dunning: { ...state.dunning, pausedAt: nowIso() } },
          { type: 'disputed', actor: cmd.principal, detail: { reason: cmd.reason } },
        );
        return invoice.state;
      }),
    { validator: reasoned('dispute', DISPUTERS) },
  );

  setHandler(
    resolveDisputeUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        invoice.assertAllowed('resolveDispute');
        const { state } = invoice;
        const now = Date.now();
        const pausedMs = state.dunning.pausedMs + (state.dunning.pausedAt ? now - Date.parse(state.dunning.pausedAt) : 0);
        // From revision 4 a paid invoice can be disputed (a chargeback) and goes back to paid while nothing is due.
        const back: InvoiceStatus = invoice.revision >= 4 ? afterDispute(state, now) : state.dueAt && Date.parse(state.dueAt) <= now ? 'overdue' : 'open';
        await invoice.commit(
          { status: back, disputedFrom: null, dunning: { ...state.dunning, pausedMs, pausedAt: null } },
          { type: 'dispute_resolved', actor: cmd.principal, detail: { resolution: cmd.reason } },
        );
        return invoice.state;
      }),
    { validator: reasoned('resolveDispute', DISPUTERS) },
  );

  setHandler(
    writeOffUpdate,
    (cmd) =>
      invoice.lock.run(async () => {
        invoice.assertAllowed('writeOff');
        await invoice.commit({ status: 'uncollectible' }, { type: 'written_off', actor: cmd.principal, detail: { reason: cmd.reason, amountDueMinor: amountDueMinor(invoice.state) } });
        return invoice.state;
      }),
    { validator: reasoned('writeOff') },
  );
}

function assertReasoned(invoice: InvoiceContext, command: InvoiceCommand, cmd: DecisionCommand, permission: Permission): void {
  invoice.assertCommand(command, cmd, permission);
  const path = command === 'resolveDispute' ? 'resolution' : 'reason';
  if (!cmd.reason?.trim()) refuse('validation_failed', 'a reason is required', { path });
  assertText(cmd.reason, path);
}
