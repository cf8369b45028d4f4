import type { RefundRecord } from '../domain/invoice';
import type { Sql } from './client';
import { toIso, toMinor } from './client';
import { type InvoiceEventRecord, type InvoiceSnapshot, writeInvoiceSnapshot } from './invoices';
import { addCredit, creditEntryAmount, type CreditEntry, customerCreditBalance, lockCustomerCredit } from './payments';

/**
 * Takes up to `maxMinor` of the customer's credit for a refund, before the refund is made: under
 * the customer's row lock, as one entry keyed by the refund (`key`). Answers what the key holds,
 * so a retry, or the same request again, gets the amount taken the first time and takes nothing more.
 */
export async function holdRefundCredit(sql: Sql, hold: Omit<CreditEntry, 'amountMinor'> & { maxMinor: number }): Promise<number> {
  return sql.begin(async (tx) => {
    await lockCustomerCredit(tx, hold.customerId);
    const held = await creditEntryAmount(tx, hold.key);
    if (held !== null) return -held;
    const balance = await customerCreditBalance(tx, hold.customerId, hold.currency);
    const taken = Math.min(hold.maxMinor, Math.max(0, balance));
    if (taken > 0) {
      await tx`
        insert into customer_credits (entry_key, customer_id, invoice_id, amount_minor, currency, at)
        values (${hold.key}, ${hold.customerId}, ${hold.invoiceId}, ${-taken}, ${hold.currency}, ${hold.at})`;
    }
    return taken;
  });
}

/** Gives back what `holdRefundCredit` took for a refund that was not made (nothing moved, so no entry stays). */
export async function releaseRefundCredit(sql: Sql, key: string): Promise<void> {
  await sql`
    delete from customer_credits
    where entry_key = ${key}
      and amount_minor < 0`;
}

/**
 * Records a refund in one transaction: the refund (once per invoice and reference), what it took
 * from the customer's credit (under `creditKey`: nothing more when `holdRefundCredit` took it
 * already), and the invoice's new state with its timeline event. A retried activity finds the
 * refund and changes nothing twice.
 */
export async function applyRefund(
  sql: Sql,
  args: { customerId: string; currency: string; refund: RefundRecord; creditKey: string; snapshot: InvoiceSnapshot; event: InvoiceEventRecord },
): Promise<void> {
  const { refund: r, snapshot } = args;
  await sql.begin(async (tx) => {
    const inserted = await tx`
      insert into refunds (invoice_id, reference, payment_reference, amount_minor, from_credit_minor, currency, method, reason, recorded_by, recorded_at)
      values (${snapshot.invoiceId}, ${r.reference}, ${r.paymentReference}, ${r.amountMinor}, ${r.fromCreditMinor}, ${args.currency}, ${r.method},
              ${r.reason}, ${r.recordedBy}, ${r.recordedAt})
      on conflict (invoice_id, reference) do nothing
      returning reference`;
    if (inserted.length === 1 && r.fromCreditMinor > 0) {
      await addCredit(tx, {
        key: args.creditKey,
        customerId: args.customerId,
        invoiceId: snapshot.invoiceId,
        amountMinor: -r.fromCreditMinor,
        currency: args.currency,
        at: r.recordedAt,
      });
    }
    await writeInvoiceSnapshot(tx, snapshot, args.event);
  });
}

interface RefundRow {
  reference: string;
  payment_reference: string;
  amount_minor: string;
  from_credit_minor: string;
  method: RefundRecord['method'];
  reason: string;
  recorded_by: string;
  recorded_at: Date;
}

export async function listRefunds(sql: Sql, invoiceId: string): Promise<RefundRecord[]> {
  const rows = await sql<RefundRow[]>`
    select reference, payment_reference, amount_minor, from_credit_minor, method, reason, recorded_by, recorded_at
    from refunds
    where invoice_id = ${invoiceId}
    order by recorded_at, reference`;
  return rows.map((r) => ({
    reference: r.reference,
    paymentReference: r.payment_reference,
    amountMinor: toMinor(r.amount_minor),
    fromCreditMinor: toMinor(r.from_credit_minor),
    method: r.method,
    reason: r.reason,
    recordedBy: r.recorded_by,
    recordedAt: toIso(r.recorded_at) ?? '',
  }));
}
