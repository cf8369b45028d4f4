import type { Charge, ChargeKind, ChargeStatus } from '../domain/charge';
import { appendAuditEvent } from './audit';
import type { Sql, Tx } from './client';
import { toIso, toMinor } from './client';
import type { PageCursor } from './customers';

export interface ChargeRow {
  id: string;
  customer_id: string;
  status: ChargeStatus;
  period: string;
  currency: string;
  description: string;
  kind: ChargeKind;
  quantity: string;
  unit_price_minor: string;
  tax_rate_bps: number;
  amount_minor: string;
  occurred_at: Date;
  invoice_id: string | null;
  billing_run_id: string | null;
  created_by: string;
  created_at: Date;
  cancelled_by: string | null;
  cancelled_at: Date | null;
}

export function toCharge(row: ChargeRow): Charge {
  return {
    id: row.id,
    status: row.status,
    period: row.period,
    customerId: row.customer_id,
    currency: row.currency,
    description: row.description,
    kind: row.kind,
    quantity: row.quantity,
    unitPriceMinor: toMinor(row.unit_price_minor),
    taxRateBps: row.tax_rate_bps,
    amountMinor: toMinor(row.amount_minor),
    occurredAt: toIso(row.occurred_at) ?? '',
    invoiceId: row.invoice_id,
    billingRunId: row.billing_run_id,
    createdBy: row.created_by,
    createdAt: toIso(row.created_at) ?? '',
    cancelledBy: row.cancelled_by,
    cancelledAt: toIso(row.cancelled_at),
  };
}

/** Inserts a charge, or returns the one already stored under the same id (a retried create). */
export async function insertCharge(sql: Sql, c: Charge): Promise<Charge> {
  const row = await sql.begin(async (tx) => {
    const [inserted] = await tx<ChargeRow[]>`
      insert into charges (id, customer_id, status, period, currency, description, kind, quantity,
                           unit_price_minor, tax_rate_bps, amount_minor, occurred_at, invoice_id,
                           billing_run_id, created_by, created_at, cancelled_by, cancelled_at)
      values (${c.id}, ${c.customerId}, ${c.status}, ${c.period}, ${c.currency}, ${c.description}, ${c.kind}, ${c.quantity},
              ${c.unitPriceMinor}, ${c.taxRateBps}, ${c.amountMinor}, ${c.occurredAt}, ${c.invoiceId},
              ${c.billingRunId}, ${c.createdBy}, ${c.createdAt}, ${c.cancelledBy}, ${c.cancelledAt})
      on conflict (id) do nothing
      returning *`;
    if (inserted) {
      await appendAuditEvent(tx, {
        eventKey: `charge:${c.id}:created`,
        entityType: 'charge',
        entityId: c.id,
        type: 'created',
        actor: c.createdBy,
        at: c.createdAt,
        detail: { kind: c.kind, period: c.period, amountMinor: c.amountMinor, currency: c.currency },
      });
    }
    return inserted;
  });
  if (row) return toCharge(row);
  const existing = await findCharge(sql, c.id);
  if (!existing) throw new Error(`charge ${c.id} vanished after a conflicting insert`);
  return existing;
}

export async function findCharge(sql: Sql, id: string): Promise<Charge | null> {
  const [row] = await sql<ChargeRow[]>`
    select *
    from charges
    where id = ${id}`;
  return row ? toCharge(row) : null;
}

export interface ChargeFilter {
  customerId: string | null;
  status: ChargeStatus | null;
  period: string | null;
  limit: number;
  after: PageCursor | null;
}

/** A page of charges, oldest first. */
export async function listCharges(sql: Sql, f: ChargeFilter): Promise<Charge[]> {
  const rows = await sql<ChargeRow[]>`
    select *
    from charges
    where ${f.customerId ? sql`customer_id = ${f.customerId}` : sql`true`}
      and ${f.status ? sql`status = ${f.status}` : sql`true`}
      and ${f.period ? sql`period = ${f.period}` : sql`true`}
      and ${f.after ? sql`(created_at, id) > (${f.after.createdAt}, ${f.after.id})` : sql`true`}
    order by created_at, id
    limit ${f.limit}`;
  return rows.map(toCharge);
}

/**
 * Cancels a pending charge, with its audit event; null when the charge is not pending (or does not
 * exist). One conditional update: of a cancel and a billing run, or of two cancels, one wins.
 */
export async function cancelPendingCharge(sql: Sql, id: string, by: string, at: string): Promise<Charge | null> {
  const row = await sql.begin(async (tx) => {
    const [cancelled] = await tx<ChargeRow[]>`
      update charges
      set status = 'cancelled',
          cancelled_by = ${by},
          cancelled_at = ${at}
      where id = ${id}
        and status = 'pending'
      returning *`;
    if (cancelled) {
      await appendAuditEvent(tx, { eventKey: `charge:${id}:cancelled`, entityType: 'charge', entityId: id, type: 'cancelled', actor: by, at, detail: {} });
    }
    return cancelled;
  });
  return row ? toCharge(row) : null;
}

/** A customer and currency with pending charges: what one invoice of a billing run bills. */
export interface ChargeGroup {
  customerId: string;
  currency: string;
}

/**
 * The next `limit` customers and currencies with charges pending in `period` or earlier, in
 * (customer, currency) order after `after`; only `customerIds` when given. A billing run pages
 * through these, so each answer stays small whatever the number of customers.
 */
export async function pendingChargeGroups(
  sql: Sql,
  f: { period: string; customerIds: readonly string[] | null; after: ChargeGroup | null; limit: number },
): Promise<ChargeGroup[]> {
  const rows = await sql<{ customer_id: string; currency: string }[]>`
    select distinct customer_id, currency
    from charges
    where status = 'pending'
      and period <= ${f.period}
      and ${f.customerIds ? sql`customer_id in ${sql(f.customerIds as string[])}` : sql`true`}
      and ${f.after ? sql`(customer_id, currency) > (${f.after.customerId}, ${f.after.currency})` : sql`true`}
    order by customer_id, currency
    limit ${f.limit}`;
  return rows.map((r) => ({ customerId: r.customer_id, currency: r.currency.trim() }));
}

/**
 * The charges of one customer and currency pending in `period` or earlier, oldest first. With
 * `lock`, inside a transaction, they stay locked until it ends: a concurrent cancel waits, then
 * finds them billed.
 */
export async function pendingChargesOf(tx: Sql | Tx, g: ChargeGroup & { period: string }, lock: boolean): Promise<Charge[]> {
  const rows = await tx<ChargeRow[]>`
    select *
    from charges
    where customer_id = ${g.customerId}
      and currency = ${g.currency}
      and status = 'pending'
      and period <= ${g.period}
    order by created_at, id
    ${lock ? tx`for update` : tx``}`;
  return rows.map(toCharge);
}

/** Marks charges billed by an invoice (of a run); only those still pending change. */
export async function markChargesBilled(tx: Tx, ids: readonly string[], invoiceId: string, billingRunId: string | null): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await tx`
    update charges
    set status = 'billed',
        invoice_id = ${invoiceId},
        billing_run_id = ${billingRunId}
    where id in ${tx(ids as string[])}
      and status = 'pending'
    returning id`;
  return rows.length;
}
