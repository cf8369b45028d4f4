import { createHash } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import {
  bankLineMatchWorkflowId,
  type BankLineMatchInput,
  type BankLineMatchResult,
  type LinePayment,
  reconciliationWorkflowId,
  type StatementCounts,
  statementMatchedUpdate,
} from '../../workflows/reconciliation/messages';
import type { bankLineMatchWorkflow, reconciliationWorkflow } from '../../workflows/reconciliation/workflow';
import type { Config } from '../config';
import { systemActor, type Person } from '../domain/actor';
import {
  type Allocation,
  allocate,
  type CandidateReason,
  candidatesFor,
  CANDIDATES_PER_REASON,
  decideLines,
  type LineDecision,
  stillDue,
  invoiceNumberTokens,
  numberLookalikeDigits,
  PAYABLE_STATUSES,
  type PayableInvoice,
  payerKey,
} from '../domain/payment-matching';
import {
  claimLine,
  findStatement,
  ignoreLine,
  insertStatement,
  invoicesByIds,
  invoicesByNumberDigits,
  invoicesByNumbers,
  type LineOutcome,
  listUnmatched,
  type NewBankLine,
  openInvoicesByAmounts,
  payableInvoicesByPayerKeys,
  pendingAllocations,
  pendingByInvoice,
  recordAllocationOutcome,
  settleLine,
  type StatementFormat,
  type StatementRecord,
  type StoredBankLine,
  type UnmatchedLine,
} from '../db/bank-statements';
import type { Sql } from '../db/client';
import { AppError, ErrorCode, notFound, validationError } from '../errors';
import { couldBeRowId, idFromSeed, newId } from '../ids';
import { parseCamt053Statement } from './bank-statements/camt053';
import { parseCsvStatement } from './bank-statements/csv';
import type { ParsedLine } from './bank-statements/parsed';
import type { InvoiceService } from './invoices';

/**
 * Bank reconciliation: a statement is read whole (a bad line refuses the file), its lines stored
 * once each under their identity, and the statement's workflow matches and applies them; the lines
 * it cannot match wait in a queue until a person matches or ignores them. Payments reach invoices
 * only through their workflows (InvoiceService.recordPayment, reference `bank:<lineId>`, which an
 * invoice records once), so a line is applied once however often it is uploaded, retried or
 * matched by two people at once.
 */
export interface BankStatementService {
  /** Stores the statement's new lines and answers once they are matched (their payments are applied after). */
  upload(file: { format: StatementFormat; text: string }, by: Person): Promise<UploadReport>;
  load(id: string): Promise<StatementRecord | null>;
  unmatched(page: { limit: number; after: { date: string; id: string } | null }): Promise<UnmatchedLine[]>;
  /** A person's match: the line's unapplied money over these invoices, oldest first (as the statement's own matching). */
  match(lineId: string, invoiceIds: string[], by: Person): Promise<ManualMatch>;
  ignore(lineId: string, reason: string, by: Person): Promise<{ lineId: string; status: 'ignored'; reason: string }>;
}

export interface UploadReport extends StatementCounts {
  id: string;
  lines: number;
  duplicates: number;
}

export interface ManualMatch {
  lineId: string;
  status: 'applied' | 'unmatched';
  payments: LinePayment[];
}

/** Reads a statement file in its format; 400 naming the line and field of every problem. */
export function parseStatement(format: StatementFormat, text: string): ParsedLine[] {
  return format === 'csv' ? parseCsvStatement(text) : parseCamt053Statement(text);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Each line's id, from its identity: the bank's reference when the file has one, else a hash of
 * its fields and its occurrence among identical lines of the file (two equal transfers on one day
 * are two lines; the same file again has the same two); scoped by the account when the file names it.
 */
export function identifyLines(lines: readonly ParsedLine[]): NewBankLine[] {
  const seen = new Map<string, number>();
  return lines.map((line, i) => {
    const scope = line.account ?? '';
    let identity: string;
    if (line.bankReference) identity = `ref:${line.bankReference}`;
    else {
      const fields = sha256(JSON.stringify([line.date, line.amountMinor, line.currency, line.reference, line.payer]));
      const occurrence = (seen.get(fields) ?? 0) + 1;
      seen.set(fields, occurrence);
      identity = `fields:${fields}#${occurrence}`;
    }
    return {
      id: idFromSeed('bsl', `${scope}|${identity}`),
      seq: i + 1,
      account: line.account,
      bankReference: line.bankReference,
      date: line.date,
      amountMinor: line.amountMinor,
      currency: line.currency,
      reference: line.reference,
      payer: line.payer,
    };
  });
}

/**
 * Decides a batch of lines with one lookup per kind for the whole batch (invoice numbers, payers'
 * invoices, then for the unmatched: lookalike numbers and invoices of the same amount), never a
 * query per line. Lines no longer `new` are left as they are.
 */
export async function matchLines(sql: Sql, lines: readonly StoredBankLine[]): Promise<LineOutcome[]> {
  const fresh = lines.filter((l) => l.status === 'new');
  const incoming = fresh.filter((l) => l.amountMinor > 0);
  const tokens = new Map(incoming.map((l) => [l.id, invoiceNumberTokens(l.reference)]));
  const named = await invoicesByNumbers(sql, [...new Set([...tokens.values()].flat())]);
  const byNumber = new Map(named.map((i) => [i.number, i]));
  const namedOf = (line: StoredBankLine) => (tokens.get(line.id) ?? []).map((t) => byNumber.get(t)).filter((i): i is PayableInvoice => i !== undefined);
  const keys = new Map(incoming.map((l) => [l.id, payerKey(l.payer)]));
  const payerInvoices = await payableInvoicesByPayerKeys(sql, [...new Set([...keys.values()].filter(Boolean))]);
  const payerOf = (line: StoredBankLine) => payerInvoices.get(keys.get(line.id) ?? '') ?? [];

  // In statement order, each line seeing what the lines before it allocated (and the database what
  // lines matched earlier and not yet applied will pay).
  const seen = new Set([...named.map((i) => i.id), ...[...payerInvoices.values()].flat().map((i) => i.id)]);
  const pending = await pendingByInvoice(sql, [...seen]);
  const decisions = decideLines(
    fresh.map((line) => ({ line, byNumber: namedOf(line), byPayer: payerOf(line) })),
    pending,
  );
  const decided = fresh.map((line, i) => ({ line, decision: decisions[i] as LineDecision }));
  const waiting = decided.filter((d) => d.decision.kind === 'unmatched').map((d) => d.line);
  const digitsOf = new Map(waiting.map((l) => [l.id, numberLookalikeDigits(l.reference)]));
  const lookalikes = await invoicesByNumberDigits(sql, [...new Set([...digitsOf.values()].flat())], CANDIDATES_PER_REASON);
  const sameAmount = await openInvoicesByAmounts(sql, waiting.map((l) => ({ currency: l.currency, amountMinor: l.amountMinor })), CANDIDATES_PER_REASON);

  return decided.map(({ line, decision }): LineOutcome => {
    if (decision.kind === 'ignored') return { lineId: line.id, status: 'ignored', matchedBy: null, reason: decision.reason, allocations: [], candidates: [] };
    if (decision.kind === 'matched') return { lineId: line.id, status: 'matched', matchedBy: decision.by, reason: null, allocations: decision.allocations, candidates: [] };
    const groups: { reason: CandidateReason; invoices: readonly PayableInvoice[] }[] = [
      { reason: 'not_payable', invoices: namedOf(line) },
      { reason: 'number_lookalike', invoices: (digitsOf.get(line.id) ?? []).flatMap((d) => lookalikes.get(d) ?? []) },
      { reason: 'same_payer', invoices: payerOf(line) },
      { reason: 'same_amount', invoices: sameAmount.get(`${line.currency}:${line.amountMinor}`) ?? [] },
    ];
    return { lineId: line.id, status: 'unmatched', matchedBy: null, reason: decision.reason, allocations: [], candidates: candidatesFor(groups) };
  });
}

/** What a recorded payment needs besides its amount: the bank as the actor, the line as the reference. */
export const bankPaymentReference = (lineId: string): string => `bank:${lineId}`;

/** Errors that say an invoice will never take this payment (not "try again later"). */
function refusalOf(error: unknown): string | null {
  if (!(error instanceof AppError)) return null;
  const permanent: string[] = [ErrorCode.conflict, ErrorCode.notFound, ErrorCode.validationFailed, ErrorCode.forbidden];
  return permanent.includes(error.code) ? error.message : null;
}

/**
 * Applies the pending allocations of these matched lines, each through its invoice's workflow, and
 * settles each line: applied, or back to the queue when an invoice refused its part (paid or voided
 * meanwhile). A retry finds what was recorded: the workflow answers a reference it has as a repeat.
 * Transient failures (Temporal or the database away) throw, for the activity to be retried.
 */
export async function applyLines(
  sql: Sql,
  invoices: Pick<InvoiceService, 'recordPayment'>,
  lineIds: readonly string[],
  options: { concurrency: number; progress?: () => void },
): Promise<Map<string, { status: 'applied' | 'unmatched' | null; payments: LinePayment[] }>> {
  const pending = await pendingAllocations(sql, lineIds);
  const byLine = new Map<string, typeof pending>();
  for (const allocation of pending) byLine.set(allocation.lineId, [...(byLine.get(allocation.lineId) ?? []), allocation]);
  const results = new Map<string, { status: 'applied' | 'unmatched' | null; payments: LinePayment[] }>();
  const queue = [...lineIds];
  const lane = async () => {
    for (let lineId = queue.shift(); lineId !== undefined; lineId = queue.shift()) {
      const payments: LinePayment[] = [];
      // A line's invoices one after another, oldest first, as they were allocated.
      for (const allocation of byLine.get(lineId) ?? []) {
        let outcome: { status: 'applied' | 'refused'; message: string | null };
        try {
          await invoices.recordPayment(allocation.invoiceId, {
            ...systemActor('bank'),
            amountMinor: allocation.amountMinor,
            method: 'bank_transfer',
            reference: bankPaymentReference(lineId),
            receivedAt: `${allocation.date}T00:00:00.000Z`,
          });
          outcome = { status: 'applied', message: null };
        } catch (error) {
          const refused = refusalOf(error);
          if (refused === null) throw error;
          outcome = { status: 'refused', message: refused };
        }
        await recordAllocationOutcome(sql, lineId, allocation.invoiceId, outcome);
        payments.push({ invoiceId: allocation.invoiceId, amountMinor: allocation.amountMinor, ...outcome });
      }
      const status = await settleLine(sql, lineId);
      results.set(lineId, { status: status === 'applied' || status === 'unmatched' ? status : null, payments });
      options.progress?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, lineIds.length)) }, lane));
  return results;
}

/** A refusal of a person's match, before anything is written. */
interface Refusal {
  path: string;
  message: string;
}

/**
 * A person's match of a queued line, in one transaction with the line locked: the invoices must
 * exist, take payments, be in the line's currency and not have been paid by this line already.
 * The line's unapplied money is spread oldest first; the line is then `matched` and its
 * allocations pending (the line's match workflow applies them).
 */
export async function claimLineForMatch(sql: Sql, input: BankLineMatchInput): Promise<{ claimed: Allocation[] } | { refused: Refusal } | { status: string } | null> {
  return claimLine<Refusal>(sql, input.lineId, async (tx, line, paid) => {
    const unapplied = line.amountMinor - paid.applied;
    if (unapplied <= 0) return { refused: { path: 'lineId', message: 'the line has no money left to apply' } };
    const found = stillDue(await invoicesByIds(tx, input.invoiceIds), await pendingByInvoice(tx, input.invoiceIds));
    for (const [i, id] of input.invoiceIds.entries()) {
      const invoice = found.find((f) => f.id === id);
      const path = `invoiceIds.${i}`;
      if (!invoice) return { refused: { path, message: `invoice ${id} does not exist` } };
      if (!(PAYABLE_STATUSES as readonly string[]).includes(invoice.status)) return { refused: { path, message: `invoice ${invoice.number || id} is ${invoice.status}: it takes no payments` } };
      if (invoice.currency !== line.currency) return { refused: { path, message: `invoice ${invoice.number} is in ${invoice.currency}, the line in ${line.currency}` } };
      if (paid.invoiceIds.has(id)) return { refused: { path, message: `invoice ${invoice.number} has a payment from this line already` } };
    }
    return { allocations: allocate(unapplied, found), by: input.by.principal, at: input.at };
  });
}

export function createBankStatementService(sql: Sql, client: Client, config: Pick<Config, 'temporal'>): BankStatementService {
  const taskQueue = config.temporal.taskQueue;

  /** Starts a statement's workflow; one already started (running or done) is left as it is. */
  async function startReconciliation(statementId: string): Promise<void> {
    try {
      await client.workflow.start<typeof reconciliationWorkflow>('reconciliationWorkflow', {
        taskQueue,
        workflowId: reconciliationWorkflowId(statementId),
        args: [{ statementId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /** The counts once the workflow has matched every line: its Update answers then (the stored row if it is gone). */
  async function countsOf(statementId: string): Promise<StatementCounts> {
    try {
      return await client.workflow.getHandle(reconciliationWorkflowId(statementId)).executeUpdate(statementMatchedUpdate);
    } catch (error) {
      const stored = await findStatement(sql, statementId);
      if (stored?.counts) return stored.counts;
      throw error;
    }
  }

  return {
    async upload(file, by) {
      const lines = identifyLines(parseStatement(file.format, file.text));
      const id = newId('bst');
      const stored = await insertStatement(sql, { id, format: file.format, uploadedBy: by.principal, uploadedAt: new Date().toISOString() }, lines);
      // Duplicates of lines still waiting to be matched: their upload stored them but its workflow never started.
      for (const waiting of stored.waiting) await startReconciliation(waiting);
      if (stored.newLines === 0) return { id, lines: lines.length, matched: 0, unmatched: 0, ignored: 0, duplicates: stored.duplicates };
      await startReconciliation(id);
      return { id, lines: lines.length, ...(await countsOf(id)), duplicates: stored.duplicates };
    },

    load(id) {
      return couldBeRowId(id) ? findStatement(sql, id) : Promise.resolve(null);
    },

    unmatched(page) {
      return listUnmatched(sql, page);
    },

    async match(lineId, invoiceIds, by) {
      if (!couldBeRowId(lineId)) throw notFound('bank statement line', lineId);
      const input: BankLineMatchInput = { lineId, invoiceIds, by, at: new Date().toISOString() };
      let result: BankLineMatchResult;
      try {
        result = await client.workflow.execute<typeof bankLineMatchWorkflow>('bankLineMatchWorkflow', {
          taskQueue,
          workflowId: bankLineMatchWorkflowId(lineId),
          args: [input],
          // A line sent back to the queue may be matched again; the claim decides, not the id.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new AppError({ code: ErrorCode.conflict, message: 'someone else is matching this line right now', extra: { status: 'matching' } });
        }
        throw error;
      }
      if (result.outcome === 'not_found') throw notFound('bank statement line', lineId);
      if (result.outcome === 'conflict') throw new AppError({ code: ErrorCode.conflict, message: `the line is ${result.status}: only an unmatched line can be matched`, extra: { status: result.status } });
      if (result.outcome === 'refused') throw validationError(result.path, result.message);
      return { lineId, status: result.outcome === 'applied' ? 'applied' : 'unmatched', payments: result.payments };
    },

    async ignore(lineId, reason, by) {
      if (!couldBeRowId(lineId)) throw notFound('bank statement line', lineId);
      const outcome = await ignoreLine(sql, lineId, reason, by.principal, new Date().toISOString());
      if (!outcome) throw notFound('bank statement line', lineId);
      if ('status' in outcome) throw new AppError({ code: ErrorCode.conflict, message: `the line is ${outcome.status}: only an unmatched line can be ignored`, extra: { status: outcome.status } });
      return { lineId, status: 'ignored', reason };
    },
  };
}
