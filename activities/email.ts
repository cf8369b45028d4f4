import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import type { Sql } from '../src/db/client';
import { appendAuditEvent } from '../src/db/audit';
import { findDelivery, upsertDelivery } from '../src/db/deliveries';
import { payPageUrl, payTokenOf } from '../src/db/pay-pages';
import type { ReminderTemplate } from '../src/domain/dunning';
import type { InvoiceState } from '../src/domain/invoice';
import { buildInvoiceDocument } from '../src/render/build-document';
import type { InvoiceDocument, RenderedEmail } from '../src/render/document';
import { renderApprovalEmail, renderInvoiceEmail, renderReminderEmail } from '../src/render/email';
import { renderFinalNoticePdf, renderInvoicePdf } from '../src/render/pdf';
import { RenderError } from '../src/render/format';
import type { CustomerSnapshot } from '../src/domain/customer';
import { approvalInboxPath } from '../src/web/app/links';

export interface MailDeps {
  sql: Sql;
  mailer: Pick<Transporter, 'sendMail'>;
  mailFrom: string;
  publicBaseUrl: string;
  approvers: { notify: string; escalateTo: string };
}

export interface SentMail {
  messageId: string;
  attempts: number;
  sentAt: string;
}

/** Failure type of a message the SMTP server refused for good (5xx): retrying cannot help. */
export const DELIVERY_REJECTED = 'delivery_rejected';

/**
 * Whether the SMTP server refused the message for good. RFC 5321 makes a 5yz reply permanent and a
 * 4yz reply transient; 503 (bad sequence of commands) is the exception, a session in the wrong state
 * rather than a refused message, which can go through on a new connection. An error without a
 * reply (connection refused or lost, a timeout) is transient too: Temporal retries it.
 */
function isPermanentRejection(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600 && code !== 503;
}

/** Emails of the invoice workflow, rendered from its state and sent over SMTP. */
export function createEmailActivities(deps: MailDeps) {
  const documentOf = (state: InvoiceState, customer: CustomerSnapshot): InvoiceDocument => buildInvoiceDocument(state, customer, deps);

  /**
   * The document of an email to the customer: its link is the invoice's pay page (PUBLIC_BASE_URL/pay/<token>,
   * the token from the invoices row), which needs no API key. Never a Stripe Checkout Session: they expire.
   */
  const customerDocumentOf = async (state: InvoiceState, customer: CustomerSnapshot): Promise<InvoiceDocument> => {
    const doc = documentOf(state, customer);
    const token = await payTokenOf(deps.sql, doc.invoiceId);
    return token ? { ...doc, url: payPageUrl(deps.publicBaseUrl, token) } : doc;
  };

  /**
   * Sends one message per invoice and step, at most once successfully: a delivery already marked
   * sent is not sent again, and every attempt carries the same Message-ID so a receiver can drop a
   * duplicate of an attempt whose acceptance we never heard about.
   */
  async function deliver(args: {
    invoiceId: string;
    step: string;
    to: string;
    email: RenderedEmail;
    attachments: { filename: string; content: Buffer }[];
    /** Also put "sent" on the invoice's timeline, in the transaction that marks the delivery sent. */
    timeline?: boolean;
  }): Promise<SentMail> {
    const messageId = `<${args.invoiceId}.${args.step}@billflow>`;
    const existing = await findDelivery(deps.sql, args.invoiceId, args.step);
    if (existing?.status === 'sent') return { messageId, attempts: existing.attempts, sentAt: existing.sentAt ?? '' };
    const attempts = Context.current().info.attempt;
    const base = { invoiceId: args.invoiceId, step: args.step, recipient: args.to, messageId, attempts };
    try {
      await deps.mailer.sendMail({
        from: deps.mailFrom,
        to: args.to,
        subject: args.email.subject,
        html: args.email.html,
        text: args.email.text,
        messageId,
        attachments: args.attachments.map((a) => ({ ...a, contentType: 'application/pdf' })),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await upsertDelivery(deps.sql, { ...base, status: 'pending', lastError: message, sentAt: null });
      if (isPermanentRejection(error)) throw ApplicationFailure.nonRetryable(message, DELIVERY_REJECTED);
      throw error;
    }
    const sentAt = new Date().toISOString();
    const sent = { ...base, status: 'sent', lastError: null, sentAt } as const;
    if (!args.timeline) await upsertDelivery(deps.sql, sent);
    else {
      await deps.sql.begin(async (tx) => {
        await upsertDelivery(tx, sent);
        await appendAuditEvent(tx, {
          eventKey: `invoice:${args.invoiceId}:delivery:${args.step}`,
          entityType: 'invoice',
          entityId: args.invoiceId,
          type: 'sent',
          actor: 'system',
          detail: { to: args.to, messageId },
          at: sentAt,
        });
      });
    }
    return { messageId, attempts, sentAt };
  }

  return {
    /** `timeline`: the workflow (revision 3) leaves the "sent" event on the invoice's timeline to this activity. */
    sendInvoiceEmail: ({ state, customer, timeline }: { state: InvoiceState; customer: CustomerSnapshot; timeline?: boolean }): Promise<SentMail> => rendered(async () => {
      const doc = await customerDocumentOf(state, customer);
      return deliver({
        timeline,
        invoiceId: doc.invoiceId,
        step: 'invoice',
        to: customer.email,
        email: await renderInvoiceEmail(doc),
        attachments: [{ filename: `${doc.number ?? doc.invoiceId}.pdf`, content: await renderInvoicePdf(doc) }],
      });
    }),

    sendReminder: (args: { state: InvoiceState; customer: CustomerSnapshot; step: { index: number; template: ReminderTemplate } }): Promise<SentMail> => rendered(async () => {
      const doc = await customerDocumentOf(args.state, args.customer);
      const attachments = [{ filename: `${doc.number ?? doc.invoiceId}.pdf`, content: await renderInvoicePdf(doc) }];
      if (args.step.template === 'final') {
        attachments.unshift({ filename: `final-notice-${doc.number ?? doc.invoiceId}.pdf`, content: await renderFinalNoticePdf(doc) });
      }
      return deliver({
        invoiceId: doc.invoiceId,
        step: `reminder-${args.step.index + 1}`,
        to: args.customer.email,
        email: await renderReminderEmail(doc, args.step.template, args.step.index + 1),
        attachments,
      });
    }),

    notifyApprovers: (args: { state: InvoiceState; customer: CustomerSnapshot; kind: 'request' | 'escalation'; waitingSince: string }): Promise<SentMail> => rendered(async () => {
      const doc = documentOf(args.state, args.customer);
      const submissions = args.state.approvals.filter((a) => a.decision === 'changes_requested').length;
      return deliver({
        invoiceId: doc.invoiceId,
        step: `approval-${args.kind}-${submissions + 1}`,
        to: args.kind === 'request' ? deps.approvers.notify : deps.approvers.escalateTo,
        // Approvers review it in their inbox, straight at the invoice (also after signing in first).
        email: await renderApprovalEmail({ ...doc, url: `${deps.publicBaseUrl}${approvalInboxPath(doc.invoiceId)}` }, args.kind, args.waitingSince),
        attachments: [],
      });
    }),
  };
}

/** Failure type of a document that cannot be rendered (an unissued invoice's PDF): every retry would fail alike. */
export const RENDER_FAILED = 'render_failed';

async function rendered<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RenderError) throw ApplicationFailure.nonRetryable(error.message, RENDER_FAILED);
    throw error;
  }
}
