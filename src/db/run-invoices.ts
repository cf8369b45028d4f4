import { runInvoiceDraft } from '../domain/billing-run';
import type { CustomerApproval } from '../domain/customer';
import { type ChargeGroup, markChargesBilled, pendingChargesOf } from './charges';
import type { Sql } from './client';
import { type RecordedInvoice, recordSystemDraftIn, storedSystemInvoice } from './invoices';

/**
 * A billing run's invoices, made from pending charges. Exactly once: the invoice's id derives from
 * the run, customer and currency, and the invoice is recorded in the same transaction that claims
 * its charges, so a retried or replayed step finds its own work done.
 */

interface RunGroup extends ChargeGroup {
  runId: string;
  period: string;
}

/**
 * Records the invoice of one customer and currency and marks its charges billed; an invoice the
 * customer's approval policy lets through is approved and issued in the same transaction
 * (recordSystemDraftIn). An invoice already recorded under `invoiceId` (an earlier attempt) answers
 * as it was stored; null when nothing is pending.
 */
export async function billRunGroup(
  sql: Sql,
  g: RunGroup & { invoiceId: string; createdBy: string; now: string; numberPrefix: string | null },
): Promise<RecordedInvoice | null> {
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
    // A step scheduled by code older than issuing at once has no number prefix: its workflow issues the invoice.
    const recorded = await recordSystemDraftIn(tx, draft, { customerApproval: customer?.approval ?? 'policy', numberPrefix: g.numberPrefix, now: g.now });
    await markChargesBilled(tx, charges.map((c) => c.id), draft.id, g.runId);
    return recorded;
  });
  return made === 'exists' ? storedSystemInvoice(sql, g.invoiceId) : made;
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
