import type { RefundRecord } from '../domain/invoice';
import type { Sql } from './client';
import { toIso, toMinor } from './client';
import { type InvoiceEventRecord, type InvoiceSnapshot, writeInvoiceSnapshot } from './invoices';
import { addCredit } from './payments';

/**
 * Records a refund in one transaction: the refund (once per invoice and reference), what it took
 * from the customer's credit (refused if the credit no longer holds it), and the invoice's new state
 * with its timeline event. A retried activity finds the refund and changes nothing twice.
 */
export async function applyRefund(
  sql: Sql,
  args: { customerId: string; currency: string; refund: RefundRecord; snapshot: InvoiceSnapshot; event: InvoiceEventRecord },
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
        key: `refund:${snapshot.invoiceId}:${r.reference}`,
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
