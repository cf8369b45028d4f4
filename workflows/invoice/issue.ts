import { amountDueMinor, type ApprovalRecord, dueDateOf } from '../../src/domain/invoice';
import { db, type InvoiceContext, nowIso } from './context';

/**
 * Issues the invoice now: its gapless number and the open state in one write (from revision 2; the
 * number, then the state, before). With `approval` (a person's, from revision 3), the decision that
 * lets it be issued is stored in the same write, so the approver's answer waits for one activity.
 * A zero invoice is settled as it is issued. Call it holding the lock.
 */
export async function issueNow(invoice: InvoiceContext, approval?: ApprovalRecord): Promise<void> {
  const { state, settings } = invoice;
  const issuedAt = nowIso();
  const dueAt = dueDateOf(state.draft, issuedAt);
  const approvals = approval ? [...state.approvals, approval] : state.approvals;
  const approver = approvals[approvals.length - 1]?.principal ?? 'system';
  if (invoice.revised) {
    const decided = approval ? { approval: { seq: state.approvals.length, record: approval } } : {};
    // The number is the database's to give.
    await invoice.commit({ issuedAt, dueAt, status: 'open', approvals }, { type: 'issued', actor: approver, detail: { dueAt } }, async (snapshot, event) => ({
      number: await db.issueInvoiceWithSnapshot({ prefix: settings.numberPrefix, issuedAt, snapshot, event, ...decided }),
    }));
  } else {
    const number = await invoice.store(() => db.issueInvoice({ invoiceId: invoice.invoiceId, issuedAt, dueAt, prefix: settings.numberPrefix }));
    await invoice.commit({ number, issuedAt, dueAt, status: 'open' }, { type: 'issued', actor: approver, detail: { number, dueAt } });
  }
  if (amountDueMinor(state) === 0) await invoice.commit({ status: 'paid' }, { type: 'paid', actor: 'system', detail: { reason: 'nothing to pay' } });
}
