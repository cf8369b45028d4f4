import type { Activities } from '../../activities';

export interface Call {
  name: keyof Activities;
  arg: unknown;
}

/**
 * Typed fakes of every activity for workflow tests: they record their calls and answer as the
 * real ones would (numbers in sequence, mail accepted), unless a test overrides one.
 */
export function fakeActivities(overrides: Partial<Activities> = {}) {
  const calls: Call[] = [];
  let lastCallAt = Date.now();
  let invoiceNumber = 0;
  let creditNoteNumber = 0;
  const numbers = new Map<string, string>();
  const numberFor = (invoiceId: string, issuedAt: string, prefix: string): string => {
    const number = numbers.get(invoiceId) ?? `${prefix}-${new Date(issuedAt).getUTCFullYear()}-${String(++invoiceNumber).padStart(6, '0')}`;
    numbers.set(invoiceId, number);
    return number;
  };
  const track =
    <A, R>(name: keyof Activities, result: (arg: A) => R | Promise<R>) =>
    async (arg: A): Promise<R> => {
      calls.push({ name, arg });
      lastCallAt = Date.now();
      try {
        return await result(arg);
      } finally {
        lastCallAt = Date.now();
      }
    };
  const sent = { messageId: '<fake@billflow>', attempts: 1, sentAt: '2026-01-01T00:00:00.000Z' };
  const activities: Activities = {
    recordDraftInvoice: track('recordDraftInvoice', () => undefined),
    reviseDraft: track('reviseDraft', () => undefined),
    recordInvoiceChange: track('recordInvoiceChange', () => undefined),
    recordApproval: track('recordApproval', () => undefined),
    issueInvoice: track('issueInvoice', ({ invoiceId, issuedAt, prefix }: { invoiceId: string; issuedAt: string; prefix: string }) => numberFor(invoiceId, issuedAt, prefix)),
    issueInvoiceWithSnapshot: track('issueInvoiceWithSnapshot', ({ snapshot, issuedAt, prefix }: { snapshot: { invoiceId: string }; issuedAt: string; prefix: string }) =>
      numberFor(snapshot.invoiceId, issuedAt, prefix),
    ),
    applyPayment: track('applyPayment', () => undefined),
    voidInvoice: track('voidInvoice', ({ creditNote }: { creditNote: { issuedAt: string } | null }) => ({
      creditNoteNumber: creditNote ? `CN-${new Date(creditNote.issuedAt).getUTCFullYear()}-${String(++creditNoteNumber).padStart(6, '0')}` : null,
    })),
    recordPayment: track('recordPayment', () => undefined),
    addCustomerCredit: track('addCustomerCredit', () => undefined),
    recordLateFee: track('recordLateFee', () => undefined),
    issueCreditNote: track('issueCreditNote', ({ issuedAt }: { issuedAt: string }) => `CN-${new Date(issuedAt).getUTCFullYear()}-${String(++creditNoteNumber).padStart(6, '0')}`),
    holdRefundCredit: track('holdRefundCredit', () => ({ heldMinor: 0 })),
    releaseRefundCredit: track('releaseRefundCredit', () => undefined),
    applyRefund: track('applyRefund', () => undefined),
    applyCreditNote: track('applyCreditNote', ({ creditNote }: { creditNote: { issuedAt: string } }) =>
      `CN-${new Date(creditNote.issuedAt).getUTCFullYear()}-${String(++creditNoteNumber).padStart(6, '0')}`,
    ),
    refundCardPayment: track('refundCardPayment', ({ idempotencyKey }: { idempotencyKey: string }) => ({ refundId: `re_${idempotencyKey.replace(/[^a-zA-Z0-9]/g, '').slice(-16)}` })),
    markDeliveryFailed: track('markDeliveryFailed', () => undefined),
    sendInvoiceEmail: track('sendInvoiceEmail', () => sent),
    sendReminder: track('sendReminder', () => sent),
    notifyApprovers: track('notifyApprovers', () => sent),
    // A billing run with no pending charges, unless a test gives it some (test/support/run-harness.ts).
    planBillingRunPage: track('planBillingRunPage', () => []),
    billCustomer: track('billCustomer', () => null),
    billCustomers: track('billCustomers', () => []),
    billSubscription: track('billSubscription', (args: Parameters<Activities['billSubscription']>[0]) => ({
      invoiceId: `inv_${args.snapshot.id}_${args.invoice.key}`,
      totalMinor: args.invoice.lines.reduce((sum, line) => sum + line.totalMinor, 0),
    })),
    changeSubscription: track('changeSubscription', () => undefined),
    previewCustomer: track('previewCustomer', () => null),
    recordBillingRunProgress: track('recordBillingRunProgress', () => undefined),
    recordScheduledBillingRun: track('recordScheduledBillingRun', () => ({ status: 'running', inserted: true })),
    // An empty statement, unless a test gives it lines (test/workflows/reconciliation.test.ts).
    prepareStatementMatching: track('prepareStatementMatching', () => ({ lastSeq: 0 })),
    matchBankLines: track('matchBankLines', () => ({ matched: 0, unmatched: 0, ignored: 0 })),
    recordStatementMatched: track('recordStatementMatched', () => ({ matched: 0, unmatched: 0, ignored: 0 })),
    applyBankLines: track('applyBankLines', () => ({ applied: 0, requeued: 0 })),
    recordStatementDone: track('recordStatementDone', () => undefined),
    claimBankLine: track('claimBankLine', () => null),
    applyBankLine: track('applyBankLine', () => ({ status: null, payments: [] })),
  };
  for (const [name, fn] of Object.entries(overrides)) {
    (activities as Record<string, unknown>)[name] = track(name as keyof Activities, fn as (arg: unknown) => unknown);
  }
  return {
    activities,
    calls,
    /** Milliseconds since the last activity call started or ended. */
    quietFor: () => Date.now() - lastCallAt,
    argsOf: <T = Record<string, unknown>>(name: keyof Activities) => calls.filter((c) => c.name === name).map((c) => c.arg as T),
  };
}
