import { addCustomerCredit, insertPayment } from '../src/db/payments';
import type { Sql } from '../src/db/client';
import { issueCreditNote } from '../src/db/credit-notes';
import { upsertDelivery, findDelivery } from '../src/db/deliveries';
import {
  applyInvoiceSnapshot,
  insertApproval,
  insertDraftInvoice,
  insertFee,
  type InvoiceSnapshot,
  issueInvoice,
  reviseDraftInvoice,
} from '../src/db/invoices';
import type { ApprovalRecord, FeeRecord, InvoiceDraft, PaymentRecord } from '../src/domain/invoice';

/** Writes of the invoice workflow. Each is idempotent: its key comes from the invoice and the step. */
export function createInvoiceActivities({ sql }: { sql: Sql }) {
  return {
    async recordDraftInvoice(draft: InvoiceDraft): Promise<void> {
      await insertDraftInvoice(sql, draft);
    },

    async reviseDraft({ draft, version }: { draft: InvoiceDraft; version: number }): Promise<void> {
      await reviseDraftInvoice(sql, draft, version);
    },

    async recordInvoiceChange(args: { snapshot: InvoiceSnapshot; event: { type: string; actor: string; detail: Record<string, unknown> } }): Promise<void> {
      await applyInvoiceSnapshot(sql, args.snapshot, args.event);
    },

    async recordApproval({ invoiceId, seq, approval }: { invoiceId: string; seq: number; approval: ApprovalRecord }): Promise<void> {
      await insertApproval(sql, invoiceId, seq, approval);
    },

    /** Allocates the gapless number (once) and fixes the issue and due dates. */
    async issueInvoice(args: { invoiceId: string; issuedAt: string; dueAt: string; prefix: string }): Promise<string> {
      return issueInvoice(sql, args);
    },

    async recordPayment({ invoiceId, currency, payment }: { invoiceId: string; currency: string; payment: PaymentRecord }): Promise<void> {
      await insertPayment(sql, invoiceId, currency, payment);
    },

    async addCustomerCredit(entry: { key: string; customerId: string; invoiceId: string | null; amountMinor: number; currency: string; at: string }): Promise<void> {
      await addCustomerCredit(sql, entry);
    },

    async recordLateFee({ invoiceId, fee }: { invoiceId: string; fee: FeeRecord }): Promise<void> {
      await insertFee(sql, invoiceId, fee);
    },

    async issueCreditNote(args: { invoiceId: string; amountMinor: number; currency: string; reason: string; issuedBy: string; issuedAt: string }): Promise<string> {
      return issueCreditNote(sql, args);
    },

    /** After the last retry: the invoice shows delivery "failed" with the error. */
    async markDeliveryFailed({ invoiceId, step, error }: { invoiceId: string; step: string; error: string }): Promise<void> {
      const existing = await findDelivery(sql, invoiceId, step);
      if (!existing || existing.status === 'sent') return;
      await upsertDelivery(sql, { ...existing, status: 'failed', lastError: error });
    },
  };
}
