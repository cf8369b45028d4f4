import type { CustomerApproval } from '../domain/customer';
import type { PricedLine } from '../domain/lines';
import { type Plan, subscriptionInvoiceDraft } from '../domain/subscription';
import type { SubscriptionSnapshot, SubscriptionStatus } from '../domain/subscription-state';
import { RefusedWrite, type Sql, toIso, toMinor, type Tx } from './client';
import type { PageCursor } from './customers';
import { type RecordedInvoice, recordSystemDraftIn, storedSystemInvoice } from './invoices';
import { addCredit } from './payments';

/** Plans, subscriptions and their history. After the api creates a subscription, its workflow is its only writer. */

interface PlanRow {
  code: string;
  name: string;
  currency: string;
  unit_price_minor: string;
  interval: string;
  tax_rate_bps: number;
  trial_days: number;
  created_by: string;
  created_at: Date;
}

export interface PlanRecord extends Plan {
  createdBy: string;
  createdAt: string;
}

const toPlan = (r: PlanRow): PlanRecord => ({
  code: r.code,
  name: r.name,
  currency: r.currency,
  unitPriceMinor: toMinor(r.unit_price_minor),
  interval: r.interval,
  taxRateBps: r.tax_rate_bps,
  trialDays: r.trial_days,
  createdBy: r.created_by,
  createdAt: toIso(r.created_at) ?? '',
});

/** Inserts a plan; false when its code is taken (the plan stays as it was). */
export async function insertPlan(sql: Sql, p: PlanRecord): Promise<boolean> {
  const inserted = await sql`
    insert into plans (code, name, currency, unit_price_minor, interval, tax_rate_bps, trial_days, created_by, created_at)
    values (${p.code}, ${p.name}, ${p.currency}, ${p.unitPriceMinor}, ${p.interval}, ${p.taxRateBps}, ${p.trialDays}, ${p.createdBy}, ${p.createdAt})
    on conflict (code) do nothing
    returning code`;
  return inserted.length > 0;
}

export async function findPlan(sql: Sql, code: string): Promise<PlanRecord | null> {
  const [row] = await sql<PlanRow[]>`select * from plans where code = ${code}`;
  return row ? toPlan(row) : null;
}

export async function listPlans(sql: Sql): Promise<PlanRecord[]> {
  const rows = await sql<PlanRow[]>`select * from plans order by code`;
  return rows.map(toPlan);
}

interface SubscriptionRow {
  id: string;
  customer_id: string;
  plan_code: string;
  status: SubscriptionStatus;
  trial_end: Date | null;
  current_period_start: Date | null;
  current_period_end: Date | null;
  cancel_at: Date | null;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A subscription's row: its last stored snapshot, with who created it and when. */
export interface SubscriptionRecord extends Omit<SubscriptionSnapshot, 'at'> {
  customerId: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const toSubscription = (r: SubscriptionRow): SubscriptionRecord => ({
  id: r.id,
  customerId: r.customer_id,
  planCode: r.plan_code,
  status: r.status,
  trialEnd: toIso(r.trial_end),
  currentPeriodStart: toIso(r.current_period_start),
  currentPeriodEnd: toIso(r.current_period_end),
  cancelAt: toIso(r.cancel_at),
  version: r.version,
  createdBy: r.created_by,
  createdAt: toIso(r.created_at) ?? '',
  updatedAt: toIso(r.updated_at) ?? '',
});

/** Records a new subscription and its "created" event; an existing id (a retried request) is left as it is. */
export async function insertSubscription(sql: Sql, s: SubscriptionSnapshot & { customerId: string; createdBy: string }): Promise<boolean> {
  return sql.begin(async (tx) => {
    const inserted = await tx`
      insert into subscriptions (id, customer_id, plan_code, status, trial_end, current_period_start, current_period_end,
                                 cancel_at, version, created_by, created_at, updated_at)
      values (${s.id}, ${s.customerId}, ${s.planCode}, ${s.status}, ${s.trialEnd}, ${s.currentPeriodStart}, ${s.currentPeriodEnd},
              ${s.cancelAt}, ${s.version}, ${s.createdBy}, ${s.at}, ${s.at})
      on conflict (id) do nothing
      returning id`;
    if (inserted.length === 0) return false;
    await insertEvent(tx, s, { type: 'created', actor: s.createdBy, detail: { planCode: s.planCode, status: s.status } });
    return true;
  });
}

export interface SubscriptionEventRecord {
  type: string;
  actor: string;
  detail: Record<string, unknown>;
}

async function insertEvent(tx: Tx, s: SubscriptionSnapshot, e: SubscriptionEventRecord): Promise<void> {
  await tx`
    insert into subscription_events (subscription_id, version, type, actor, detail, at)
    values (${s.id}, ${s.version}, ${e.type}, ${e.actor}, ${tx.json(e.detail as never)}, ${s.at})
    on conflict (subscription_id, version) do nothing`;
}

/**
 * Writes the workflow's state at `version` with the event of that change, inside the caller's
 * transaction (which may store more: an invoice, a credit). A replayed or late write carrying an
 * older version changes nothing.
 */
export async function writeSubscriptionIn(tx: Tx, s: SubscriptionSnapshot, e: SubscriptionEventRecord): Promise<void> {
  await tx`
    update subscriptions
    set plan_code = ${s.planCode},
        status = ${s.status},
        trial_end = ${s.trialEnd},
        current_period_start = ${s.currentPeriodStart},
        current_period_end = ${s.currentPeriodEnd},
        cancel_at = ${s.cancelAt},
        version = ${s.version},
        updated_at = ${s.at}
    where id = ${s.id}
      and version < ${s.version}`;
  await insertEvent(tx, s, e);
}

export async function findSubscription(sql: Sql, id: string): Promise<SubscriptionRecord | null> {
  const [row] = await sql<SubscriptionRow[]>`select * from subscriptions where id = ${id}`;
  return row ? toSubscription(row) : null;
}

export async function listSubscriptions(sql: Sql, f: { customerId: string | null; limit: number; after: PageCursor | null }): Promise<SubscriptionRecord[]> {
  const rows = await sql<SubscriptionRow[]>`
    select *
    from subscriptions
    where ${f.customerId ? sql`customer_id = ${f.customerId}` : sql`true`}
      and ${f.after ? sql`(created_at, id) > (${f.after.createdAt}, ${f.after.id})` : sql`true`}
    order by created_at, id
    limit ${f.limit}`;
  return rows.map(toSubscription);
}

export interface SubscriptionHistoryEntry {
  version: number;
  type: string;
  actor: string;
  detail: Record<string, unknown>;
  at: string;
}

export async function subscriptionHistory(sql: Sql, id: string): Promise<SubscriptionHistoryEntry[]> {
  const rows = await sql<{ version: number; type: string; actor: string; detail: Record<string, unknown>; at: Date }[]>`
    select version, type, actor, detail, at
    from subscription_events
    where subscription_id = ${id}
    order by version`;
  return rows.map((r) => ({ version: r.version, type: r.type, actor: r.actor, detail: r.detail, at: toIso(r.at) ?? '' }));
}

export async function subscriptionInvoiceIds(sql: Sql, id: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id
    from invoices
    where subscription_id = ${id}
    order by created_at, id`;
  return rows.map((r) => r.id);
}

/**
 * Stores a change of the subscription with the invoice it bills (a period in advance, or the
 * difference of a change of plan), in one transaction: the invoice's id derives from the
 * subscription and what it bills, so a retried step finds it and answers it as stored. The invoice
 * is approved and issued at once when the customer's approval rule lets it through.
 */
export async function billSubscriptionIn(
  sql: Sql,
  args: { snapshot: SubscriptionSnapshot; event: SubscriptionEventRecord; invoice: { id: string; customerId: string; currency: string; lines: PricedLine[]; createdBy: string }; numberPrefix: string },
): Promise<RecordedInvoice> {
  const { snapshot, event, invoice } = args;
  const made = await sql.begin(async (tx) => {
    const [existing] = await tx`select id from invoices where id = ${invoice.id}`;
    if (existing) return null;
    const [customer] = await tx<{ payment_terms_days: number; dunning_policy_id: string | null; approval: CustomerApproval }[]>`
      select payment_terms_days, dunning_policy_id, approval from customers where id = ${invoice.customerId}`;
    if (!customer) throw new RefusedWrite(`customer ${invoice.customerId} does not exist`);
    const draft = subscriptionInvoiceDraft({
      ...invoice,
      subscriptionId: snapshot.id,
      terms: { paymentTermsDays: customer.payment_terms_days, dunningPolicyId: customer.dunning_policy_id ?? 'default' },
      now: snapshot.at,
    });
    const recorded = await recordSystemDraftIn(tx, draft, { customerApproval: customer.approval, numberPrefix: args.numberPrefix, now: snapshot.at });
    await writeSubscriptionIn(tx, snapshot, { ...event, detail: { ...event.detail, invoiceId: invoice.id } });
    return recorded;
  });
  const recorded = made ?? (await storedSystemInvoice(sql, invoice.id));
  if (!recorded) throw new Error(`invoice ${invoice.id} of subscription ${snapshot.id} is not recorded`);
  return recorded;
}

/** Stores a change of the subscription, with a credit to its customer when it gives one (a downgrade, a cancellation now). */
export async function changeSubscription(
  sql: Sql,
  args: { snapshot: SubscriptionSnapshot; event: SubscriptionEventRecord; credit?: { customerId: string; currency: string; amountMinor: number } },
): Promise<void> {
  const { snapshot, event, credit } = args;
  await sql.begin(async (tx) => {
    await writeSubscriptionIn(tx, snapshot, event);
    if (credit && credit.amountMinor > 0) {
      await addCredit(tx, { key: `subscription:${snapshot.id}:v${snapshot.version}`, customerId: credit.customerId, invoiceId: null, amountMinor: credit.amountMinor, currency: credit.currency, at: snapshot.at });
    }
  });
}
