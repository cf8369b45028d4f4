import type { InvoiceDocument, RenderedEmail } from '../document';
import { assertIssued, formatBps, formatQuantity, money } from '../format';
import { resolveLocale } from '../locale';
import { emailCopy, type InvoiceCopy, type InvoiceFacts } from './copy';
import { cachedTemplate, compileTemplate, htmlWithStrong, type Template } from './engine';
import { type LayoutView, layoutView, textFooter, textTable } from './layout';

/** The email that sends an issued invoice to the customer, in the customer's language. */

interface LineView {
  description: string;
  quantity: string;
  unitPrice: string;
  taxRate: string;
  /** Net amount of the line (after discount, before tax): the column adds up to the subtotal. */
  amount: string;
  /** The discount as the copy words it ("10% discount"), or null. */
  discount: string | null;
}

interface InvoiceEmailModel {
  layout: LayoutView;
  preview: string;
  heading: string;
  greeting: string;
  /** The intro sentence as HTML, with the amount due and the due date in bold. */
  introHtml: string;
  number: string;
  issuedOn: string;
  dueOn: string;
  lines: LineView[];
  subtotal: string;
  tax: string;
  total: string;
  fees: string | null;
  paid: string | null;
  amountDue: string;
  memo: string | null;
  labels: InvoiceCopy['labels'];
}

const template = cachedTemplate<InvoiceEmailModel>('invoice');

export async function renderInvoiceEmail(doc: InvoiceDocument): Promise<RenderedEmail> {
  return invoiceEmail(doc, await template());
}

/**
 * For scripts/bench-render.ts only: renders the same email as renderInvoiceEmail, but reads the
 * template, runs MJML and compiles Handlebars on every call, the work renderInvoiceEmail does once
 * per process. It shows what the cache saves; nothing else should call it.
 */
export async function renderInvoiceEmailUncached(doc: InvoiceDocument): Promise<RenderedEmail> {
  return invoiceEmail(doc, await compileTemplate<InvoiceEmailModel>('invoice'));
}

function invoiceEmail(doc: InvoiceDocument, render: Template<InvoiceEmailModel>): RenderedEmail {
  const locale = resolveLocale(doc.customer.locale);
  const copy = emailCopy(locale.language);
  const { labels } = copy.invoice;
  const issued = assertIssued(doc, locale);
  const facts: InvoiceFacts = { number: issued.number, issuer: doc.issuer.name, amountDue: money(doc, doc.amountDueMinor, locale), dueOn: issued.dueOn };
  const view: InvoiceEmailModel = {
    layout: layoutView(doc, locale, copy, copy.invoice.subject(facts)),
    number: issued.number,
    issuedOn: issued.issuedOn,
    dueOn: issued.dueOn,
    preview: copy.invoice.preview(facts),
    heading: copy.invoice.heading(issued.number),
    greeting: copy.greeting(doc.customer.name),
    introHtml: htmlWithStrong((strong) => copy.invoice.intro({ ...facts, amountDue: strong(facts.amountDue), dueOn: strong(facts.dueOn) })),
    lines: doc.lines.map((line) => ({
      description: line.description,
      quantity: formatQuantity(line.quantity, locale),
      unitPrice: money(doc, line.unitPriceMinor, locale),
      taxRate: formatBps(line.taxRateBps, locale),
      amount: money(doc, line.netMinor, locale),
      discount: line.discountBps ? copy.invoice.discount(formatBps(line.discountBps, locale)) : null,
    })),
    subtotal: money(doc, doc.subtotalMinor, locale),
    tax: money(doc, doc.taxMinor, locale),
    total: money(doc, doc.totalMinor, locale),
    fees: doc.feesMinor > 0 ? money(doc, doc.feesMinor, locale) : null,
    paid: doc.amountPaidMinor > 0 ? money(doc, doc.amountPaidMinor, locale) : null,
    amountDue: facts.amountDue,
    memo: doc.memo,
    labels,
  };
  const text = [
    view.greeting,
    '',
    copy.invoice.intro(facts),
    '',
    ...textTable([
      [labels.invoice, view.number],
      [labels.issued, view.issuedOn],
      [labels.due, view.dueOn],
    ]),
    '',
    ...view.lines.flatMap((line) => [`- ${line.description}`, `  ${copy.invoice.lineText(line)}`]),
    '',
    ...textTable([
      [labels.subtotal, view.subtotal],
      [labels.tax, view.tax],
      [labels.total, view.total],
      [labels.lateFees, view.fees],
      [labels.amountPaid, view.paid && `-${view.paid}`],
      [labels.amountDue, view.amountDue],
    ]),
    ...(view.memo ? ['', `${labels.note}: ${view.memo}`] : []),
    '',
    `${labels.viewInvoice}: ${view.layout.url}`,
    ...textFooter(view.layout),
  ];
  return { subject: view.layout.subject, html: render(view), text: text.join('\n') };
}
