import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Person } from '../../src/domain/actor';

/**
 * The reconciliation workflows' inputs and messages. A statement's workflow has the id
 * `reconciliation:<statementId>`; a person's match of one queued line, `reconciliation-line:<lineId>`.
 */

export const reconciliationWorkflowId = (statementId: string): string => `reconciliation:${statementId}`;
export const bankLineMatchWorkflowId = (lineId: string): string => `reconciliation-line:${lineId}`;

export interface StatementCounts {
  matched: number;
  unmatched: number;
  ignored: number;
}

export interface ReconciliationInput {
  statementId: string;
  /** Set by continue-as-new: where the statement's workflow was. */
  resume?: ReconciliationProgress;
}

export interface ReconciliationProgress {
  /** The statement's last line position (its batches are ranges up to it). */
  lastSeq: number;
  /** Lines up to this position are matched; then applied up to `appliedUpTo`. */
  matchedUpTo: number;
  appliedUpTo: number;
  /** Known once every line is matched. */
  counts: StatementCounts | null;
  /** Lines whose payments were all recorded, and lines sent back to the queue (an invoice refused its part). */
  applied: number;
  requeued: number;
  done: boolean;
}

/** Answers the statement's counts once every line is matched (at once when they are known). */
export const statementMatchedUpdate = defineUpdate<StatementCounts>('statementMatched');
export const reconciliationProgressQuery = defineQuery<ReconciliationProgress>('reconciliationProgress');

export interface BankLineMatchInput {
  lineId: string;
  invoiceIds: string[];
  by: Person;
  /** When the person chose (the decision's time on the line). */
  at: string;
}

/** One invoice's part of a line, as recorded. */
export interface LinePayment {
  invoiceId: string;
  amountMinor: number;
  status: 'applied' | 'refused';
  message: string | null;
}

export type BankLineMatchResult =
  | { outcome: 'applied' | 'requeued'; payments: LinePayment[] }
  | { outcome: 'conflict'; status: string }
  | { outcome: 'refused'; path: string; message: string }
  | { outcome: 'not_found' };
