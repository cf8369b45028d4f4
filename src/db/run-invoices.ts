import { decideApproval } from '../domain/approval';
import { runInvoiceDraft } from '../domain/billing-run';
import type { CustomerApproval } from '../domain/customer';
import { type InvoiceDraft, type InvoiceState, issuedByPolicy } from '../domain/invoice';
import { type ChargeGroup, markChargesBilled, pendingChargesOf } from './charges';
import type { Sql } from './client';
import { draftOf, findInvoice, insertDraftInvoiceIn, issueByPolicyIn, listApprovals } from './invoices';

/**
 * A billing run's invoices, made from pending charges. Exactly once: the invoice's id derives from
 * the run, customer and currency, and the invoice is recorded in the same transaction that claims
 * its charges, so a retried or replayed step finds its own work done.
 */

interface RunGroup extends ChargeGroup {
  runId: string;
  period: string;
}

/** A run's invoice as recorded: its draft, and its state when it was issued at once. */
export interface RecordedRunInvoice {
  draft: InvoiceDraft;
  /** Approved by policy and issued in the same transaction (its workflow starts from here); null when it waits for a person. */
  issued: InvoiceState | null;
}

/**
 * Records the invoice of one customer and currency and marks its charges billed. An invoice the
 * customer's approval policy lets through is approved and issued (its gapless number, the open
 * state) in the same transaction: its workflow then starts open and sends it, with no write of its
 * own before the email. An invoice already recorded under `invoiceId` (an earlier attempt) answers
 * as it was stored; null when nothing is pending.
 */
export async function billRunGroup(
  sql: Sql,
  g: RunGroup & { invoiceId: string; createdBy: string; now: string; numberPrefix: string | null },
): Promise<RecordedRunInvoice | null> {
  const made = await sql.begin(async (tx) => {
    const [existing] = await tx`select id from invoices where id = ${g.invoiceId}`;
    if (existing) return 'exists' as const;
    const charges = await pendingChargesOf(tx, g, true);
    if (charges.length === 0) return null;
    const [customer] = await tx<{ payment_terms_days: number; dunning_policy_id: string | null; approval: CustomerApproval }[]>`
      select payment_terms_days, dunning_policy_id, approval from customers where id = ${g.customerId}`;
    const draft = runInvoiceDraft(charges, {
      id: g.invoiceId,
      runId: g.runId,
      customerId: g.customerId,
      currency: g.currency,
      terms: { paymentTermsDays: customer?.payment_terms_days ?? 30, dunningPolicyId: customer?.dunning_policy_id ?? 'default' },
      createdBy: g.createdBy,
      now: g.now,
    });
    await insertDraftInvoiceIn(tx, draft);
    await markChargesBilled(tx, charges.map((c) => c.id), draft.id, g.runId);
    const rule = decideApproval({ invoice: draft.approval, customer: customer?.approval ?? 'policy', totalMinor: draft.totalMinor, currency: draft.currency });
    // A zero invoice is settled as it is issued: its workflow does both. A step scheduled by code
    // older than this has no number prefix: its workflow issues the invoice.
    if (rule.required || draft.totalMinor <= 0 || g.numberPrefix === null) return { draft, issued: null };
    return { draft, issued: await issueByPolicyIn(tx, draft, { prefix: g.numberPrefix, issuedAt: g.now, reason: rule.reason }) };
  });
  return made === 'exists' ? storedRunInvoice(sql, g.invoiceId) : made;
}

/** A run's invoice recorded by an earlier attempt, as that attempt answered it. */
async function storedRunInvoice(sql: Sql, invoiceId: string): Promise<RecordedRunInvoice | null> {
  const stored = await findInvoice(sql, invoiceId);
  if (!stored) return null;
  // A run's draft has no due date of its own (its customer's terms give it); issuing left one on the row.
  const draft = { ...draftOf(stored), dueAt: null };
  const [approval] = await listApprovals(sql, invoiceId);
  if (stored.number === null || stored.issuedAt === null || approval?.decision !== 'auto_approved') return { draft, issued: null };
  return { draft, issued: issuedByPolicy(draft, { approval, number: stored.number, issuedAt: stored.issuedAt }) };
}

/** What a dry run shows for one customer and currency, stored once per run; null when nothing is pending. */
export async function previewRunGroup(sql: Sql, g: RunGroup & { now: string }): Promise<{ totalMinor: number } | null> {
  const charges = await pendingChargesOf(sql, g, false);
  if (charges.length === 0) return null;
  const draft = runInvoiceDraft(charges, {
    id: 'preview',
    runId: g.runId,
    customerId: g.customerId,
    currency: g.currency,
    terms: { paymentTermsDays: 0, dunningPolicyId: null },
    createdBy: 'preview',
    now: g.now,
  });
  await sql`
    insert into billing_run_previews (run_id, customer_id, currency, lines, total_minor, created_at)
    values (${g.runId}, ${g.customerId}, ${g.currency}, ${sql.json(draft.lines as never)}, ${draft.totalMinor}, ${g.now})
    on conflict (run_id, customer_id, currency) do nothing`;
  return { totalMinor: draft.totalMinor };
}
