import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { dbActivity } from '../activity-options';
import {
  type BankLineMatchInput,
  type BankLineMatchResult,
  type ReconciliationInput,
  type ReconciliationProgress,
  reconciliationProgressQuery,
  type StatementCounts,
  statementMatchedUpdate,
} from './messages';
import { inWindows } from '../windows';

/** Matching and recording are SQL in batches: the database preset, with room for a batch of thousands of lines. */
const db = proxyActivities<Activities>({ ...dbActivity, startToCloseTimeout: '2 minutes' });
/**
 * Applying sends each payment to its invoice's workflow and waits for it: a batch takes as long as
 * its slowest invoice, so it reports progress (heartbeats) and a lost worker is noticed in a minute.
 */
const payments = proxyActivities<Activities>({ ...dbActivity, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });

/** Lines matched per activity: one set of lookups serves them all. */
export const MATCH_BATCH = 5_000;
/** Lines applied per activity, and activities at once. */
export const APPLY_BATCH = 200;
export const APPLY_WINDOW = 4;
/** Apply batches per run before continuing as new (about 3 events each), far below Temporal's history limits. */
export const APPLY_BATCHES_PER_RUN = 200;

const START: ReconciliationProgress = { lastSeq: 0, matchedUpTo: 0, appliedUpTo: 0, counts: null, applied: 0, requeued: 0, done: false };

/**
 * A bank statement's reconciliation: match every stored line (in batches of positions), record the
 * statement's counts (the upload is answered with them), then apply the matched lines' payments
 * through their invoices' workflows, a window of batches at a time, continuing as new as it goes.
 * Every step is idempotent, so a worker that restarts anywhere applies no line twice.
 * Workflow id: `reconciliation:<statementId>`.
 */
export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationProgress> {
  const progress: ReconciliationProgress = { ...START, ...input.resume };
  setHandler(reconciliationProgressQuery, () => progress);
  setHandler(statementMatchedUpdate, async (): Promise<StatementCounts> => {
    await condition(() => progress.counts !== null);
    return progress.counts as StatementCounts;
  });

  if (progress.counts === null) {
    ({ lastSeq: progress.lastSeq } = await db.prepareStatementMatching({ statementId: input.statementId }));
    while (progress.matchedUpTo < progress.lastSeq) {
      const upTo = Math.min(progress.lastSeq, progress.matchedUpTo + MATCH_BATCH);
      await db.matchBankLines({ statementId: input.statementId, after: progress.matchedUpTo, upTo });
      progress.matchedUpTo = upTo;
    }
    progress.counts = await db.recordStatementMatched({ statementId: input.statementId });
  }

  const ranges: { after: number; upTo: number }[] = [];
  for (let after = progress.appliedUpTo; after < progress.lastSeq && ranges.length < APPLY_BATCHES_PER_RUN; after += APPLY_BATCH) {
    ranges.push({ after, upTo: Math.min(progress.lastSeq, after + APPLY_BATCH) });
  }
  await inWindows(ranges, APPLY_WINDOW, async (range) => {
    const done = await payments.applyBankLines({ statementId: input.statementId, ...range });
    progress.applied += done.applied;
    progress.requeued += done.requeued;
  });
  progress.appliedUpTo = ranges[ranges.length - 1]?.upTo ?? progress.appliedUpTo;

  // The upload's Update is answered before this run ends (its caller waits for it).
  await condition(allHandlersFinished);
  if (progress.appliedUpTo < progress.lastSeq) return continueAsNew<typeof reconciliationWorkflow>({ statementId: input.statementId, resume: progress });
  await db.recordStatementDone({ statementId: input.statementId });
  progress.done = true;
  return progress;
}

/**
 * A person's match of one queued line: claim it (one transaction: the line must still be
 * unmatched; its allocations stored), then apply its payments. Claim and apply are one workflow, so
 * a claimed line is applied even if the api that asked goes away. Workflow id:
 * `reconciliation-line:<lineId>`; two people at once: one claims, the other is told.
 */
export async function bankLineMatchWorkflow(input: BankLineMatchInput): Promise<BankLineMatchResult> {
  const claim = await db.claimBankLine(input);
  if (claim === null) return { outcome: 'not_found' };
  if ('status' in claim) return { outcome: 'conflict', status: claim.status };
  if ('refused' in claim) return { outcome: 'refused', ...claim.refused };
  const applied = await payments.applyBankLine({ lineId: input.lineId });
  return { outcome: applied.payments.some((p) => p.status === 'refused') ? 'requeued' : 'applied', payments: applied.payments };
}
