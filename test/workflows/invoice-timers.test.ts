import { approveUpdate, disputeUpdate, invoiceStateQuery, recordPaymentUpdate, resolveDisputeUpdate, writeOffUpdate } from '../../workflows/invoice/messages';
import { approver, operator, templatesSent, TOTAL, useTimeSkipping, withInvoice } from '../support/invoice-harness';

/** Everything that waits on durable timers, with months skipped in seconds. No Update is refused here (see the harness). */
const env = useTimeSkipping('test');

describe('approval deadline', () => {
  test('when nobody answers for two days, then the approval is escalated to the second approver and still waits for a person', async () => {
    const fakes = await withInvoice(env(), {}, async ({ handle, until }) => {
      await until((s) => s.status === 'pending_approval');
      await env().sleep('49 hours');
      const escalated = await until((s) => s.approvalEscalatedAt !== null);
      expect(escalated.status).toBe('pending_approval');
      await env().sleep('30 days');
      expect((await handle.query(invoiceStateQuery)).status).toBe('pending_approval');
      expect((await handle.executeUpdate(approveUpdate, { args: [approver] })).status).toBe('open');
    });
    expect(fakes.argsOf<{ kind: string }>('notifyApprovers').map((a) => a.kind)).toEqual(['request', 'escalation']);
  });
});

describe('due date and dunning', () => {
  test('when 90 days pass unpaid, then the invoice turns overdue and the reminders escalate in order with the late fee', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ until }) => {
      await until((s) => s.status === 'open');
      await env().sleep('28 days');
      expect((await until((s) => s.dunningLevel === 1)).status).toBe('open');
      await env().sleep('90 days');
      const state = await until((s) => s.dunningLevel === 5);
      expect(state.status).toBe('overdue');
      expect(state.fees).toEqual([expect.objectContaining({ step: 3, amountMinor: Math.round(TOTAL * 0.02) })]);
    });
    expect(templatesSent(fakes)).toEqual(['friendly', 'friendly', 'firm', 'final', 'collections']);
    const overdue = fakes.argsOf<{ event: { type: string } }>('recordInvoiceChange').filter((c) => c.event.type === 'overdue');
    expect(overdue).toHaveLength(1);
  });

  test('when a partial and then the rest is paid, then amounts add up, a repeated reference is not counted, and reminders stop', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      await env().sleep('31 days');
      await until((s) => s.status === 'overdue');
      const partial = await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 10000, method: 'bank_transfer', reference: 'TX-1', receivedAt: new Date().toISOString() }] });
      expect(partial).toMatchObject({ duplicate: false, state: { status: 'overdue', amountPaidMinor: 10000 } });
      const repeat = await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 10000, method: 'bank_transfer', reference: 'TX-1', receivedAt: new Date().toISOString() }] });
      expect(repeat).toMatchObject({ duplicate: true, state: { amountPaidMinor: 10000 } });
      const rest = await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: TOTAL - 10000, method: 'card', reference: 'TX-2', receivedAt: new Date().toISOString() }] });
      expect(rest.state.status).toBe('paid');
      const final = await handle.result();
      expect(final).toMatchObject({ status: 'paid', amountPaidMinor: TOTAL });
    });
    const payments = fakes.argsOf<{ payment: { reference: string; creditMinor: number } }>('applyPayment').map((a) => a.payment);
    expect(payments.map((p) => p.reference)).toEqual(['TX-1', 'TX-2']);
    expect(templatesSent(fakes)).toEqual(['friendly', 'friendly']);
    expect(payments.map((p) => p.creditMinor)).toEqual([0, 0]);
  });

  test('when an invoice is disputed, then reminders pause, and resolving resumes them later by the time spent in dispute', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      await env().sleep('32 days'); // due at +30d: overdue, reminder at +1d sent
      await until((s) => s.dunningLevel === 2);
      expect((await handle.executeUpdate(disputeUpdate, { args: [{ ...operator, reason: 'hours disputed' }] })).status).toBe('disputed');
      await env().sleep('20 days');
      expect((await handle.query(invoiceStateQuery)).dunningLevel).toBe(2);
      const resolved = await handle.executeUpdate(resolveDisputeUpdate, { args: [{ ...operator, reason: 'customer agreed' }] });
      expect(resolved.status).toBe('overdue');
      await env().sleep('4 days'); // firm was due at +7d; shifted by 20 days it is not yet due
      expect((await handle.query(invoiceStateQuery)).dunningLevel).toBe(2);
      await env().sleep('2 days');
      await until((s) => s.dunningLevel === 3);
    });
    expect(templatesSent(fakes).slice(0, 3)).toEqual(['friendly', 'friendly', 'firm']);
  });

  test('when an overdue invoice is written off, then it is uncollectible and the workflow ends', async () => {
    await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      await env().sleep('31 days');
      await until((s) => s.status === 'overdue');
      expect((await handle.executeUpdate(writeOffUpdate, { args: [{ ...operator, reason: 'bankrupt' }] })).status).toBe('uncollectible');
      expect((await handle.result()).status).toBe('uncollectible');
    });
  });
});

describe('delivery', () => {
  test('when the SMTP server keeps failing, then after the retries the invoice is open with delivery failed and the error', async () => {
    let attempts = 0;
    const fakes = await withInvoice(
      env(),
      { approval: 'never', overrides: { sendInvoiceEmail: () => Promise.reject(new Error(`421 try again later (${++attempts})`)) } },
      async ({ until }) => {
        await env().sleep('2 hours');
        const state = await until((s) => s.delivery.status === 'failed');
        expect(state.status).toBe('open');
        expect(state.delivery.lastError).toMatch(/421 try again later/);
      },
    );
    expect(attempts).toBe(6);
    expect(fakes.argsOf('markDeliveryFailed')).toHaveLength(1);
  });
});
