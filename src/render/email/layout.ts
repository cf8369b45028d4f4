import type { InvoiceDocument } from '../document';
import type { Locale } from '../locale';
import type { EmailCopy } from './copy';

/** The banner colours of the notices, from routine to grave. */
export const ACCENT = { calm: '#1f4e79', warning: '#b45309', danger: '#b91c1c', grave: '#7f1d1d' } as const;

/**
 * The fields of the shared layout (templates/partials/): the language, the title, the header and the
 * footer. A view holds them as `layout` rather than spread among its own fields: Handlebars reads an
 * object built by spreading markedly slower (the invoice email took a quarter longer).
 */
export interface LayoutView {
  lang: string;
  subject: string;
  issuerName: string;
  issuerEmail: string;
  sentBy: string;
  url: string;
}

export function layoutView(doc: InvoiceDocument, locale: Locale, copy: EmailCopy, subject: string): LayoutView {
  return {
    lang: locale.tag,
    subject,
    issuerName: doc.issuer.name,
    issuerEmail: doc.issuer.email,
    sentBy: copy.sentBy(doc.issuer.name),
    url: doc.url,
  };
}

/** Label/value rows of a text part with the values aligned; rows whose value is null are left out. */
export function textTable(rows: [label: string, value: string | null][]): string[] {
  const present = rows.filter((row): row is [string, string] => row[1] !== null);
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}

export function textFooter(view: LayoutView): string[] {
  return ['', '--', `${view.sentBy} <${view.issuerEmail}>`];
}
