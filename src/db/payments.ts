import type { PaymentRecord } from '../domain/invoice';
import { MAX_SUM_MINOR } from '../domain/money';
import type { Sql, Tx } from './client';
import { RefusedWrite, toIso, toMinor } from './client';
import { type InvoiceEventRecord, type InvoiceSnapshot, writeInvoiceSnapshot } from './invoices';

/**
 * Applies a payment to its invoice in one transaction: the payment (once per invoice and
 * reference), the customer's credit for what it paid beyond the amount due, and the invoice's new
 * state with its timeline event. A retried activity finds the payment and changes nothing twice.
 */
export async function applyPayment(
  sql: Sql,
  args: { customerId: string; currency: string; payment: PaymentRecord; snapshot: InvoiceSnapshot; event: InvoiceEventRecord },
): Promise<void> {
  const { payment: p, snapshot } = args;
  await sql.begin(async (tx) => {
    const inserted = await tx`
      insert into payments (invoice_id, reference, amount_minor, applied_minor, credit_minor, currency, method, received_at, recorded_by, recorded_at)
      values (${snapshot.invoiceId}, ${p.reference}, ${p.amountMinor}, ${p.appliedMinor}, ${p.creditMinor}, ${args.currency}, ${p.method},
              ${p.receivedAt}, ${p.recordedBy}, ${p.recordedAt})
      on conflict (invoice_id, reference) do nothing
      returning reference`;
    if (inserted.length === 1 && p.creditMinor > 0) {
      await addCredit(tx, {
        key: `overpayment:${snapshot.invoiceId}:${p.reference}`,
        customerId: args.customerId,
        invoiceId: snapshot.invoiceId,
        amountMinor: p.creditMinor,
        currency: args.currency,
        at: p.recordedAt,
      });
    }
    await writeInvoiceSnapshot(tx, snapshot, args.event);
  });
}

/** Records a payment once per (invoice, reference): invoices started before payments were split. */
export async function insertPayment(sql: Sql, invoiceId: string, currency: string, p: PaymentRecord): Promise<void> {
  await sql`
    insert into payments (invoice_id, reference, amount_minor, applied_minor, credit_minor, currency, method, received_at, recorded_by, recorded_at)
    values (${invoiceId}, ${p.reference}, ${p.amountMinor}, ${p.appliedMinor}, ${p.creditMinor}, ${currency}, ${p.method}, ${p.receivedAt}, ${p.recordedBy}, ${p.recordedAt})
    on conflict (invoice_id, reference) do nothing`;
}

interface PaymentRow {
  reference: string;
  amount_minor: string;
  applied_minor: string;
  credit_minor: string;
  method: PaymentRecord['method'];
  received_at: Date;
  recorded_by: string;
  recorded_at: Date;
}

export async function listPayments(sql: Sql, invoiceId: string): Promise<PaymentRecord[]> {
  const rows = await sql<PaymentRow[]>`
    select reference, amount_minor, applied_minor, credit_minor, method, received_at, recorded_by, recorded_at
    from payments
    where invoice_id = ${invoiceId}
    order by recorded_at, reference`;
  return rows.map((r) => ({
    reference: r.reference,
    amountMinor: toMinor(r.amount_minor),
    appliedMinor: toMinor(r.applied_minor),
    creditMinor: toMinor(r.credit_minor),
    method: r.method,
    receivedAt: toIso(r.received_at) ?? '',
    recordedBy: r.recorded_by,
    recordedAt: toIso(r.recorded_at) ?? '',
  }));
}

export interface CreditEntry {
  key: string;
  customerId: string;
  invoiceId: string | null;
  amountMinor: number;
  currency: string;
  at: string;
}

/** Adds a credit entry once per key (e.g. the over-payment of one payment). */
export async function addCustomerCredit(sql: Sql, entry: CreditEntry): Promise<void> {
  await sql.begin((tx) => addCredit(tx, entry));
}

/**
 * Adds a credit entry once per key, inside the caller's transaction. The customer's row is locked
 * so concurrent credits for one customer add up one at a time, and a balance beyond 2^53 - 1 (which
 * no JSON reader could show exactly) is refused before it is written.
 */
export async function addCredit(tx: Tx, entry: CreditEntry): Promise<void> {
  await lockCustomerCredit(tx, entry.customerId);
  // Once per key: a retry (or a refund's credit taken before the refund was made) adds nothing.
  if ((await creditEntryAmount(tx, entry.key)) !== null) return;
  const before = await customerCreditBalance(tx, entry.customerId, entry.currency);
  const balance = BigInt(before) + BigInt(entry.amountMinor);
  if (balance > BigInt(MAX_SUM_MINOR) || balance < -BigInt(MAX_SUM_MINOR)) {
    throw new RefusedWrite(`the customer's ${entry.currency} credit balance would exceed ${MAX_SUM_MINOR} minor units`);
  }
  // Spending credit (a refund) never takes more than there is: the balance was read before this lock.
  if (entry.amountMinor < 0 && balance < 0n) {
    throw new RefusedWrite(`the customer's ${entry.currency} credit is ${before} minor units, less than the ${-entry.amountMinor} taken from it`);
  }
  await tx`
    insert into customer_credits (entry_key, customer_id, invoice_id, amount_minor, currency, at)
    values (${entry.key}, ${entry.customerId}, ${entry.invoiceId}, ${entry.amountMinor}, ${entry.currency}, ${entry.at})
    on conflict (entry_key) do nothing`;
}

/** Locks the customer's row: changes to one customer's credit are made one at a time. */
export async function lockCustomerCredit(tx: Tx, customerId: string): Promise<void> {
  await tx`
    select id
    from customers
    where id = ${customerId}
    for update`;
}

/** The amount of the credit entry with this key, or null when there is none. */
export async function creditEntryAmount(sql: Sql | Tx, key: string): Promise<number | null> {
  const [row] = await sql<{ amount_minor: string }[]>`
    select amount_minor
    from customer_credits
    where entry_key = ${key}`;
  return row ? toMinor(row.amount_minor) : null;
}

/** The customer's credit in one currency, in minor units (0 when none). */
export async function customerCreditBalance(sql: Sql | Tx, customerId: string, currency: string): Promise<number> {
  const [row] = await sql<{ balance: string }[]>`
    select coalesce(sum(amount_minor), 0)::text as balance
    from customer_credits
    where customer_id = ${customerId}
      and currency = ${currency}`;
  return toMinor(row?.balance ?? '0');
}

/** The customer's credit per currency, in minor units. */
export async function customerCreditBalances(sql: Sql, customerId: string): Promise<Record<string, number>> {
  const rows = await sql<{ currency: string; balance: string }[]>`
    select currency, sum(amount_minor)::bigint as balance
    from customer_credits
    where customer_id = ${customerId}
    group by currency
    order by currency`;
  return Object.fromEntries(rows.map((r) => [r.currency, toMinor(r.balance)]));
}
