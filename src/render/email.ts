import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import type { InvoiceDocument, ReminderTone, RenderedEmail } from './document';
import { assertIssued, FINAL_NOTICE_PAYMENT_DAYS, formatBps, formatDate, money, RenderError } from './format';

/**
 * Emails about invoices: HTML from the MJML templates in ./templates, plus a hand-written text part.
 *
 * MJML is slow (milliseconds per template) and the templates do not change while the process runs, so
 * each template goes through MJML and Handlebars.compile once, at first use; a document then costs one
 * call of the compiled Handlebars function. The templates hold Handlebars expressions that MJML passes
 * through untouched: in text and raw table content, in `href`s, and as `{{#if}}` in `<mj-raw>` between
 * sections. Handlebars HTML-escapes every `{{value}}`, which keeps customer-supplied text inert.
 *
 * mjml 5's mjml2html is asynchronous, so the render functions return promises.
 */

const TEMPLATES_DIR = path.join(__dirname, 'templates');

const ACCENT = { calm: '#1f4e79', warning: '#b45309', danger: '#b91c1c', grave: '#7f1d1d' } as const;

/** The fields of the shared layout (partials/): the title, the header and the footer. */
interface LayoutView {
  subject: string;
  issuerName: string;
  issuerEmail: string;
  url: string;
}

interface LineView {
  description: string;
  quantity: string;
  unitPrice: string;
  taxRate: string;
  /** Net amount of the line (after discount, before tax): the column adds up to the subtotal. */
  amount: string;
  discount: string | null;
}

interface InvoiceView extends LayoutView {
  number: string;
  issuedOn: string;
  dueOn: string;
  customerName: string;
  lines: LineView[];
  subtotal: string;
  tax: string;
  total: string;
  fees: string | null;
  paid: string | null;
  amountDue: string;
  memo: string | null;
}

interface NoticeCopy {
  subject: string;
  label: string;
  heading: string;
  accentColor: string;
  paragraphs: string[];
}

interface ReminderView extends LayoutView, NoticeCopy {
  customerName: string;
  number: string;
  dueOn: string;
  level: number;
  amountDue: string;
  attachmentNote: string | null;
}

interface ApprovalView extends LayoutView, NoticeCopy {
  customerName: string;
  customerEmail: string;
  reference: string;
  lineCount: number;
  dueOn: string;
  total: string;
  memo: string | null;
}

interface TemplateViews {
  invoice: InvoiceView;
  reminder: ReminderView;
  approval: ApprovalView;
}

export type TemplateName = keyof TemplateViews;
type Template<N extends TemplateName> = HandlebarsTemplateDelegate<TemplateViews[N]>;

/** A Handlebars of our own: helpers or partials registered elsewhere in the process cannot change our output. */
const handlebars = Handlebars.create();

/** The HTML that MJML makes of a template: the Handlebars source. Exported for the tests that check MJML kept the expressions. */
export async function emailTemplateSource(name: TemplateName): Promise<string> {
  const filePath = path.join(TEMPLATES_DIR, `${name}.mjml`);
  const { html } = await mjml2html(await readFile(filePath, 'utf8'), {
    filePath,
    ignoreIncludes: false,
    includePath: TEMPLATES_DIR,
    // Strict: a broken template fails its first render instead of sending a mangled email.
    validationLevel: 'strict',
    fonts: {},
    keepComments: false,
  });
  return html;
}

async function compileTemplate<N extends TemplateName>(name: N): Promise<Template<N>> {
  // Strict: a field missing from the view throws rather than rendering as an empty string.
  return handlebars.compile<TemplateViews[N]>(await emailTemplateSource(name), { strict: true, knownHelpersOnly: true });
}

/**
 * Calls `make` at the first call only; concurrent first renders share one compile. A failed compile
 * stays failed: the template files do not change while the process runs.
 */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

const templates: { [N in TemplateName]: () => Promise<Template<N>> } = {
  invoice: once(() => compileTemplate('invoice')),
  reminder: once(() => compileTemplate('reminder')),
  approval: once(() => compileTemplate('approval')),
};

function layout(doc: InvoiceDocument, subject: string): LayoutView {
  return { subject, issuerName: doc.issuer.name, issuerEmail: doc.issuer.email, url: doc.url };
}

export async function renderInvoiceEmail(doc: InvoiceDocument): Promise<RenderedEmail> {
  return invoiceEmail(doc, await templates.invoice());
}

/**
 * For scripts/bench-render.ts only: renders the same email as renderInvoiceEmail, but reads the
 * template, runs MJML and compiles Handlebars on every call, the work renderInvoiceEmail does once
 * per process. It shows what the cache saves; nothing else should call it.
 */
export async function renderInvoiceEmailUncached(doc: InvoiceDocument): Promise<RenderedEmail> {
  return invoiceEmail(doc, await compileTemplate('invoice'));
}

function invoiceEmail(doc: InvoiceDocument, render: Template<'invoice'>): RenderedEmail {
  const issued = assertIssued(doc);
  const amountDue = money(doc, doc.amountDueMinor);
  const view: InvoiceView = {
    ...layout(doc, `Invoice ${issued.number} from ${doc.issuer.name}: ${amountDue} due ${issued.dueOn}`),
    ...issued,
    customerName: doc.customer.name,
    lines: doc.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: money(doc, line.unitPriceMinor),
      taxRate: formatBps(line.taxRateBps),
      amount: money(doc, line.netMinor),
      discount: line.discountBps ? formatBps(line.discountBps) : null,
    })),
    subtotal: money(doc, doc.subtotalMinor),
    tax: money(doc, doc.taxMinor),
    total: money(doc, doc.totalMinor),
    fees: doc.feesMinor > 0 ? money(doc, doc.feesMinor) : null,
    paid: doc.amountPaidMinor > 0 ? money(doc, doc.amountPaidMinor) : null,
    amountDue,
    memo: doc.memo,
  };
  const text = [
    `Hello ${view.customerName},`,
    '',
    `Here is your invoice ${view.number} from ${view.issuerName}. The amount due is ${view.amountDue}, payable by ${view.dueOn}.`,
    '',
    ...table([
      ['Invoice', view.number],
      ['Issued', view.issuedOn],
      ['Due', view.dueOn],
    ]),
    '',
    ...view.lines.flatMap((line) => [
      `- ${line.description}`,
      `  ${line.quantity} x ${line.unitPrice}${line.discount ? `, ${line.discount} discount` : ''}, tax ${line.taxRate}: ${line.amount}`,
    ]),
    '',
    ...table([
      ['Subtotal', view.subtotal],
      ['Tax', view.tax],
      ['Invoice total', view.total],
      ['Late fees', view.fees],
      ['Amount paid', view.paid && `-${view.paid}`],
      ['Amount due', view.amountDue],
    ]),
    ...(view.memo ? ['', `Note: ${view.memo}`] : []),
    '',
    `View invoice: ${view.url}`,
    ...footer(view),
  ];
  return { subject: view.subject, html: render(view), text: text.join('\n') };
}

interface ReminderFacts {
  number: string;
  dueOn: string;
  amountDue: string;
}

/** What each dunning tone says. The subjects escalate so the inbox alone shows how late the invoice is. */
const REMINDER_COPY: Record<ReminderTone, (facts: ReminderFacts) => NoticeCopy & { attachmentNote: string | null }> = {
  friendly: ({ number, dueOn, amountDue }) => ({
    subject: `Reminder: invoice ${number} (${amountDue}) is due ${dueOn}`,
    label: 'Payment reminder',
    heading: `Invoice ${number} is due ${dueOn}`,
    accentColor: ACCENT.calm,
    paragraphs: [
      `This is a friendly reminder that invoice ${number} for ${amountDue} is due on ${dueOn}.`,
      'If you have already paid, thank you, and please disregard this message.',
    ],
    attachmentNote: null,
  }),
  firm: ({ number, dueOn, amountDue }) => ({
    subject: `Overdue: invoice ${number} (${amountDue}) was due ${dueOn}`,
    label: 'Payment overdue',
    heading: `Invoice ${number} is overdue`,
    accentColor: ACCENT.warning,
    paragraphs: [
      `Invoice ${number} was due on ${dueOn}, and ${amountDue} is still outstanding.`,
      'Please pay the amount due now. If something about the invoice is wrong, reply to this email so we can sort it out.',
    ],
    attachmentNote: null,
  }),
  final: ({ number, dueOn, amountDue }) => ({
    subject: `Final notice: invoice ${number} (${amountDue}) is overdue`,
    label: 'Final notice',
    heading: `Final notice for invoice ${number}`,
    accentColor: ACCENT.danger,
    paragraphs: [
      `Despite our earlier reminders, invoice ${number}, due on ${dueOn}, remains unpaid. ${amountDue} is outstanding.`,
      `Please pay the full amount within ${FINAL_NOTICE_PAYMENT_DAYS} days. If we do not receive payment by then, we will pass the account to collections, which may add further costs and affect your credit standing.`,
    ],
    attachmentNote: 'Our formal final notice letter is attached to this email as a PDF.',
  }),
  collections: ({ number, dueOn, amountDue }) => ({
    subject: `Invoice ${number} has been passed to collections`,
    label: 'Collections',
    heading: `Invoice ${number} has been passed to collections`,
    accentColor: ACCENT.grave,
    paragraphs: [
      `Invoice ${number}, due on ${dueOn}, remains unpaid after our reminders and final notice. ${amountDue} is outstanding.`,
      'We have therefore handed the account to collections. You may now be contacted by our collections partner, and additional costs may apply.',
      'If you believe this is a mistake, or you have already paid, reply to this email straight away.',
    ],
    attachmentNote: null,
  }),
};

/** `level` is the reminder's position in the dunning sequence (1 for the first), shown to the customer. */
export async function renderReminderEmail(doc: InvoiceDocument, tone: ReminderTone, level: number): Promise<RenderedEmail> {
  if (!Number.isSafeInteger(level) || level < 1) throw new RenderError(`reminder level must be a whole number from 1, not ${level}`);
  const issued = assertIssued(doc);
  const amountDue = money(doc, doc.amountDueMinor);
  const copy = REMINDER_COPY[tone]({ number: issued.number, dueOn: issued.dueOn, amountDue });
  const view: ReminderView = {
    ...layout(doc, copy.subject),
    ...copy,
    customerName: doc.customer.name,
    number: issued.number,
    dueOn: issued.dueOn,
    level,
    amountDue,
  };
  const text = [
    `${view.label.toUpperCase()}: ${view.heading}`,
    '',
    `Hello ${view.customerName},`,
    '',
    ...view.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...table([
      ['Invoice', view.number],
      ['Due date', view.dueOn],
      ['Reminder', `no. ${view.level}`],
      ['Amount due', view.amountDue],
    ]),
    ...(view.attachmentNote ? ['', view.attachmentNote] : []),
    '',
    `View invoice: ${view.url}`,
    ...footer(view),
  ];
  return { subject: view.subject, html: (await templates.reminder())(view), text: text.join('\n') };
}

/**
 * To the approvers of a draft: a request when it starts waiting, an escalation when it has waited
 * too long. `waitingSince` is the ISO 8601 time the request was first sent.
 */
export async function renderApprovalEmail(doc: InvoiceDocument, kind: 'request' | 'escalation', waitingSince: string): Promise<RenderedEmail> {
  const customer = doc.customer.name;
  const total = money(doc, doc.totalMinor);
  const since = formatDate(waitingSince);
  const copy: NoticeCopy =
    kind === 'request'
      ? {
          subject: `Approval needed: invoice for ${customer} (${total})`,
          label: 'Approval needed',
          heading: `Invoice for ${customer} (${total}) awaits your approval`,
          accentColor: ACCENT.calm,
          paragraphs: [
            `A draft invoice for ${customer} of ${total} is waiting for your decision. It will not be issued until it is approved.`,
            'Please review its lines and totals, then approve or reject it.',
          ],
        }
      : {
          subject: `Escalation: invoice for ${customer} (${total}) has waited since ${since}`,
          label: 'Escalation',
          heading: `Invoice for ${customer} (${total}) has waited since ${since} without a decision`,
          accentColor: ACCENT.warning,
          paragraphs: [
            `This draft invoice has been waiting for approval since ${since}. The customer will not be billed until someone approves or rejects it.`,
            'Please review it now, or pass it on to a colleague who can decide.',
          ],
        };
  const view: ApprovalView = {
    ...layout(doc, copy.subject),
    ...copy,
    customerName: customer,
    customerEmail: doc.customer.email,
    reference: doc.number ?? 'Draft, numbered when issued',
    lineCount: doc.lines.length,
    dueOn: doc.dueAt === null ? 'Set when issued' : formatDate(doc.dueAt),
    total,
    memo: doc.memo,
  };
  const text = [
    view.heading,
    '',
    ...view.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...table([
      ['Customer', `${view.customerName} <${view.customerEmail}>`],
      ['Invoice', view.reference],
      ['Lines', String(view.lineCount)],
      ['Due date', view.dueOn],
      ['Total', view.total],
    ]),
    ...(view.memo ? ['', `Note on the invoice: ${view.memo}`] : []),
    '',
    `Review invoice: ${view.url}`,
    ...footer(view),
  ];
  return { subject: view.subject, html: (await templates.approval())(view), text: text.join('\n') };
}

/** Label/value rows with the values aligned; rows whose value is null are left out. */
function table(rows: [label: string, value: string | null][]): string[] {
  const present = rows.filter((row): row is [string, string] => row[1] !== null);
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}

function footer(view: LayoutView): string[] {
  return ['', '--', `Sent by ${view.issuerName} <${view.issuerEmail}>`];
}
