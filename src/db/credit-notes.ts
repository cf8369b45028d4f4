import type { Sql } from './client';
import { seriesFor, takeNextNumber } from './numbering';

/**
 * Issues the credit note that cancels a voided invoice, once: a retry finds it and returns its
 * number. Credit notes have their own gapless series (e.g. CN-2026-000001).
 */
export async function issueCreditNote(
  sql: Sql,
  args: { invoiceId: string; amountMinor: number; currency: string; reason: string; issuedBy: string; issuedAt: string },
): Promise<string> {
  return sql.begin(async (tx) => {
    await tx`
      select id
      from invoices
      where id = ${args.invoiceId}
      for update`;
    const [existing] = await tx<{ number: string }[]>`
      select number
      from credit_notes
      where invoice_id = ${args.invoiceId}`;
    if (existing) return existing.number;
    const number = await takeNextNumber(tx, seriesFor('CN', args.issuedAt));
    await tx`
      insert into credit_notes (number, invoice_id, amount_minor, currency, reason, issued_by, issued_at)
      values (${number}, ${args.invoiceId}, ${args.amountMinor}, ${args.currency}, ${args.reason}, ${args.issuedBy}, ${args.issuedAt})`;
    return number;
  });
}
