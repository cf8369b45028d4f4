/**
 * How a bank statement line finds the invoices it pays. Pure rules: the database looks up the
 * invoices these rules ask for (by number, by payer and amount), and these rules decide.
 *
 * In order: money out is ignored; invoice numbers named in the remittance text pay those invoices,
 * oldest first, each up to its amount due, the rest on the last one (an over-payment: the customer's
 * credit); else exactly one open invoice of exactly the line's amount, in its currency, of a
 * customer whose name matches the payer; else the line waits for a person, with candidates.
 */

/** Statuses of an invoice that takes payments (as POST /invoices/:id/payments allows). */
export const PAYABLE_STATUSES = ['open', 'overdue', 'disputed'] as const;
/**
 * Statuses an invoice matched by payer and amount alone may have: unpaid and not in dispute. A
 * disputed invoice is paid only when the remittance names it (or a person matches it).
 */
export const OPEN_STATUSES = ['open', 'overdue'] as const;

/** A line of a bank statement as the bank reported it: signed amount (negative = money out). */
export interface BankLine {
  /** Booking date, YYYY-MM-DD. */
  date: string;
  amountMinor: number;
  currency: string;
  /** Remittance text and structured references, as one text; null when the bank gave none. */
  reference: string | null;
  payer: string | null;
}

/** An invoice the lookups found, with its balance as stored now. */
export interface PayableInvoice {
  id: string;
  number: string;
  customerId: string;
  currency: string;
  status: string;
  amountDueMinor: number;
  /** When it was issued (ISO 8601): "oldest first" orders by it, then by number. */
  issuedAt: string | null;
}

/** Part of a line's money for one invoice. */
export interface Allocation {
  invoiceId: string;
  amountMinor: number;
}

export type CandidateReason = 'number_lookalike' | 'same_amount' | 'same_payer' | 'not_payable';

export interface Candidate {
  invoiceId: string;
  reason: CandidateReason;
}

export type LineDecision =
  | { kind: 'ignored'; reason: string }
  | { kind: 'matched'; by: 'number' | 'payer'; allocations: Allocation[] }
  | { kind: 'unmatched'; reason: string };

/** Characters that separate words in remittance text; hyphens, dots and slashes inside a number stay. */
const SEPARATORS = /[\s,;:()[\]{}<>"'|+#*=!?]+/u;
const EDGE_PUNCTUATION = /^[.\-_/\\]+|[.\-_/\\]+$/gu;
const MAX_TOKENS = 32;

/**
 * The words of a remittance text that could be invoice numbers: at least three characters, one of
 * them a digit, as written and upper-cased (numbers are stored as issued, e.g. INV-2026-000042).
 */
export function invoiceNumberTokens(text: string | null): string[] {
  if (!text) return [];
  const tokens = new Set<string>();
  for (const word of text.split(SEPARATORS)) {
    const token = word.replace(EDGE_PUNCTUATION, '');
    if (token.length < 3 || token.length > 64 || !/\d/u.test(token)) continue;
    tokens.add(token);
    tokens.add(token.toUpperCase());
    if (tokens.size >= MAX_TOKENS) break;
  }
  return [...tokens];
}

/**
 * The digits a lookalike must end with: the last run of digits of each token, without leading
 * zeros ("INV-2026-42" and "inv2026000042" both look like INV-2026-000042). Runs shorter than 2
 * digits say too little.
 */
export function numberLookalikeDigits(text: string | null): string[] {
  const digits = new Set<string>();
  for (const token of invoiceNumberTokens(text)) {
    const run = /(\d+)\D*$/u.exec(token)?.[1]?.replace(/^0+/u, '');
    if (run && run.length >= 2) digits.add(run);
  }
  return [...digits];
}

/** Legal forms dropped from names before comparing: "Acme GmbH" pays for "ACME". */
const LEGAL_FORMS = new Set([
  'gmbh', 'mbh', 'ag', 'kg', 'ohg', 'ug', 'gbr', 'ev', 'se', 'co', 'cie', 'und', 'and',
  'ltd', 'limited', 'plc', 'llp', 'llc', 'lp', 'inc', 'incorporated', 'corp', 'corporation', 'company',
  'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'oy', 'ab', 'as', 'aps', 'pty', 'kk',
]);

/**
 * A name as compared with a payer: accents, case, spaces and punctuation gone, legal forms dropped
 * ("Müller & Co. GmbH" → "muller"). Empty when nothing is left to compare.
 */
export function payerKey(name: string | null): string {
  if (!name) return '';
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/&/gu, ' and ')
    // "G.m.b.H." and "S.A." are one word each once their dots go.
    .replace(/\./gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const kept = words.filter((w) => !LEGAL_FORMS.has(w));
  return (kept.length > 0 ? kept : words).join('');
}

/** Oldest first: by issue date, then number (numbers of one series grow with time). */
export function oldestFirst(a: PayableInvoice, b: PayableInvoice): number {
  const at = a.issuedAt ?? '';
  const bt = b.issuedAt ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
}

/** The invoices with what is still due once `allocated` (by invoice) is paid. */
export function stillDue(invoices: readonly PayableInvoice[], allocated: ReadonlyMap<string, number>): PayableInvoice[] {
  return invoices.map((i) => (allocated.has(i.id) ? { ...i, amountDueMinor: Math.max(0, i.amountDueMinor - (allocated.get(i.id) ?? 0)) } : i));
}

/**
 * Spreads `amountMinor` over `invoices` oldest first, each up to its amount due; what is left after
 * the last is an over-payment on the last one that took money (the invoice pays its due and the
 * rest becomes the customer's credit, as a manual payment does). Invoices the money does not reach
 * get nothing.
 */
export function allocate(amountMinor: number, invoices: readonly PayableInvoice[]): Allocation[] {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || invoices.length === 0) return [];
  const ordered = [...invoices].sort(oldestFirst);
  const allocations: Allocation[] = [];
  let left = amountMinor;
  for (const invoice of ordered) {
    if (left === 0) break;
    const part = Math.min(left, Math.max(0, invoice.amountDueMinor));
    if (part === 0) continue;
    allocations.push({ invoiceId: invoice.id, amountMinor: part });
    left -= part;
  }
  if (left > 0) {
    const last = allocations[allocations.length - 1];
    if (last) last.amountMinor += left;
    // Nothing is due on any of them: the whole line is the last invoice's over-payment.
    else allocations.push({ invoiceId: (ordered[ordered.length - 1] as PayableInvoice).id, amountMinor: left });
  }
  return allocations;
}

const isPayable = (invoice: PayableInvoice) => (PAYABLE_STATUSES as readonly string[]).includes(invoice.status);
const isOpen = (invoice: PayableInvoice) => (OPEN_STATUSES as readonly string[]).includes(invoice.status);

/**
 * The decision for one line, given the invoices whose numbers its reference names (`byNumber`) and
 * the invoices of customers whose name matches its payer (`byPayer`), each with what is still due
 * once the lines matched before it are paid.
 */
export function decideLine(line: BankLine, byNumber: readonly PayableInvoice[], byPayer: readonly PayableInvoice[]): LineDecision {
  if (line.amountMinor < 0) return { kind: 'ignored', reason: 'money out' };
  if (line.amountMinor === 0) return { kind: 'ignored', reason: 'no money moved' };
  const named = uniqueById(byNumber);
  const payable = named.filter((i) => isPayable(i) && i.currency === line.currency);
  if (payable.length > 0) return { kind: 'matched', by: 'number', allocations: allocate(line.amountMinor, payable) };
  if (named.length > 0) return { kind: 'unmatched', reason: `the reference names ${named.map(whyNotPayable(line)).join('; ')}` };
  const exact = uniqueById(byPayer).filter((i) => isOpen(i) && i.currency === line.currency && i.amountDueMinor === line.amountMinor);
  const [only] = exact;
  if (only && exact.length === 1) return { kind: 'matched', by: 'payer', allocations: [{ invoiceId: only.id, amountMinor: line.amountMinor }] };
  if (exact.length > 1) return { kind: 'unmatched', reason: `${exact.length} open invoices of the payer are due exactly this amount: which one is for a person to say` };
  if (!line.payer) return { kind: 'unmatched', reason: 'no invoice number in the reference and no payer name' };
  return { kind: 'unmatched', reason: 'no invoice number in the reference and no open invoice of the payer due exactly this amount' };
}

/**
 * The decisions for lines in statement order. What an earlier line allocated (or a line of an
 * earlier statement, still `pending`) is no longer due for the later ones: two lines naming the
 * same invoices pay the oldest and then the next, and an invoice one line paid in full is no payer
 * match for another of the same amount.
 */
export function decideLines(
  lines: readonly { line: BankLine; byNumber: readonly PayableInvoice[]; byPayer: readonly PayableInvoice[] }[],
  /** What lines matched earlier (and not applied yet) will pay each invoice. */
  pending: ReadonlyMap<string, number> = new Map(),
): LineDecision[] {
  const allocated = new Map(pending);
  return lines.map(({ line, byNumber, byPayer }) => {
    const decision = decideLine(line, stillDue(byNumber, allocated), stillDue(byPayer, allocated));
    if (decision.kind === 'matched') for (const a of decision.allocations) allocated.set(a.invoiceId, (allocated.get(a.invoiceId) ?? 0) + a.amountMinor);
    return decision;
  });
}

function whyNotPayable(line: BankLine) {
  return (invoice: PayableInvoice) =>
    invoice.currency !== line.currency ? `${invoice.number}, which is in ${invoice.currency}, not ${line.currency}` : `${invoice.number}, which is ${invoice.status}`;
}

function uniqueById(invoices: readonly PayableInvoice[]): PayableInvoice[] {
  const seen = new Map<string, PayableInvoice>();
  for (const invoice of invoices) if (!seen.has(invoice.id)) seen.set(invoice.id, invoice);
  return [...seen.values()];
}

/** At most this many candidates of each reason are kept for a line waiting for a person. */
export const CANDIDATES_PER_REASON = 5;

/**
 * Candidates offered for an unmatched line: invoices its reference names but that cannot take it,
 * number lookalikes, invoices of the payer, and invoices due the same amount; each once, in that order.
 */
export function candidatesFor(groups: { reason: CandidateReason; invoices: readonly PayableInvoice[] }[]): Candidate[] {
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const { reason, invoices } of groups) {
    for (const invoice of [...invoices].sort(oldestFirst).slice(0, CANDIDATES_PER_REASON)) {
      if (seen.has(invoice.id)) continue;
      seen.add(invoice.id);
      candidates.push({ invoiceId: invoice.id, reason });
    }
  }
  return candidates;
}
