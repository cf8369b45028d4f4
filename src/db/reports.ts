import type { Sql } from './client';
import { toIso, toMinor } from './client';

/**
 * The receivables reports and the customer statement, read from the read model (invoices, payments,
 * refunds, credit notes, late fees, customer credit and the audit trail) in SQL: no workflow is asked.
 *
 * Every figure is in minor units of one currency. What an invoice owed at a moment `asOf` is rebuilt
 * from the times things happened, so a report for a past date shows that date as it was:
 *
 *   due(asOf) = max(0, total + fees charged by asOf
 *                      - what payments received by asOf paid on it (their applied part)
 *                      + what refunds recorded by asOf took back from it (amount - from credit)
 *                      - what credit notes issued by asOf took off it (their applied part))
 *
 * and it is a receivable at `asOf` when it was issued by then (it has a number) and had not been voided
 * or written off by then (the `voided` / `written_off` events of its timeline). For asOf = now this is
 * the stored amount due (total + fees - amount paid - credited).
 */

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export interface AgingRow {
  customerId: string;
  name: string;
  bucket: AgingBucket;
  amountDueMinor: number;
}

/** One fragment for "what each receivable invoice of the currency owed at asOf", shared by aging and DSO. */
function receivablesAt(sql: Sql, currency: string, asOf: string) {
  return sql`
    select i.id,
           i.customer_id,
           i.due_at,
           greatest(0, i.total_minor + fees.minor - paid.minor + taken_back.minor - credited.minor) as due_minor
    from invoices i
    cross join lateral (
      select coalesce(sum(f.amount_minor), 0) as minor
      from invoice_fees f
      where f.invoice_id = i.id
        and f.at <= ${asOf}::timestamptz) fees
    cross join lateral (
      select coalesce(sum(p.applied_minor), 0) as minor
      from payments p
      where p.invoice_id = i.id
        and p.received_at <= ${asOf}::timestamptz) paid
    cross join lateral (
      select coalesce(sum(r.amount_minor - r.from_credit_minor), 0) as minor
      from refunds r
      where r.invoice_id = i.id
        and r.recorded_at <= ${asOf}::timestamptz) taken_back
    cross join lateral (
      select coalesce(sum(cn.applied_minor), 0) as minor
      from credit_notes cn
      where cn.invoice_id = i.id
        and cn.issued_at <= ${asOf}::timestamptz) credited
    where i.currency = ${currency}
      and i.number is not null
      and i.issued_at <= ${asOf}::timestamptz
      and not exists (
        select 1
        from audit_events e
        where e.entity_type = 'invoice'
          and e.entity_id = i.id
          and e.type in ('voided', 'written_off')
          and e.at <= ${asOf}::timestamptz)`;
}

/**
 * What each customer owed at `asOf` per aging bucket: by whole days past due, counted up (an invoice
 * due an hour ago is 1 day past due); "current" is not yet due (asOf at or before the due date).
 */
export async function agingByCustomer(sql: Sql, currency: string, asOf: string): Promise<AgingRow[]> {
  const rows = await sql<{ customer_id: string; name: string; bucket: AgingBucket; due_minor: string }[]>`
    with receivable as (${receivablesAt(sql, currency, asOf)}),
    aged as (
      select r.customer_id,
             r.due_minor,
             case
               when r.due_at is null or ${asOf}::timestamptz <= r.due_at then 'current'
               when ${asOf}::timestamptz - r.due_at <= interval '30 days' then '1-30'
               when ${asOf}::timestamptz - r.due_at <= interval '60 days' then '31-60'
               when ${asOf}::timestamptz - r.due_at <= interval '90 days' then '61-90'
               else '90+'
             end as bucket
      from receivable r
      where r.due_minor > 0)
    select a.customer_id, c.name, a.bucket, sum(a.due_minor)::text as due_minor
    from aged a
    join customers c
      on c.id = a.customer_id
    group by a.customer_id, c.name, a.bucket
    order by c.name, a.customer_id, a.bucket`;
  return rows.map((r) => ({ customerId: r.customer_id, name: r.name, bucket: r.bucket, amountDueMinor: toMinor(r.due_minor) }));
}

/** The sum of what every receivable invoice of the currency owed at `asOf`. */
export async function receivablesTotal(sql: Sql, currency: string, asOf: string): Promise<number> {
  const [row] = await sql<{ total: string }[]>`
    with receivable as (${receivablesAt(sql, currency, asOf)})
    select coalesce(sum(due_minor), 0)::text as total
    from receivable`;
  return toMinor(row?.total ?? '0');
}

/** Credit sales: the totals (tax included) of the invoices issued in [from, to), void ones left out. */
export async function salesTotal(sql: Sql, currency: string, from: string, to: string): Promise<number> {
  const [row] = await sql<{ total: string }[]>`
    select coalesce(sum(total_minor), 0)::text as total
    from invoices
    where currency = ${currency}
      and number is not null
      and issued_at >= ${from}::timestamptz
      and issued_at < ${to}::timestamptz
      and status <> 'void'`;
  return toMinor(row?.total ?? '0');
}

export interface CollectionsTotals {
  invoicedMinor: number;
  collectedMinor: number;
  outstandingMinor: number;
  writtenOffMinor: number;
}

/** The four collections figures of [from, to); see the OpenAPI description of GET /reports/collections. */
export async function collectionsTotals(sql: Sql, currency: string, from: string, to: string, now: string): Promise<CollectionsTotals> {
  const [row] = await sql<{ invoiced: string; outstanding: string; received: string; refunded: string; written_off: string }[]>`
    with issued as (
      select i.id,
             i.total_minor + coalesce((select sum(f.amount_minor) from invoice_fees f where f.invoice_id = i.id), 0) as invoiced_minor
      from invoices i
      where i.currency = ${currency}
        and i.number is not null
        and i.issued_at >= ${from}::timestamptz
        and i.issued_at < ${to}::timestamptz
        and i.status <> 'void'),
    receivable as (${receivablesAt(sql, currency, now)})
    select
      (select coalesce(sum(invoiced_minor), 0) from issued)::text as invoiced,
      (select coalesce(sum(r.due_minor), 0) from receivable r join issued using (id))::text as outstanding,
      (select coalesce(sum(p.amount_minor), 0)
       from payments p
       join invoices i
         on i.id = p.invoice_id
       where p.currency = ${currency}
         and p.received_at >= ${from}::timestamptz
         and p.received_at < ${to}::timestamptz
         -- What was paid before an import was collected by the earlier system, not in this period.
         and (i.external_id is null or p.reference <> 'imported:' || i.external_id))::text as received,
      (select coalesce(sum(r.amount_minor), 0)
       from refunds r
       where r.currency = ${currency}
         and r.recorded_at >= ${from}::timestamptz
         and r.recorded_at < ${to}::timestamptz)::text as refunded,
      (select coalesce(sum((e.detail ->> 'amountDueMinor')::bigint), 0)
       from audit_events e
       join invoices i
         on i.id = e.entity_id
       where e.entity_type = 'invoice'
         and e.type = 'written_off'
         and e.at >= ${from}::timestamptz
         and e.at < ${to}::timestamptz
         and i.currency = ${currency})::text as written_off`;
  return {
    invoicedMinor: toMinor(row?.invoiced ?? '0'),
    collectedMinor: toMinor(row?.received ?? '0') - toMinor(row?.refunded ?? '0'),
    outstandingMinor: toMinor(row?.outstanding ?? '0'),
    writtenOffMinor: toMinor(row?.written_off ?? '0'),
  };
}

export interface LatePayer {
  customerId: string;
  name: string;
  lateInvoices: number;
  averageDaysLate: number;
}

/**
 * Customers with at least `minimum` late invoices among those of the currency due in [from, to): an
 * invoice is late when it was paid after its due date (its last payment that paid something on it
 * was received after it) or is still unpaid (open, overdue, disputed) and its due date has passed.
 * Days late count up whole days from the due date to that payment, or to `now`.
 */
export async function latePayers(sql: Sql, currency: string, from: string, to: string, now: string, minimum: number): Promise<LatePayer[]> {
  const rows = await sql<{ customer_id: string; name: string; late_invoices: number; average_days_late: string }[]>`
    with settled as (
      select i.id,
             i.customer_id,
             i.due_at,
             case
               when i.status = 'paid' then (
                 select max(p.received_at)
                 from payments p
                 where p.invoice_id = i.id
                   and p.applied_minor > 0)
               when i.status in ('open', 'overdue', 'disputed') then ${now}::timestamptz
             end as settled_at
      from invoices i
      where i.currency = ${currency}
        and i.number is not null
        and i.due_at >= ${from}::timestamptz
        and i.due_at < ${to}::timestamptz),
    late as (
      select customer_id,
             ceil(extract(epoch from settled_at - due_at) / 86400) as days_late
      from settled
      where settled_at > due_at)
    select l.customer_id,
           c.name,
           count(*)::int as late_invoices,
           round(avg(l.days_late), 1)::text as average_days_late
    from late l
    join customers c
      on c.id = l.customer_id
    group by l.customer_id, c.name
    having count(*) >= ${minimum}
    order by count(*) desc, avg(l.days_late) desc, c.name, l.customer_id`;
  return rows.map((r) => ({ customerId: r.customer_id, name: r.name, lateInvoices: r.late_invoices, averageDaysLate: Number(r.average_days_late) }));
}

// The customer statement

export const STATEMENT_ENTRY_TYPES = ['invoice', 'late_fee', 'payment', 'refund', 'credit_note', 'write_off', 'credit'] as const;
export type StatementEntryType = (typeof STATEMENT_ENTRY_TYPES)[number];

export interface StatementEntry {
  at: string;
  type: StatementEntryType;
  currency: string;
  /** The invoice number, payment or refund reference, credit note number, or credit entry key. */
  reference: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  /** What it adds to what the customer owes: positive for charges, negative for what lowers it. */
  amountMinor: number;
}

/**
 * Every movement of the customer's balance in the currency it is in: invoices as issued (+ total),
 * late fees (+), payments as received (- the amount received, credit included), refunds (+), credit
 * notes (- their amount, credit included), write-offs (- the amount due written off) and credit
 * given outside invoices (subscription changes: - the amount). Their sum is what the customer owes
 * on open invoices less their credit balance.
 */
function statementEntries(sql: Sql, customerId: string) {
  return sql`
    select i.issued_at as at, 'invoice' as type, 0 as ord, i.currency, i.number as reference, i.id as invoice_id, i.number as invoice_number, i.total_minor as amount_minor
    from invoices i
    where i.customer_id = ${customerId}
      and i.number is not null
    union all
    select f.at, 'late_fee', 1, i.currency, i.number || '/fee-' || f.step, i.id, i.number, f.amount_minor
    from invoice_fees f
    join invoices i
      on i.id = f.invoice_id
    where i.customer_id = ${customerId}
    union all
    select p.received_at, 'payment', 2, p.currency, p.reference, i.id, i.number, -p.amount_minor
    from payments p
    join invoices i
      on i.id = p.invoice_id
    where i.customer_id = ${customerId}
    union all
    select r.recorded_at, 'refund', 3, r.currency, r.reference, i.id, i.number, r.amount_minor
    from refunds r
    join invoices i
      on i.id = r.invoice_id
    where i.customer_id = ${customerId}
    union all
    select cn.issued_at, 'credit_note', 4, cn.currency, cn.number, i.id, i.number, -cn.amount_minor
    from credit_notes cn
    join invoices i
      on i.id = cn.invoice_id
    where i.customer_id = ${customerId}
    union all
    select e.at, 'write_off', 5, i.currency, i.number, i.id, i.number, -(e.detail ->> 'amountDueMinor')::bigint
    from audit_events e
    join invoices i
      on i.id = e.entity_id
    where e.entity_type = 'invoice'
      and e.type = 'written_off'
      and i.customer_id = ${customerId}
    union all
    select cc.at, 'credit', 6, cc.currency, cc.entry_key, null, null, -cc.amount_minor
    from customer_credits cc
    where cc.customer_id = ${customerId}
      -- Credit tied to an invoice mirrors one of the entries above (an over-payment, a void, a credit
      -- note beyond the amount due, a refund out of credit): only credit given on its own is an entry.
      and cc.invoice_id is null`;
}

/**
 * Per currency the customer has entries in before `to`: the balance of everything before `from`
 * (null: nothing is before it).
 */
export async function statementOpening(sql: Sql, customerId: string, from: string | null, to: string): Promise<Record<string, number>> {
  const rows = await sql<{ currency: string; balance: string }[]>`
    with entry as (${statementEntries(sql, customerId)})
    select currency, coalesce(sum(case when ${from}::timestamptz is not null and at < ${from}::timestamptz then amount_minor else 0 end), 0)::text as balance
    from entry
    where at < ${to}::timestamptz
    group by currency
    order by currency`;
  return Object.fromEntries(rows.map((r) => [r.currency.trim(), toMinor(r.balance)]));
}

/** The entries in [from, to) in the order they happened (at the same moment: charges before what settles them). */
export async function statementRange(sql: Sql, customerId: string, from: string | null, to: string): Promise<StatementEntry[]> {
  const rows = await sql<{ at: Date; type: StatementEntryType; currency: string; reference: string; invoice_id: string | null; invoice_number: string | null; amount_minor: string }[]>`
    with entry as (${statementEntries(sql, customerId)})
    select at, type, currency, reference, invoice_id, invoice_number, amount_minor::text
    from entry
    where (${from}::timestamptz is null or at >= ${from}::timestamptz)
      and at < ${to}::timestamptz
    order by at, ord, reference`;
  return rows.map((r) => ({
    at: toIso(r.at) ?? '',
    type: r.type,
    currency: r.currency.trim(),
    reference: r.reference,
    invoiceId: r.invoice_id,
    invoiceNumber: r.invoice_number,
    amountMinor: toMinor(r.amount_minor),
  }));
}
