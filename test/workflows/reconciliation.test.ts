import { randomBytes } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { reconciliationProgressQuery, statementMatchedUpdate } from '../../workflows/reconciliation/messages';
import { APPLY_BATCH, APPLY_BATCHES_PER_RUN, bankLineMatchWorkflow, reconciliationWorkflow } from '../../workflows/reconciliation/workflow';
import { workflowBundle } from '../support/billflow';
import { fakeActivities } from '../support/fake-activities';
import { useTimeSkipping } from '../support/invoice-harness';

/**
 * Statements reconciled on the time-skipping server over an in-memory bank: lines matched once,
 * payments recorded once per invoice and reference (as the invoice workflow records them), a
 * worker that stops in the middle of applying, and a statement long enough to continue as new.
 */
const env = useTimeSkipping('test');

/** What PostgreSQL and the invoices' workflows do for a statement, in memory. */
class Bank {
  readonly lines: { seq: number; amountMinor: number; status: string }[];
  /** Payments by invoice, by reference: a reference recorded twice pays once. */
  readonly payments = new Map<string, Map<string, number>>();
  paymentCalls = 0;

  constructor(count: number) {
    // Every tenth line is money out.
    this.lines = Array.from({ length: count }, (_, i) => ({ seq: i + 1, amountMinor: i % 10 === 9 ? -500 : 1000 + i, status: 'new' }));
  }

  private range(after: number, upTo: number) {
    return this.lines.filter((l) => l.seq > after && l.seq <= upTo);
  }

  counts() {
    return {
      matched: this.lines.filter((l) => l.status === 'matched' || l.status === 'applied').length,
      unmatched: 0,
      ignored: this.lines.filter((l) => l.status === 'ignored').length,
    };
  }

  recordPayment(invoiceId: string, reference: string, amountMinor: number): void {
    this.paymentCalls += 1;
    const recorded = this.payments.get(invoiceId) ?? new Map<string, number>();
    if (!recorded.has(reference)) recorded.set(reference, amountMinor);
    this.payments.set(invoiceId, recorded);
  }

  /** Applies a matched line: its invoice `inv_<seq>` gets the payment `bank:line_<seq>`. */
  apply(line: { seq: number; amountMinor: number; status: string }): void {
    this.recordPayment(`inv_${line.seq}`, `bank:line_${line.seq}`, line.amountMinor);
    line.status = 'applied';
  }

  activities(): Partial<Activities> {
    return {
      prepareStatementMatching: () => Promise.resolve({ lastSeq: this.lines.length }),
      matchBankLines: ({ after, upTo }) => {
        for (const line of this.range(after, upTo)) if (line.status === 'new') line.status = line.amountMinor < 0 ? 'ignored' : 'matched';
        return Promise.resolve(this.counts());
      },
      recordStatementMatched: () => Promise.resolve(this.counts()),
      applyBankLines: ({ after, upTo }) => {
        const lines = this.range(after, upTo).filter((l) => l.status === 'matched');
        for (const line of lines) this.apply(line);
        return Promise.resolve({ applied: lines.length, requeued: 0 });
      },
    };
  }
}

async function bankWorker(bank: Bank, taskQueue: string, overrides: Partial<Activities> = {}) {
  const fakes = fakeActivities({ ...bank.activities(), ...overrides });
  const worker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fakes.activities,
    shutdownGraceTime: '10s',
    maxCachedWorkflows: 0,
  });
  return { worker, fakes };
}

const statementId = () => `bst_${randomBytes(4).toString('hex')}`;

test('when a statement is reconciled, then the upload is answered with its counts once matched, and each matched line is paid once', async () => {
  const bank = new Bank(250);
  const taskQueue = `rec-${randomBytes(4).toString('hex')}`;
  const { worker, fakes } = await bankWorker(bank, taskQueue);
  const id = statementId();
  await worker.runUntil(async () => {
    const handle = await env().client.workflow.start(reconciliationWorkflow, { workflowId: `reconciliation:${id}`, taskQueue, args: [{ statementId: id }] });
    expect(await handle.executeUpdate(statementMatchedUpdate)).toEqual({ matched: 225, unmatched: 0, ignored: 25 });
    const result = await handle.result();
    expect(result).toMatchObject({ lastSeq: 250, matchedUpTo: 250, appliedUpTo: 250, applied: 225, requeued: 0, done: true });
    expect(await handle.query(reconciliationProgressQuery)).toMatchObject({ done: true });
  });
  expect(bank.payments.size).toBe(225);
  expect(fakes.argsOf('applyBankLines')).toHaveLength(Math.ceil(250 / APPLY_BATCH));
  expect(fakes.argsOf('recordStatementDone')).toEqual([{ statementId: id }]);
}, 60_000);

test('when the worker stops in the middle of applying, then the next worker applies the rest and no invoice is paid twice', async () => {
  const bank = new Bank(600);
  const taskQueue = `rec-${randomBytes(4).toString('hex')}`;
  // The first worker records 50 payments, then its activity fails as a crash leaves it: after the
  // payment of the 51st line was recorded but before the line was marked applied.
  let stopping: (error: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => (stopping = reject));
  stopped.catch(() => undefined);
  let applied = 0;
  const first = await bankWorker(bank, taskQueue, {
    applyBankLines: ({ after, upTo }) => {
      for (const line of bank.lines.filter((l) => l.seq > after && l.seq <= upTo && l.status === 'matched')) {
        if (++applied > 50) {
          bank.recordPayment(`inv_${line.seq}`, `bank:line_${line.seq}`, line.amountMinor);
          return stopped;
        }
        bank.apply(line);
      }
      return Promise.resolve({ applied: 0, requeued: 0 });
    },
  });
  const id = statementId();
  const handle = await env().client.workflow.start(reconciliationWorkflow, { workflowId: `reconciliation:${id}`, taskQueue, args: [{ statementId: id }] });
  await first.worker.runUntil(async () => {
    while (applied <= 50) await new Promise((r) => setTimeout(r, 20));
    stopping(new Error('the worker stopped'));
  });
  const second = await bankWorker(bank, taskQueue);
  await second.worker.runUntil(handle.result());

  const matched = bank.lines.filter((l) => l.amountMinor > 0);
  expect(bank.lines.filter((l) => l.status === 'matched')).toEqual([]);
  expect(bank.payments.size).toBe(matched.length);
  for (const line of matched) expect([...(bank.payments.get(`inv_${line.seq}`) ?? new Map()).values()]).toEqual([line.amountMinor]);
  // Some payments were sent twice (the repeat answered as a duplicate), none recorded twice.
  expect(bank.paymentCalls).toBeGreaterThan(matched.length);
}, 60_000);

test('when a statement has more batches than one run applies, then it continues as new, and an upload asking after that is answered at once', async () => {
  const lines = APPLY_BATCH * APPLY_BATCHES_PER_RUN + 10;
  const bank = new Bank(lines);
  const taskQueue = `rec-${randomBytes(4).toString('hex')}`;
  const { worker } = await bankWorker(bank, taskQueue);
  const id = statementId();
  await worker.runUntil(async () => {
    const handle = await env().client.workflow.start(reconciliationWorkflow, { workflowId: `reconciliation:${id}`, taskQueue, args: [{ statementId: id }] });
    const result = await handle.result();
    expect(result).toMatchObject({ appliedUpTo: lines, done: true, counts: bank.counts() });
    const description = await env().client.workflow.getHandle(`reconciliation:${id}`).describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
  });
  expect(bank.lines.every((l) => l.status === 'applied' || l.status === 'ignored')).toBe(true);
}, 120_000);

test('when a person matches a line another already took, then the match answers the conflict and applies nothing', async () => {
  const bank = new Bank(0);
  const taskQueue = `rec-${randomBytes(4).toString('hex')}`;
  const { worker, fakes } = await bankWorker(bank, taskQueue, { claimBankLine: () => Promise.resolve({ status: 'matched' }) });
  const input = { lineId: 'bsl_1', invoiceIds: ['inv_1'], by: { principal: 'olivia', role: 'operator' as const }, at: '2026-02-01T00:00:00.000Z' };
  const result = await worker.runUntil(env().client.workflow.execute(bankLineMatchWorkflow, { workflowId: 'reconciliation-line:bsl_1', taskQueue, args: [input] }));
  expect(result).toEqual({ outcome: 'conflict', status: 'matched' });
  expect(fakes.argsOf('applyBankLine')).toEqual([]);
});
