import type { Sql } from '../src/db/client';
import { applyCreditNote, issueCreditNote, voidInvoice } from '../src/db/credit-notes';
import { findDelivery, upsertDelivery } from '../src/db/deliveries';
import {
  applyInvoiceSnapshot,
  insertApproval,
  insertDraftInvoice,
  insertFee,
  type InvoiceEventRecord,
  type InvoiceSnapshot,
  issueInvoice,
  issueInvoiceWithSnapshot,
  reviseDraftInvoice,
} from '../src/db/invoices';
import { addCustomerCredit, applyPayment, type CreditEntry, insertPayment } from '../src/db/payments';
import { applyRefund, holdRefundCredit, releaseRefundCredit } from '../src/db/refunds';
import type { ApprovalRecord, FeeRecord, InvoiceDraft, PaymentRecord } from '../src/domain/invoice';
import { failPermanentlyOnBadData } from './database-failures';

/** Writes of the invoice workflow. Each is idempotent: its key comes from the invoice and the step. */
export function createInvoiceActivities({ sql }: { sql: Sql }) {
  return failPermanentlyOnBadData({
    async recordDraftInvoice(draft: InvoiceDraft): Promise<void> {
      await insertDraftInvoice(sql, draft);
    },

    async reviseDraft({ draft, version }: { draft: InvoiceDraft; version: number }): Promise<void> {
      await reviseDraftInvoice(sql, draft, version);
    },

    async recordInvoiceChange(args: { snapshot: InvoiceSnapshot; event: InvoiceEventRecord }): Promise<void> {
      await applyInvoiceSnapshot(sql, args.snapshot, args.event);
    },

    /** The gapless number (once) and the invoice's open state, in one transaction. */
    async issueInvoiceWithSnapshot(args: Parameters<typeof issueInvoiceWithSnapshot>[1]): Promise<string> {
      return issueInvoiceWithSnapshot(sql, args);
    },

    async recordApproval({ invoiceId, seq, approval }: { invoiceId: string; seq: number; approval: ApprovalRecord }): Promise<void> {
      await insertApproval(sql, invoiceId, seq, approval);
    },

    /** Allocates the gapless number (once) and fixes the issue and due dates. */
    async issueInvoice(args: { invoiceId: string; issuedAt: string; dueAt: string; prefix: string }): Promise<string> {
      return issueInvoice(sql, args);
    },

    /** The payment, the customer's credit for any excess, and the invoice's new state, in one transaction. */
    async applyPayment(args: { customerId: string; currency: string; payment: PaymentRecord; snapshot: InvoiceSnapshot; event: InvoiceEventRecord }): Promise<void> {
      await applyPayment(sql, args);
    },

    /** Takes the customer's credit a refund spends first, before the refund is made; answers the amount taken (once per key). */
    async holdRefundCredit(args: Parameters<typeof holdRefundCredit>[1]): Promise<{ heldMinor: number }> {
      return { heldMinor: await holdRefundCredit(sql, args) };
    },

    /** Gives back the credit held for a refund that was not made. */
    async releaseRefundCredit({ key }: { key: string }): Promise<void> {
      await releaseRefundCredit(sql, key);
    },

    /** The refund, what it took from the customer's credit, and the invoice's new state, in one transaction. */
    async applyRefund(args: Parameters<typeof applyRefund>[1]): Promise<void> {
      await applyRefund(sql, args);
    },

    /** The credit note (once per key, numbered), the customer's credit beyond the amount due, and the invoice's new state. */
    async applyCreditNote(args: Parameters<typeof applyCreditNote>[1]): Promise<string> {
      return applyCreditNote(sql, args);
    },

    /** The credit note (if issued), the customer's credit for what was paid, and the void state, in one transaction. */
    async voidInvoice(args: Parameters<typeof voidInvoice>[1]): Promise<{ creditNoteNumber: string | null }> {
      return { creditNoteNumber: await voidInvoice(sql, args) };
    },

    async recordLateFee({ invoiceId, fee }: { invoiceId: string; fee: FeeRecord }): Promise<void> {
      await insertFee(sql, invoiceId, fee);
    },

    /** After the last retry: the invoice shows delivery "failed" with the error. */
    async markDeliveryFailed({ invoiceId, step, error }: { invoiceId: string; step: string; error: string }): Promise<void> {
      const existing = await findDelivery(sql, invoiceId, step);
      if (!existing || existing.status === 'sent') return;
      await upsertDelivery(sql, { ...existing, status: 'failed', lastError: error });
    },

    // Used only by invoices started before payments and voids were single transactions
    // (workflows/invoice/legacy-v1.ts): they replay and run with the activities they started with.
    async recordPayment({ invoiceId, currency, payment }: { invoiceId: string; currency: string; payment: PaymentRecord }): Promise<void> {
      await insertPayment(sql, invoiceId, currency, payment);
    },

    async addCustomerCredit(entry: CreditEntry): Promise<void> {
      await addCustomerCredit(sql, entry);
    },

    async issueCreditNote(args: { invoiceId: string; amountMinor: number; currency: string; reason: string; issuedBy: string; issuedAt: string }): Promise<string> {
      return issueCreditNote(sql, args);
    },
  });
}
