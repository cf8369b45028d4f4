import { condition } from '@temporalio/workflow';
import { lateFeeMinor, scheduleDunning, type ScheduledStep } from '../../src/domain/dunning';
import { amountDueMinor, isTerminal } from '../../src/domain/invoice';
import { activityFailure } from '../activity-failure';
import { db, type InvoiceContext, mail, nowIso } from './context';

/**
 * The due date and the policy's reminder steps on durable timers, until the invoice reaches a
 * final state. Any change (a payment, a dispute, a void) wakes the loop at once to look again.
 * `checkpoint` runs after each step (continue-as-new when Temporal suggests it).
 */
export async function runDunning(invoice: InvoiceContext, checkpoint: () => Promise<void>): Promise<void> {
  const { state } = invoice;
  const dueAtMs = Date.parse(state.dueAt as string);
  const steps = scheduleDunning(invoice.policy, dueAtMs);
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
    const nextAt = Math.min(state.status === 'open' ? dueAtMs : Infinity, step ? at(step) : Infinity);
    const version = state.version;
    if (nextAt === Infinity) {
      await condition(() => state.version !== version);
      continue;
    }
    if (nextAt > Date.now() && (await condition(() => state.version !== version, nextAt - Date.now()))) continue;
    if (state.status === 'open' && dueAtMs <= Date.now()) {
      await invoice.lock.run(async () => {
        if (state.status !== 'open') return;
        await invoice.commit({ status: 'overdue' }, { type: 'overdue', actor: 'system', detail: { dueAt: state.dueAt, amountDueMinor: amountDueMinor(state) } });
      });
    } else if (step && at(step) <= Date.now()) {
      await remind(invoice, step);
    }
    await checkpoint();
  }
}

async function remind(invoice: InvoiceContext, step: ScheduledStep): Promise<void> {
  const { state } = invoice;
  const fee = await invoice.lock.run(async () => {
    // Paid, voided or disputed while this step waited for the lock: the loop looks again.
    if (isTerminal(state.status) || state.status === 'disputed') return null;
    const amount = lateFeeMinor(step.lateFee, amountDueMinor(state));
    if (amount > 0) {
      const record = { step: step.index, amountMinor: amount, at: nowIso() };
      await invoice.store(() => db.recordLateFee({ invoiceId: invoice.invoiceId, fee: record }));
      invoice.apply({ fees: [...state.fees, record] });
    }
    state.dunning.nextStep = step.index + 1;
    return amount;
  });
  if (fee === null) return;
  const reminder = { step: step.index, template: step.template, lateFeeMinor: fee };
  try {
    await mail.sendReminder({ state, customer: invoice.customer, step: { index: step.index, template: step.template } });
    await invoice.lock.run(() =>
      invoice.commit({ dunningLevel: state.dunningLevel + 1 }, { type: 'reminder_sent', actor: 'system', detail: { ...reminder, amountDueMinor: amountDueMinor(state) } }),
    );
  } catch (error) {
    const failure = activityFailure(error);
    if (!failure) throw error;
    await invoice.lock.run(() =>
      invoice.commit({}, { type: 'reminder_failed', actor: 'system', detail: { step: step.index, template: step.template, error: failure.message } }),
    );
  }
}
