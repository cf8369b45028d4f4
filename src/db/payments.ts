import type { PaymentRecord } from '../domain/invoice';
import type { Sql } from './client';
import { toIso, toMinor } from './client';

/** Records a payment once per (invoice, reference): a repeated reference never pays twice. */
export async function insertPayment(sql: Sql, invoiceId: string, currency: string, p: PaymentRecord): Promise<void> {
  await sql`
    insert into payments (invoice_id, reference, amount_minor, currency, method, received_at, recorded_by, recorded_at)
    values (${invoiceId}, ${p.reference}, ${p.amountMinor}, ${currency}, ${p.method}, ${p.receivedAt}, ${p.recordedBy}, ${p.recordedAt})
    on conflict (invoice_id, reference) do nothing`;
}

export async function listPayments(sql: Sql, invoiceId: string): Promise<PaymentRecord[]> {
  const rows = await sql<{ reference: string; amount_minor: string; method: PaymentRecord['method']; received_at: Date; recorded_by: string; recorded_at: Date }[]>`
    select reference, amount_minor, method, received_at, recorded_by, recorded_at
    from payments
    where invoice_id = ${invoiceId}
    order by recorded_at, reference`;
  return rows.map((r) => ({
    reference: r.reference,
    amountMinor: toMinor(r.amount_minor),
    method: r.method,
    receivedAt: toIso(r.received_at) ?? '',
    recordedBy: r.recorded_by,
    recordedAt: toIso(r.recorded_at) ?? '',
  }));
}

/** Adds a credit entry once per key (e.g. the over-payment of one payment). */
export async function addCustomerCredit(
  sql: Sql,
  entry: { key: string; customerId: string; invoiceId: string | null; amountMinor: number; currency: string; at: string },
): Promise<void> {
  await sql`
    insert into customer_credits (entry_key, customer_id, invoice_id, amount_minor, currency, at)
    values (${entry.key}, ${entry.customerId}, ${entry.invoiceId}, ${entry.amountMinor}, ${entry.currency}, ${entry.at})
    on conflict (entry_key) do nothing`;
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
