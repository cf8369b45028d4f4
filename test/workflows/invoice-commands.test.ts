import { approveUpdate, invoiceStateQuery, recordPaymentUpdate, rejectUpdate, requestChangesUpdate, submitUpdate, voidUpdate, writeOffUpdate } from '../../workflows/invoice/messages';
import { ApplicationFailure } from '@temporalio/common';
import { approver, operator, refusal, TOTAL, useTimeSkipping, withInvoice } from '../support/invoice-harness';
import { systemActor } from '../../src/domain/actor';

/** Commands to an invoice and their refusals, on the time-skipping server (no time skipped here). */
const env = useTimeSkipping('file');

describe('approval', () => {
  test('when an approver approves, then the invoice gets the next number, is emailed and is open', async () => {
    const fakes = await withInvoice(env(), {}, async ({ handle, until }) => {
      await until((s) => s.status === 'pending_approval');
      const state = await handle.executeUpdate(approveUpdate, { args: [{ ...approver, reason: 'ok' }] });
      expect(state).toMatchObject({ status: 'open', number: expect.stringMatching(/^INV-\d{4}-000001$/) });
      const sent = await until((s) => s.delivery.status === 'sent');
      expect(sent.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'approved', reason: 'ok' })]);
    });
    expect(fakes.argsOf('notifyApprovers')).toEqual([expect.objectContaining({ kind: 'request' })]);
    expect(fakes.argsOf('sendInvoiceEmail')).toHaveLength(1);
    expect(fakes.argsOf('issueInvoiceWithSnapshot')).toHaveLength(1);
  });

  test('when the creator, a viewer, or a second approve comes, then each is refused with a clear reason and nothing changes', async () => {
    await withInvoice(env(), {}, async ({ handle, until }) => {
      await until((s) => s.status === 'pending_approval');
      const own = await refusal(handle.executeUpdate(approveUpdate, { args: [{ principal: 'olivia', role: 'approver' }] }));
      expect(own.type).toBe('forbidden');
      expect(own.message).toMatch(/created this invoice/);
      const viewer = await refusal(handle.executeUpdate(approveUpdate, { args: [{ principal: 'victor', role: 'viewer' }] }));
      expect(viewer.type).toBe('forbidden');
      const noReason = await refusal(handle.executeUpdate(rejectUpdate, { args: [{ ...approver }] }));
      expect(noReason.type).toBe('validation_failed');
      expect((await handle.query(invoiceStateQuery)).approvals).toEqual([]);
      await handle.executeUpdate(approveUpdate, { args: [approver] });
      const again = await refusal(handle.executeUpdate(approveUpdate, { args: [approver] }));
      expect(again.type).toBe('conflict');
      expect(again.details?.[0]).toEqual({ status: 'open' });
    });
  });

  test('when an approver rejects, then the invoice is rejected, never numbered, and the workflow ends', async () => {
    const fakes = await withInvoice(env(), {}, async ({ handle, until }) => {
      await until((s) => s.status === 'pending_approval');
      const state = await handle.executeUpdate(rejectUpdate, { args: [{ ...approver, reason: 'wrong customer' }] });
      expect(state.status).toBe('rejected');
      expect((await handle.result()).number).toBeNull();
    });
    expect(fakes.argsOf('issueInvoiceWithSnapshot')).toHaveLength(0);
    expect(fakes.argsOf('sendInvoiceEmail')).toHaveLength(0);
  });

  test('when changes are requested, then the operator revises the draft, it goes back for approval, and the new totals are issued', async () => {
    const fakes = await withInvoice(env(), {}, async ({ handle, until }) => {
      await until((s) => s.status === 'pending_approval');
      expect((await handle.executeUpdate(requestChangesUpdate, { args: [{ ...approver, reason: 'add the discount' }] })).status).toBe('draft');
      const resubmitted = await handle.executeUpdate(submitUpdate, {
        args: [{ ...operator, lines: [{ description: 'Consulting', quantity: '2', unitPriceMinor: 10000, taxRateBps: 1900, discountBps: 1000 }] }],
      });
      expect(resubmitted.status).toBe('pending_approval');
      expect(resubmitted.draft.totalMinor).toBe(21420);
      const approved = await handle.executeUpdate(approveUpdate, { args: [approver] });
      expect(approved).toMatchObject({ status: 'open', draft: { totalMinor: 21420 } });
    });
    expect(fakes.argsOf('reviseDraft')).toHaveLength(1);
    expect(fakes.argsOf<{ kind: string }>('notifyApprovers').map((a) => a.kind)).toEqual(['request', 'request']);
  });

  test('when the customer needs no approval, then the invoice is approved by the policy and issued at once', async () => {
    await withInvoice(env(), { approval: 'never' }, async ({ until }) => {
      const state = await until((s) => s.status === 'open');
      expect(state.approvals).toEqual([expect.objectContaining({ principal: 'system', decision: 'auto_approved' })]);
    });
  });
});

describe('payments, void and write-off', () => {
  test('when a customer pays more than is due, then the invoice is paid and the excess becomes their credit', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      const result = await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: TOTAL + 500, method: 'bank_transfer', reference: 'TX-9', receivedAt: new Date().toISOString() }] });
      expect(result.state.status).toBe('paid');
    });
    expect(fakes.argsOf('applyPayment')).toEqual([
      expect.objectContaining({ payment: expect.objectContaining({ reference: 'TX-9', amountMinor: TOTAL + 500, appliedMinor: TOTAL, creditMinor: 500 }) }),
    ]);
  });

  test('when a bank statement line pays, then the bank (a system, no role) is the payer on record; a billing run may not pay', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      const payment = { amountMinor: 2500, method: 'bank_transfer' as const, receivedAt: new Date().toISOString() };
      const refused = await refusal(handle.executeUpdate(recordPaymentUpdate, { args: [{ ...systemActor('billing-run'), ...payment, reference: 'RUN-1' }] }));
      expect(refused).toMatchObject({ type: 'forbidden', message: 'the billing-run system may not recordPayment an invoice' });
      const result = await handle.executeUpdate(recordPaymentUpdate, { args: [{ ...systemActor('bank'), ...payment, reference: 'CAMT-1' }] });
      expect(result.state).toMatchObject({ status: 'open', amountPaidMinor: 2500 });
      expect(result.state.payments).toEqual([expect.objectContaining({ reference: 'CAMT-1', recordedBy: 'system:bank' })]);
    });
    expect(fakes.argsOf('applyPayment')).toHaveLength(1);
  });

  test('when an issued invoice is voided, then a credit note is issued and the workflow ends', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      const voided = await handle.executeUpdate(voidUpdate, { args: [{ ...operator, reason: 'duplicate' }] });
      expect(voided).toMatchObject({ status: 'void', creditNoteNumber: expect.stringMatching(/^CN-\d{4}-000001$/) });
      expect((await handle.result()).status).toBe('void');
    });
    expect(fakes.argsOf('voidInvoice')).toEqual([expect.objectContaining({ creditNote: expect.objectContaining({ amountMinor: TOTAL, reason: 'duplicate' }) })]);
  });

  test('when a draft awaiting approval is voided, then no number and no credit note are made', async () => {
    const fakes = await withInvoice(env(), {}, async ({ handle, until }) => {
      await until((s) => s.status === 'pending_approval');
      expect((await handle.executeUpdate(voidUpdate, { args: [{ ...operator, reason: 'not needed' }] })).creditNoteNumber).toBeNull();
      expect((await handle.result()).status).toBe('void');
    });
    expect(fakes.argsOf('issueInvoiceWithSnapshot')).toHaveLength(0);
    expect(fakes.argsOf('voidInvoice')).toEqual([expect.objectContaining({ creditNote: null })]);
  });

  test('when an open invoice is written off before it is overdue, then it is refused with its status', async () => {
    await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      const early = await refusal(handle.executeUpdate(writeOffUpdate, { args: [{ ...operator, reason: 'bankrupt' }] }));
      expect(early).toMatchObject({ type: 'conflict', details: [{ status: 'open' }] });
      expect((await handle.query(invoiceStateQuery)).status).toBe('open');
    });
  });
});

describe('stored before the state changes', () => {
  test('when an approver approves, then the approval and the issue it allows are stored in one write before the invoice is open', async () => {
    const finished: string[] = [];
    const fakes = await withInvoice(
      env(),
      {
        overrides: {
          issueInvoiceWithSnapshot: async () => {
            await new Promise((r) => setTimeout(r, 300));
            finished.push('issueInvoiceWithSnapshot');
            return 'INV-2026-000001';
          },
        },
      },
      async ({ handle, until }) => {
        await until((s) => s.status === 'pending_approval');
        const answer = await handle.executeUpdate(approveUpdate, { args: [approver] });
        finished.push('answered');
        expect(answer).toMatchObject({ status: 'open', number: 'INV-2026-000001', approvals: [{ principal: approver.principal, decision: 'approved' }] });
      },
    );
    expect(finished).toEqual(['issueInvoiceWithSnapshot', 'answered']);
    expect(fakes.argsOf('recordApproval')).toHaveLength(0);
    expect(fakes.argsOf('issueInvoiceWithSnapshot')).toEqual([
      expect.objectContaining({ approval: { seq: 0, record: expect.objectContaining({ principal: approver.principal, decision: 'approved' }) }, snapshot: expect.objectContaining({ status: 'open' }) }),
    ]);
  });

  test('when storing an approval fails for good, then the approver gets the error at once, the invoice still awaits approval, and a later approval works', async () => {
    let attempts = 0;
    const fakes = await withInvoice(
      env(),
      {
        overrides: {
          issueInvoiceWithSnapshot: () =>
            ++attempts === 1 ? Promise.reject(ApplicationFailure.nonRetryable('PostgreSQL refused the write (22021)', 'validation_failed')) : Promise.resolve('INV-2026-000001'),
        },
      },
      async ({ handle, until }) => {
        await until((s) => s.status === 'pending_approval');
        const failed = await refusal(handle.executeUpdate(approveUpdate, { args: [approver] }));
        expect(failed.type).toBe('validation_failed');
        expect(await handle.query(invoiceStateQuery)).toMatchObject({ status: 'pending_approval', approvals: [], number: null });
        expect((await handle.executeUpdate(approveUpdate, { args: [approver] })).status).toBe('open');
      },
    );
    expect(fakes.argsOf('issueInvoiceWithSnapshot')).toHaveLength(2);
  });

  test('when storing a payment fails for good, then the caller gets the error and nothing is paid', async () => {
    await withInvoice(
      env(),
      { approval: 'never', overrides: { applyPayment: async () => Promise.reject(ApplicationFailure.nonRetryable('PostgreSQL refused the write (22021)', 'validation_failed')) } },
      async ({ handle, until }) => {
        await until((s) => s.status === 'open');
        const failed = await refusal(handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 5000, method: 'cash', reference: 'r1', receivedAt: new Date().toISOString() }] }));
        expect(failed.type).toBe('validation_failed');
        expect(await handle.query(invoiceStateQuery)).toMatchObject({ status: 'open', amountPaidMinor: 0, payments: [] });
      },
    );
  });

  test('when five payments arrive at once, then each is applied to the balance left by the one before', async () => {
    const fakes = await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
      await until((s) => s.status === 'open');
      const pay = (reference: string) =>
        handle.executeUpdate(recordPaymentUpdate, { args: [{ ...operator, amountMinor: 10000, method: 'cash', reference, receivedAt: new Date().toISOString() }] }).then(
          () => 'accepted',
          () => 'refused',
        );
      const outcomes = await Promise.all(['P1', 'P2', 'P3', 'P4', 'P5'].map(pay));
      expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(3);
      expect(await handle.query(invoiceStateQuery)).toMatchObject({ status: 'paid', amountPaidMinor: TOTAL });
    });
    const split = fakes.argsOf<{ payment: { appliedMinor: number; creditMinor: number } }>('applyPayment').map((a) => a.payment);
    expect(split.map((p) => p.appliedMinor)).toEqual([10000, 10000, TOTAL - 20000]);
    expect(split.map((p) => p.creditMinor)).toEqual([0, 0, 30000 - TOTAL]);
  });
});
