import { type DunningPolicy, scheduleDunning } from './dunning';
import { DomainError } from './errors';
import { createDraft, type InvoiceDraft, type InvoiceState, initialInvoiceState, type PaymentRecord } from './invoice';
import { MAX_AMOUNT_MINOR } from './money';

/**
 * Open invoices brought over from an earlier system. They were issued, numbered and delivered
 * there; billflow records them as they are and runs them from there on like its own: payments,
 * disputes, and dunning from the state the import found them in.
 */

export class ImportedInvoiceError extends DomainError {
  override name = 'ImportedInvoiceError';
}

/** An imported invoice as its row gave it, parsed: money in minor units, times as ISO 8601. */
export interface ImportedInvoice {
  externalId: string;
  customerId: string;
  number: string;
  issuedAt: string;
  dueAt: string;
  currency: string;
  totalMinor: number;
  amountPaidMinor: number;
  description: string;
}

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD`, a day as earlier systems export it: taken as 00:00 UTC. */
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 with a time and an offset (`Z` or `±hh:mm`), as the api accepts timestamps elsewhere. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** A day (`2026-03-31`, as 00:00 UTC) or a timestamp with offset, as ISO 8601 UTC; refused naming `path`. */
export function parseImportedTime(text: string, path: string): string {
  const day = DATE_ONLY.exec(text);
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : DATE_TIME.test(text) ? Date.parse(text) : NaN;
  // Date.UTC rolls "2026-02-30" over into March: a day that does not exist is refused instead.
  if (Number.isNaN(ms) || (day && new Date(ms).toISOString().slice(0, 10) !== text)) {
    throw new ImportedInvoiceError('must be a date "YYYY-MM-DD" or an ISO 8601 timestamp with offset', path);
  }
  const year = new Date(ms).getUTCFullYear();
  if (year < 1 || year > 9999) throw new ImportedInvoiceError('must be within the years 0001 to 9999', path);
  return new Date(ms).toISOString();
}

/**
 * billflow's own numbers have the form `<series>-<year>-<sequence>` (src/db/numbering.ts): its
 * invoice prefix and `CN` for credit notes. An imported number of that form could be the one the
 * series hands out next (or has handed out), so it is refused rather than renamed: an imported
 * invoice keeps its number exactly, or is not imported. Every other form is the earlier system's
 * own namespace, and the unique index on invoices.number keeps it from repeating.
 */
export function assertImportableNumber(number: string, ownPrefixes: readonly string[]): void {
  const own = ownPrefixes.find((prefix) => new RegExp(`^${escapeRegExp(prefix)}-\\d{4}-\\d+$`).test(number));
  if (own) {
    throw new ImportedInvoiceError(
      `"${number}" has the form of billflow's own ${own}-YYYY-NNNNNN series, whose numbers billflow hands out itself; an imported invoice keeps a number of the earlier system's own form`,
      'number',
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What an imported invoice must be to be open: issued by now, due on or after its issue, something left to pay. */
export function assertImportable(invoice: ImportedInvoice, now: string): void {
  if (Date.parse(invoice.issuedAt) > Date.parse(now)) throw new ImportedInvoiceError('must not be in the future: an imported invoice was issued already', 'issuedAt');
  if (Date.parse(invoice.dueAt) < Date.parse(invoice.issuedAt)) throw new ImportedInvoiceError('must not be before issuedAt', 'dueAt');
  if (invoice.totalMinor <= 0) throw new ImportedInvoiceError('must be more than zero: an open invoice has something to pay', 'total');
  if (invoice.totalMinor > MAX_AMOUNT_MINOR) throw new ImportedInvoiceError('exceeds the largest amount billflow accepts (10^15 minor units)', 'total');
  if (invoice.amountPaidMinor < 0) throw new ImportedInvoiceError('must not be negative', 'amountPaid');
  if (invoice.amountPaidMinor >= invoice.totalMinor) {
    throw new ImportedInvoiceError('must be less than total: an invoice paid in full is not open (leave it in the earlier system)', 'amountPaid');
  }
}

/**
 * The invoice's draft: one line, the earlier system's total as it is (gross; its tax is not
 * itemised, since the file does not say it: the line's tax rate is 0). The due date is its own; the
 * payment terms are the whole days from issue to due.
 */
export function importedInvoiceDraft(
  invoice: ImportedInvoice,
  meta: { id: string; dunningPolicyId: string; createdBy: string; now: string },
): InvoiceDraft {
  const termsDays = Math.floor((Date.parse(invoice.dueAt) - Date.parse(invoice.issuedAt)) / DAY_MS);
  return createDraft(
    {
      customerId: invoice.customerId,
      currency: invoice.currency,
      lines: [{ description: invoice.description, quantity: '1', unitPriceMinor: invoice.totalMinor, taxRateBps: 0 }],
      pricesIncludeTax: true,
      dueAt: invoice.dueAt,
      paymentTermsDays: Math.min(Math.max(termsDays, 0), 3650),
      dunningPolicyId: meta.dunningPolicyId,
      approval: 'auto',
      memo: null,
    },
    { id: meta.id, createdBy: meta.createdBy, now: meta.now },
  );
}

/** The reference of the payment that stands for what was paid before the import: one per invoice. */
export const importedPaymentReference = (externalId: string): string => `imported:${externalId}`;

/**
 * The dunning step an imported invoice starts from: the latest step whose time has come, so that it
 * is sent at once, and none before it. An invoice imported 40 days overdue under "P1D friendly, P7D
 * firm, P14D final, P30D collections" gets the collections notice it is due now, not a burst of four
 * emails within a minute (and not the final notice's late fee for a notice it never received); the
 * earlier system chased it until now, and what it sent is not in the file. Steps still ahead run on
 * their timers as for any invoice. 0 when no step's time has come.
 */
export function importedDunningStart(policy: DunningPolicy, invoice: { dueAt: string }, now: string): number {
  const passed = scheduleDunning(policy, Date.parse(invoice.dueAt)).filter((step) => step.at <= Date.parse(now)).length;
  return Math.max(0, passed - 1);
}

/**
 * The state an imported invoice's workflow starts from (its `resume`), as it is stored:
 *  - issued with its own number and dates, approved by the earlier system (no approval here);
 *  - `open`, or `overdue` once its due date has passed, so the read model is right at once;
 *  - delivered: `sent` with no attempt of billflow's and `sentAt` its issue, because the earlier
 *    system delivered it (`pending` would make the workflow email it again);
 *  - what was paid before as one payment (`imported:<externalId>`, method "other", received at the
 *    import: the file does not say when), so that paid = the sum of the payments as everywhere;
 *  - dunning from `importedDunningStart`, dunningLevel 0: billflow has sent no reminder yet.
 */
export function importedInvoiceState(
  draft: InvoiceDraft,
  invoice: ImportedInvoice,
  context: { policy: DunningPolicy; recordedBy: string; now: string },
): InvoiceState {
  const { now } = context;
  const payment: PaymentRecord | null =
    invoice.amountPaidMinor > 0
      ? {
          reference: importedPaymentReference(invoice.externalId),
          amountMinor: invoice.amountPaidMinor,
          appliedMinor: invoice.amountPaidMinor,
          creditMinor: 0,
          method: 'other',
          receivedAt: now,
          recordedBy: context.recordedBy,
          recordedAt: now,
        }
      : null;
  return {
    ...initialInvoiceState(draft),
    status: Date.parse(invoice.dueAt) <= Date.parse(now) ? 'overdue' : 'open',
    number: invoice.number,
    issuedAt: invoice.issuedAt,
    dueAt: invoice.dueAt,
    amountPaidMinor: invoice.amountPaidMinor,
    payments: payment ? [payment] : [],
    delivery: { status: 'sent', attempts: 0, lastError: null, sentAt: invoice.issuedAt },
    dunning: { nextStep: importedDunningStart(context.policy, invoice, now), pausedMs: 0, pausedAt: null },
    version: 1,
  };
}
