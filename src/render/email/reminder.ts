import type { InvoiceDocument, ReminderTone, RenderedEmail } from '../document';
import { assertIssued, money, RenderError } from '../format';
import { resolveLocale } from '../locale';
import { emailCopy, type ReminderCopy } from './copy';
import { cachedTemplate } from './engine';
import { ACCENT, type LayoutView, layoutView, textFooter, textTable } from './layout';

/** The dunning emails to the customer, friendly reminder to collections, in the customer's language. */

/** The banner colour of each tone: it darkens as the invoice gets later. */
const TONE_ACCENT: Record<ReminderTone, string> = {
  friendly: ACCENT.calm,
  firm: ACCENT.warning,
  final: ACCENT.danger,
  collections: ACCENT.grave,
};

interface ReminderView {
  layout: LayoutView;
  label: string;
  heading: string;
  paragraphs: string[];
  accentColor: string;
  preview: string;
  greeting: string;
  number: string;
  dueOn: string;
  /** The reminder's position in the dunning sequence as the copy words it ("no. 2"). */
  level: string;
  amountDue: string;
  attachmentNote: string | null;
  labels: ReminderCopy['labels'];
}

const template = cachedTemplate<ReminderView>('reminder');

/** `level` is the reminder's position in the dunning sequence (1 for the first), shown to the customer. */
export async function renderReminderEmail(doc: InvoiceDocument, tone: ReminderTone, level: number): Promise<RenderedEmail> {
  if (!Number.isSafeInteger(level) || level < 1) throw new RenderError(`reminder level must be a whole number from 1, not ${level}`);
  const locale = resolveLocale(doc.customer.locale);
  const copy = emailCopy(locale.language);
  const { labels } = copy.reminder;
  const issued = assertIssued(doc, locale);
  const amountDue = money(doc, doc.amountDueMinor, locale);
  const notice = copy.reminder.tones[tone]({ number: issued.number, dueOn: issued.dueOn, amountDue });
  const view: ReminderView = {
    layout: layoutView(doc, locale, copy, notice.subject),
    label: notice.label,
    heading: notice.heading,
    paragraphs: notice.paragraphs,
    accentColor: TONE_ACCENT[tone],
    preview: copy.reminder.preview({ heading: notice.heading, amountDue, dueOn: issued.dueOn }),
    greeting: copy.greeting(doc.customer.name),
    number: issued.number,
    dueOn: issued.dueOn,
    level: copy.reminder.level(level),
    amountDue,
    attachmentNote: notice.attachmentNote,
    labels,
  };
  const text = [
    `${view.label.toUpperCase()}: ${view.heading}`,
    '',
    view.greeting,
    '',
    ...view.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...textTable([
      [labels.invoice, view.number],
      [labels.dueDate, view.dueOn],
      [labels.reminder, view.level],
      [labels.amountDue, view.amountDue],
    ]),
    ...(view.attachmentNote ? ['', view.attachmentNote] : []),
    '',
    `${labels.viewInvoice}: ${view.layout.url}`,
    ...textFooter(view.layout),
  ];
  return { subject: view.layout.subject, html: (await template())(view), text: text.join('\n') };
}
