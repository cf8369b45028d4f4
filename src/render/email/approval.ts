import type { ApprovalKind, InvoiceDocument, RenderedEmail } from '../document';
import { formatDate, money } from '../format';
import { resolveLocale } from '../locale';
import { type ApprovalCopy, emailCopy } from './copy';
import { cachedTemplate } from './engine';
import { ACCENT, type LayoutView, layoutView, textFooter, textTable } from './layout';

/** The email to the approvers of a draft invoice: a request, or an escalation when it has waited too long. */

const KIND_ACCENT: Record<ApprovalKind, string> = { request: ACCENT.calm, escalation: ACCENT.warning };

interface ApprovalView {
  layout: LayoutView;
  label: string;
  heading: string;
  paragraphs: string[];
  accentColor: string;
  customerName: string;
  customerEmail: string;
  reference: string;
  lineCount: number;
  dueOn: string;
  total: string;
  memo: string | null;
  labels: ApprovalCopy['labels'];
}

const template = cachedTemplate<ApprovalView>('approval');

/**
 * `waitingSince` is the ISO 8601 time the request was first sent. `approversLocale` is the language
 * of the approvers, not the customer's: they are the issuer's staff, so the email is English
 * unless the caller knows better.
 */
export async function renderApprovalEmail(doc: InvoiceDocument, kind: ApprovalKind, waitingSince: string, approversLocale = 'en'): Promise<RenderedEmail> {
  const locale = resolveLocale(approversLocale);
  const copy = emailCopy(locale.language);
  const { labels } = copy.approval;
  const total = money(doc, doc.totalMinor, locale);
  const notice = copy.approval.kinds[kind]({ customer: doc.customer.name, total, since: formatDate(waitingSince, locale) });
  const view: ApprovalView = {
    layout: layoutView(doc, locale, copy, notice.subject),
    label: notice.label,
    heading: notice.heading,
    paragraphs: notice.paragraphs,
    accentColor: KIND_ACCENT[kind],
    customerName: doc.customer.name,
    customerEmail: doc.customer.email,
    reference: doc.number ?? copy.approval.draftReference,
    lineCount: doc.lines.length,
    dueOn: doc.dueAt === null ? copy.approval.dueWhenIssued : formatDate(doc.dueAt, locale),
    total,
    memo: doc.memo,
    labels,
  };
  const text = [
    view.heading,
    '',
    ...view.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...textTable([
      [labels.customer, `${view.customerName} <${view.customerEmail}>`],
      [labels.invoice, view.reference],
      [labels.lines, String(view.lineCount)],
      [labels.dueDate, view.dueOn],
      [labels.total, view.total],
    ]),
    ...(view.memo ? ['', `${labels.noteOnInvoice}: ${view.memo}`] : []),
    '',
    `${labels.reviewInvoice}: ${view.layout.url}`,
    ...textFooter(view.layout),
  ];
  return { subject: view.layout.subject, html: (await template())(view), text: text.join('\n') };
}
