import { type Allocation, type Candidate, OPEN_STATUSES, PAYABLE_STATUSES, type PayableInvoice } from '../domain/payment-matching';
import type { Sql, Tx } from './client';
import { toIso, toMinor } from './client';

/**
 * Bank statements, their lines, what each line pays (allocations) and the candidates of the lines
 * waiting for a person. A line's id is its identity: storing a line uploaded before does nothing,
 * and that is how a statement uploaded twice applies nothing the second time. Lines move only
 * forward (new → matched → applied; new → unmatched | ignored; unmatched → matched | ignored), each
 * move conditional on the status it leaves, so retried and concurrent steps move a line once.
 */

export type StatementFormat = 'csv' | 'camt.053';
export type LineStatus = 'new' | 'matched' | 'applied' | 'unmatched' | 'ignored';

/** A line ready to store: identity already derived (src/services/bank-statements.ts). */
export interface NewBankLine {
  id: string;
  seq: number;
  account: string | null;
  bankReference: string | null;
  date: string;
  amountMinor: number;
  currency: string;
  reference: string | null;
  payer: string | null;
}

export interface StoredBankLine extends NewBankLine {
  statementId: string;
  status: LineStatus;
  matchedBy: string | null;
  reason: string | null;
}

export interface StatementCounts {
  matched: number;
  unmatched: number;
  ignored: number;
}

export interface StatementRecord {
  id: string;
  format: StatementFormat;
  lines: number;
  newLines: number;
  duplicates: number;
  /** Null while the workflow is still matching. */
  counts: StatementCounts | null;
  status: 'matching' | 'applying' | 'done';
  /** Lines of this statement by status, now. */
  byStatus: Record<LineStatus, number>;
  uploadedBy: string;
  uploadedAt: string;
  matchedAt: string | null;
  finishedAt: string | null;
}

/** Amount due of invoice `i` with its late fees `f` (see the brief: never below 0). */
const AMOUNT_DUE = 'greatest(0, i.total_minor + coalesce(f.fees, 0) - i.amount_paid_minor - i.credited_minor)';

const INSERT_CHUNK = 2_000;

/**
 * Stores a statement and its lines in one transaction. A line whose id exists already is a
 * duplicate and is not stored again (two uploads at once: the second waits on the first's rows and
 * finds them). Answers how many were new, and the statements holding duplicates that are still
 * waiting to be matched (an upload whose workflow never started: the caller starts it).
 */
export async function insertStatement(
  sql: Sql,
  statement: { id: string; format: StatementFormat; uploadedBy: string; uploadedAt: string },
  lines: readonly NewBankLine[],
): Promise<{ newLines: number; duplicates: number; waiting: string[] }> {
  return sql.begin(async (tx) => {
    await tx`
      insert into bank_statements (id, format, lines, new_lines, duplicates, status, uploaded_by, uploaded_at)
      values (${statement.id}, ${statement.format}, ${lines.length}, 0, 0, 'matching', ${statement.uploadedBy}, ${statement.uploadedAt})`;
    const stored = new Set<string>();
    for (let from = 0; from < lines.length; from += INSERT_CHUNK) {
      const chunk = lines.slice(from, from + INSERT_CHUNK);
      const rows = await tx<{ id: string }[]>`
        insert into bank_statement_lines (id, statement_id, seq, account, bank_reference, booked_on, amount_minor, currency, reference, payer, status)
        select l.id, ${statement.id}, l.seq, l.account, l.bank_reference, l.booked_on, l.amount_minor, l.currency, l.reference, l.payer, 'new'
        from unnest(
          ${chunk.map((l) => l.id)}::text[], ${chunk.map((l) => l.seq)}::int[], ${chunk.map((l) => l.account) as string[]}::text[],
          ${chunk.map((l) => l.bankReference) as string[]}::text[], ${chunk.map((l) => l.date)}::date[], ${chunk.map((l) => String(l.amountMinor))}::bigint[],
          ${chunk.map((l) => l.currency)}::text[], ${chunk.map((l) => l.reference) as string[]}::text[], ${chunk.map((l) => l.payer) as string[]}::text[]
        ) as l (id, seq, account, bank_reference, booked_on, amount_minor, currency, reference, payer)
        on conflict (id) do nothing
        returning id`;
      for (const row of rows) stored.add(row.id);
    }
    const duplicateIds = lines.filter((l) => !stored.has(l.id)).map((l) => l.id);
    const newLines = stored.size;
    await tx`
      update bank_statements
      set new_lines = ${newLines}, duplicates = ${duplicateIds.length},
          ${newLines === 0 ? tx`matched = 0, unmatched = 0, ignored = 0, status = 'done', matched_at = ${statement.uploadedAt}, finished_at = ${statement.uploadedAt}` : tx`status = 'matching'`}
      where id = ${statement.id}`;
    const waiting =
      duplicateIds.length === 0
        ? []
        : await tx<{ statement_id: string }[]>`
            select distinct statement_id
            from bank_statement_lines
            where id = any(${duplicateIds}::text[])
              and status = 'new'`;
    return { newLines, duplicates: duplicateIds.length, waiting: waiting.map((w) => w.statement_id) };
  });
}

interface StatementRow {
  id: string;
  format: StatementFormat;
  lines: number;
  new_lines: number;
  duplicates: number;
  matched: number | null;
  unmatched: number | null;
  ignored: number | null;
  status: StatementRecord['status'];
  uploaded_by: string;
  uploaded_at: Date;
  matched_at: Date | null;
  finished_at: Date | null;
}

export async function findStatement(sql: Sql, id: string): Promise<StatementRecord | null> {
  const [row] = await sql<StatementRow[]>`
    select id, format, lines, new_lines, duplicates, matched, unmatched, ignored, status, uploaded_by, uploaded_at, matched_at, finished_at
    from bank_statements
    where id = ${id}`;
  if (!row) return null;
  const counts = await sql<{ status: LineStatus; n: number }[]>`
    select status, count(*)::int as n
    from bank_statement_lines
    where statement_id = ${id}
    group by status`;
  const byStatus: Record<LineStatus, number> = { new: 0, matched: 0, applied: 0, unmatched: 0, ignored: 0 };
  for (const c of counts) byStatus[c.status] = c.n;
  return {
    id: row.id,
    format: row.format,
    lines: row.lines,
    newLines: row.new_lines,
    duplicates: row.duplicates,
    counts: row.matched === null ? null : { matched: row.matched, unmatched: row.unmatched ?? 0, ignored: row.ignored ?? 0 },
    status: row.status,
    byStatus,
    uploadedBy: row.uploaded_by,
    uploadedAt: toIso(row.uploaded_at) as string,
    matchedAt: toIso(row.matched_at),
    finishedAt: toIso(row.finished_at),
  };
}

/** The statement's largest line position: the workflow's batches are ranges up to it. */
export async function lastSeqOf(sql: Sql, statementId: string): Promise<number> {
  const [row] = await sql<{ last: number | null }[]>`select max(seq) as last from bank_statement_lines where statement_id = ${statementId}`;
  return row?.last ?? 0;
}

interface LineRow {
  id: string;
  statement_id: string;
  seq: number;
  account: string | null;
  bank_reference: string | null;
  booked_on: string;
  amount_minor: string;
  currency: string;
  reference: string | null;
  payer: string | null;
  status: LineStatus;
  matched_by: string | null;
  reason: string | null;
}

const LINE_COLUMNS = 'id, statement_id, seq, account, bank_reference, booked_on::text as booked_on, amount_minor, currency, reference, payer, status, matched_by, reason';

function toLine(row: LineRow): StoredBankLine {
  return {
    id: row.id,
    statementId: row.statement_id,
    seq: row.seq,
    account: row.account,
    bankReference: row.bank_reference,
    date: row.booked_on,
    amountMinor: toMinor(row.amount_minor),
    currency: row.currency.trim(),
    reference: row.reference,
    payer: row.payer,
    status: row.status,
    matchedBy: row.matched_by,
    reason: row.reason,
  };
}

/** The statement's lines with positions in (after, upTo], in order; `status` narrows them. */
export async function linesInRange(sql: Sql | Tx, statementId: string, after: number, upTo: number, status?: LineStatus): Promise<StoredBankLine[]> {
  const rows = await sql<LineRow[]>`
    select ${sql.unsafe(LINE_COLUMNS)}
    from bank_statement_lines
    where statement_id = ${statementId}
      and seq > ${after}
      and seq <= ${upTo}
      ${status ? sql`and status = ${status}` : sql``}
    order by seq`;
  return rows.map(toLine);
}

export async function findLine(sql: Sql | Tx, lineId: string, options: { forUpdate?: boolean } = {}): Promise<StoredBankLine | null> {
  const [row] = await sql<LineRow[]>`
    select ${sql.unsafe(LINE_COLUMNS)}
    from bank_statement_lines
    where id = ${lineId}
    ${options.forUpdate ? sql`for update` : sql``}`;
  return row ? toLine(row) : null;
}

interface InvoiceRow {
  id: string;
  number: string;
  customer_id: string;
  currency: string;
  status: string;
  amount_due_minor: string;
  issued_at: Date | null;
}

function toPayable(row: InvoiceRow): PayableInvoice {
  return {
    id: row.id,
    number: row.number,
    customerId: row.customer_id,
    currency: row.currency.trim(),
    status: row.status,
    amountDueMinor: toMinor(row.amount_due_minor),
    issuedAt: toIso(row.issued_at),
  };
}

const INVOICE_COLUMNS = `i.id, i.number, i.customer_id, i.currency, i.status, ${AMOUNT_DUE} as amount_due_minor, i.issued_at`;
/** Late fees per invoice, for AMOUNT_DUE (joined as `f`). */
const FEES = '(select invoice_id, sum(amount_minor) as fees from invoice_fees group by invoice_id)';

/**
 * What lines matched earlier and not applied yet will pay each of these invoices (their
 * allocations wait for the invoices' workflows): a new line may allocate only what is due beyond
 * it. One query a batch, whatever the table's statistics say.
 */
export async function pendingByInvoice(sql: Sql | Tx, invoiceIds: readonly string[]): Promise<Map<string, number>> {
  if (invoiceIds.length === 0) return new Map();
  const rows = await sql<{ invoice_id: string; pending: string }[]>`
    select invoice_id, sum(amount_minor)::text as pending
    from bank_line_allocations
    where invoice_id = any(${[...invoiceIds]}::text[])
      and status = 'pending'
    group by invoice_id`;
  return new Map(rows.map((r) => [r.invoice_id, toMinor(r.pending)]));
}

/** Issued invoices with these exact numbers (the unique index on number), whatever their status. */
export async function invoicesByNumbers(sql: Sql | Tx, numbers: readonly string[]): Promise<PayableInvoice[]> {
  if (numbers.length === 0) return [];
  const rows = await sql<InvoiceRow[]>`
    select ${sql.unsafe(INVOICE_COLUMNS)}
    from invoices i
    left join ${sql.unsafe(FEES)} f on f.invoice_id = i.id
    where i.number = any(${[...numbers]}::text[])`;
  return rows.map(toPayable);
}

export async function invoicesByIds(sql: Sql | Tx, ids: readonly string[]): Promise<PayableInvoice[]> {
  if (ids.length === 0) return [];
  const rows = await sql<(InvoiceRow & { number: string | null })[]>`
    select ${sql.unsafe(INVOICE_COLUMNS)}
    from invoices i
    left join ${sql.unsafe(FEES)} f on f.invoice_id = i.id
    where i.id = any(${[...ids]}::text[])`;
  return rows.map((r) => toPayable({ ...r, number: r.number ?? '' }));
}

/** Invoices that take payments, of the customers whose names have these payer keys, by key. */
export async function payableInvoicesByPayerKeys(sql: Sql, keys: readonly string[]): Promise<Map<string, PayableInvoice[]>> {
  const byKey = new Map<string, PayableInvoice[]>();
  if (keys.length === 0) return byKey;
  const rows = await sql<(InvoiceRow & { payer_key: string })[]>`
    select k.payer_key, ${sql.unsafe(INVOICE_COLUMNS)}
    from bank_payer_keys k
    join invoices i on i.customer_id = k.customer_id
    left join ${sql.unsafe(FEES)} f on f.invoice_id = i.id
    where k.payer_key = any(${[...keys]}::text[])
      and i.status = any(${[...PAYABLE_STATUSES]}::text[])`;
  for (const row of rows) {
    const list = byKey.get(row.payer_key) ?? [];
    list.push(toPayable(row));
    byKey.set(row.payer_key, list);
  }
  return byKey;
}

/**
 * Up to `perAmount` open invoices (oldest first) due exactly each (currency, amount): one hash join
 * over the open invoices for a whole batch of lines, not a query per line.
 */
export async function openInvoicesByAmounts(sql: Sql, amounts: readonly { currency: string; amountMinor: number }[], perAmount: number): Promise<Map<string, PayableInvoice[]>> {
  const byAmount = new Map<string, PayableInvoice[]>();
  if (amounts.length === 0) return byAmount;
  const rows = await sql<(InvoiceRow & { want: string })[]>`
    select want, id, number, customer_id, currency, status, amount_due_minor, issued_at
    from (
      select p.currency || ':' || p.amount as want, ${sql.unsafe(INVOICE_COLUMNS)},
             row_number() over (partition by p.currency, p.amount order by i.issued_at, i.number) as rank
      from (select distinct currency, amount from unnest(${amounts.map((a) => a.currency)}::text[], ${amounts.map((a) => String(a.amountMinor))}::bigint[]) as u (currency, amount)) p
      join invoices i on i.currency = p.currency
      left join ${sql.unsafe(FEES)} f on f.invoice_id = i.id
      where i.status = any(${[...OPEN_STATUSES]}::text[])
        and ${sql.unsafe(AMOUNT_DUE)} = p.amount
    ) ranked
    where rank <= ${perAmount}`;
  for (const row of rows) {
    const list = byAmount.get(row.want) ?? [];
    list.push(toPayable(row));
    byAmount.set(row.want, list);
  }
  return byAmount;
}

/**
 * Up to `perDigits` invoices that take payments whose number ends in each run of digits (leading
 * zeros aside): "INV-2026-42" finds INV-2026-000042. One pass over the payable invoices per batch.
 */
export async function invoicesByNumberDigits(sql: Sql, digits: readonly string[], perDigits: number): Promise<Map<string, PayableInvoice[]>> {
  const byDigits = new Map<string, PayableInvoice[]>();
  if (digits.length === 0) return byDigits;
  const rows = await sql<(InvoiceRow & { digits: string })[]>`
    select digits, id, number, customer_id, currency, status, amount_due_minor, issued_at
    from (
      select d.digits, ${sql.unsafe(INVOICE_COLUMNS)},
             row_number() over (partition by d.digits order by i.issued_at, i.number) as rank
      from invoices i
      join (select distinct unnest(${[...digits]}::text[]) as digits) d
        on ltrim(substring(i.number from '(\\d+)\\D*$'), '0') = d.digits
      left join ${sql.unsafe(FEES)} f on f.invoice_id = i.id
      where i.status = any(${[...PAYABLE_STATUSES]}::text[])
    ) ranked
    where rank <= ${perDigits}`;
  for (const row of rows) {
    const list = byDigits.get(row.digits) ?? [];
    list.push(toPayable(row));
    byDigits.set(row.digits, list);
  }
  return byDigits;
}

/**
 * Brings the payer keys up to date with customers' names: new customers and changed names, at most
 * `limit` per call (the caller repeats until 0). `keyOf` is payerKey of src/domain/payment-matching.
 */
export async function refreshPayerKeys(sql: Sql, keyOf: (name: string) => string, limit: number): Promise<number> {
  const stale = await sql<{ id: string; name: string }[]>`
    select c.id, c.name
    from customers c
    left join bank_payer_keys k on k.customer_id = c.id
    where k.customer_id is null
       or k.name <> c.name
    limit ${limit}`;
  if (stale.length === 0) return 0;
  await sql`
    insert into bank_payer_keys (customer_id, name, payer_key)
    select * from unnest(${stale.map((s) => s.id)}::text[], ${stale.map((s) => s.name)}::text[], ${stale.map((s) => keyOf(s.name))}::text[])
    on conflict (customer_id) do update set name = excluded.name, payer_key = excluded.payer_key`;
  return stale.length;
}

/** The decision for one line, as stored. */
export interface LineOutcome {
  lineId: string;
  status: 'matched' | 'unmatched' | 'ignored';
  matchedBy: string | null;
  reason: string | null;
  allocations: Allocation[];
  candidates: Candidate[];
}

/**
 * Stores a batch's decisions in one transaction. Only lines still `new` move (a retried batch
 * changes nothing), and only those get allocations and candidates.
 */
export async function recordLineOutcomes(sql: Sql, outcomes: readonly LineOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql.begin(async (tx) => {
    const moved = await tx<{ id: string }[]>`
      update bank_statement_lines l
      set status = o.status, matched_by = o.matched_by, reason = o.reason
      from unnest(${outcomes.map((o) => o.lineId)}::text[], ${outcomes.map((o) => o.status)}::text[],
                  ${outcomes.map((o) => o.matchedBy) as string[]}::text[], ${outcomes.map((o) => o.reason) as string[]}::text[])
           as o (id, status, matched_by, reason)
      where l.id = o.id
        and l.status = 'new'
      returning l.id`;
    const movedIds = new Set(moved.map((m) => m.id));
    const allocations = outcomes.filter((o) => movedIds.has(o.lineId)).flatMap((o) => o.allocations.map((a, position) => ({ lineId: o.lineId, position, ...a })));
    await insertAllocations(tx, allocations);
    const candidates = outcomes.filter((o) => movedIds.has(o.lineId)).flatMap((o) => o.candidates.map((c, position) => ({ lineId: o.lineId, position, ...c })));
    if (candidates.length > 0) {
      await tx`
        insert into bank_line_candidates (line_id, invoice_id, position, reason)
        select * from unnest(${candidates.map((c) => c.lineId)}::text[], ${candidates.map((c) => c.invoiceId)}::text[],
                             ${candidates.map((c) => c.position)}::int[], ${candidates.map((c) => c.reason)}::text[])
        on conflict do nothing`;
    }
  });
}

async function insertAllocations(tx: Tx, allocations: readonly (Allocation & { lineId: string; position: number })[]): Promise<void> {
  if (allocations.length === 0) return;
  await tx`
    insert into bank_line_allocations (line_id, invoice_id, position, amount_minor, status)
    select l, i, p, a, 'pending'
    from unnest(${allocations.map((a) => a.lineId)}::text[], ${allocations.map((a) => a.invoiceId)}::text[],
                ${allocations.map((a) => a.position)}::int[], ${allocations.map((a) => String(a.amountMinor))}::bigint[]) as x (l, i, p, a)
    on conflict do nothing`;
}

/** Records the statement's counts once its every new line is matched (the first write wins). */
export async function recordStatementMatched(sql: Sql, statementId: string, at: string): Promise<StatementCounts> {
  const [counts] = await sql<StatementCounts[]>`
    select count(*) filter (where status in ('matched', 'applied'))::int as matched,
           count(*) filter (where status = 'unmatched')::int as unmatched,
           count(*) filter (where status = 'ignored')::int as ignored
    from bank_statement_lines
    where statement_id = ${statementId}
      and (matched_by is null or matched_by in ('number', 'payer'))`;
  const [row] = await sql<StatementCounts[]>`
    update bank_statements
    set matched = coalesce(matched, ${counts?.matched ?? 0}), unmatched = coalesce(unmatched, ${counts?.unmatched ?? 0}),
        ignored = coalesce(ignored, ${counts?.ignored ?? 0}), matched_at = coalesce(matched_at, ${at}),
        status = case when status = 'matching' then 'applying' else status end
    where id = ${statementId}
    returning matched, unmatched, ignored`;
  return row ?? { matched: 0, unmatched: 0, ignored: 0 };
}

export async function recordStatementDone(sql: Sql, statementId: string, at: string): Promise<void> {
  await sql`
    update bank_statements
    set status = 'done', finished_at = coalesce(finished_at, ${at})
    where id = ${statementId}`;
}

/** A line's allocation still to apply, with what the payment needs. */
export interface PendingAllocation {
  lineId: string;
  invoiceId: string;
  amountMinor: number;
  date: string;
}

/** The pending allocations of `matched` lines, line by line in allocation order. */
export async function pendingAllocations(sql: Sql, lineIds: readonly string[]): Promise<PendingAllocation[]> {
  if (lineIds.length === 0) return [];
  const rows = await sql<{ line_id: string; invoice_id: string; amount_minor: string; booked_on: string }[]>`
    select a.line_id, a.invoice_id, a.amount_minor, l.booked_on::text as booked_on
    from bank_line_allocations a
    join bank_statement_lines l on l.id = a.line_id
    where a.line_id = any(${[...lineIds]}::text[])
      and a.status = 'pending'
      and l.status = 'matched'
    order by l.seq, a.line_id, a.position`;
  return rows.map((r) => ({ lineId: r.line_id, invoiceId: r.invoice_id, amountMinor: toMinor(r.amount_minor), date: r.booked_on }));
}

export async function recordAllocationOutcome(sql: Sql, lineId: string, invoiceId: string, outcome: { status: 'applied' | 'refused'; message: string | null }): Promise<void> {
  await sql`
    update bank_line_allocations
    set status = ${outcome.status}, outcome = ${outcome.message}
    where line_id = ${lineId}
      and invoice_id = ${invoiceId}
      and status = 'pending'`;
}

/**
 * Ends a matched line whose allocations are all decided: applied when every one paid, else back to
 * the queue (unmatched) with what was refused, its unapplied money waiting for a person.
 */
export async function settleLine(sql: Sql, lineId: string): Promise<LineStatus | null> {
  const [row] = await sql<{ status: LineStatus }[]>`
    update bank_statement_lines l
    set status = case when s.refused = 0 then 'applied' else 'unmatched' end,
        reason = case when s.refused = 0 then l.reason else s.why end
    from (
      select count(*) filter (where status = 'pending') as pending,
             count(*) filter (where status = 'refused') as refused,
             string_agg(outcome, '; ' order by position) filter (where status = 'refused') as why
      from bank_line_allocations
      where line_id = ${lineId}
    ) s
    where l.id = ${lineId}
      and l.status = 'matched'
      and s.pending = 0
    returning l.status`;
  return row?.status ?? null;
}

/** What a line paid so far: the sum of its applied allocations. */
export async function appliedMinorOf(sql: Sql | Tx, lineId: string): Promise<{ applied: number; invoiceIds: Set<string> }> {
  const rows = await sql<{ invoice_id: string; amount_minor: string; status: string }[]>`
    select invoice_id, amount_minor, status from bank_line_allocations where line_id = ${lineId}`;
  return {
    applied: rows.filter((r) => r.status === 'applied').reduce((sum, r) => sum + toMinor(r.amount_minor), 0),
    invoiceIds: new Set(rows.map((r) => r.invoice_id)),
  };
}

/**
 * A person's match, in one transaction with the line locked: refused (nothing written) unless the
 * line is unmatched; `decide` sees the line and the invoices and answers the allocations or why not.
 */
export async function claimLine<R>(
  sql: Sql,
  lineId: string,
  decide: (
    tx: Tx,
    line: StoredBankLine,
    paid: { applied: number; invoiceIds: Set<string> },
  ) => Promise<{ allocations: Allocation[]; by: string; at: string } | { refused: R }>,
): Promise<{ claimed: Allocation[] } | { refused: R } | { status: LineStatus } | null> {
  return sql.begin(async (tx) => {
    const line = await findLine(tx, lineId, { forUpdate: true });
    if (!line) return null;
    if (line.status !== 'unmatched') return { status: line.status };
    const decision = await decide(tx, line, await appliedMinorOf(tx, lineId));
    if ('refused' in decision) return decision;
    const [last] = await tx<{ position: number | null }[]>`select max(position) as position from bank_line_allocations where line_id = ${lineId}`;
    const base = (last?.position ?? -1) + 1;
    await insertAllocations(tx, decision.allocations.map((a, i) => ({ ...a, lineId, position: base + i })));
    await tx`
      update bank_statement_lines
      set status = 'matched', matched_by = ${decision.by}, decided_by = ${decision.by}, decided_at = ${decision.at}, reason = null
      where id = ${lineId}`;
    return { claimed: decision.allocations };
  });
}

/** A person's "not an invoice payment": only an unmatched line; answers the status it had otherwise. */
export async function ignoreLine(sql: Sql, lineId: string, reason: string, by: string, at: string): Promise<{ ignored: true } | { status: LineStatus } | null> {
  const [row] = await sql<{ id: string }[]>`
    update bank_statement_lines
    set status = 'ignored', reason = ${reason}, decided_by = ${by}, decided_at = ${at}
    where id = ${lineId}
      and status = 'unmatched'
    returning id`;
  if (row) return { ignored: true };
  const line = await findLine(sql, lineId);
  return line ? { status: line.status } : null;
}

export interface UnmatchedLine {
  lineId: string;
  statementId: string;
  date: string;
  amountMinor: number;
  /** What is still to apply: the amount less what earlier allocations paid. */
  unappliedMinor: number;
  currency: string;
  reference: string | null;
  payer: string | null;
  reason: string | null;
  candidates: { invoiceId: string; number: string | null; status: string; amountDueMinor: number; reason: string }[];
}

/** The queue: unmatched lines, oldest booking first, with their candidates as the invoices stand now. */
export async function listUnmatched(sql: Sql, page: { limit: number; after: { date: string; id: string } | null }): Promise<UnmatchedLine[]> {
  const lines = await sql<(LineRow & { applied_minor: string })[]>`
    select ${sql.unsafe(LINE_COLUMNS.split(', ').map((c) => `l.${c}`).join(', '))},
           coalesce((select sum(a.amount_minor) from bank_line_allocations a where a.line_id = l.id and a.status = 'applied'), 0) as applied_minor
    from bank_statement_lines l
    where l.status = 'unmatched'
      ${page.after ? sql`and (l.booked_on, l.id) > (${page.after.date}::date, ${page.after.id})` : sql``}
    order by l.booked_on, l.id
    limit ${page.limit}`;
  if (lines.length === 0) return [];
  const candidates = await sql<(InvoiceRow & { line_id: string; reason: string; number: string | null })[]>`
    select c.line_id, c.reason, ${sql.unsafe(INVOICE_COLUMNS)}
    from bank_line_candidates c
    join invoices i on i.id = c.invoice_id
    left join ${sql.unsafe(FEES)} f on f.invoice_id = i.id
    where c.line_id = any(${lines.map((l) => l.id)}::text[])
    order by c.line_id, c.position`;
  const byLine = new Map<string, UnmatchedLine['candidates']>();
  for (const c of candidates) {
    const list = byLine.get(c.line_id) ?? [];
    list.push({ invoiceId: c.id, number: c.number, status: c.status, amountDueMinor: toMinor(c.amount_due_minor), reason: c.reason });
    byLine.set(c.line_id, list);
  }
  return lines.map((row) => {
    const line = toLine(row);
    return {
      lineId: line.id,
      statementId: line.statementId,
      date: line.date,
      amountMinor: line.amountMinor,
      unappliedMinor: line.amountMinor - toMinor(row.applied_minor),
      currency: line.currency,
      reference: line.reference,
      payer: line.payer,
      reason: line.reason,
      candidates: byLine.get(line.id) ?? [],
    };
  });
}

/** Everything a line pays or tried to pay, in order. */
export async function allocationsOf(sql: Sql, lineId: string): Promise<{ invoiceId: string; amountMinor: number; status: 'pending' | 'applied' | 'refused'; message: string | null }[]> {
  const rows = await sql<{ invoice_id: string; amount_minor: string; status: 'pending' | 'applied' | 'refused'; outcome: string | null }[]>`
    select invoice_id, amount_minor, status, outcome
    from bank_line_allocations
    where line_id = ${lineId}
    order by position`;
  return rows.map((r) => ({ invoiceId: r.invoice_id, amountMinor: toMinor(r.amount_minor), status: r.status, message: r.outcome }));
}
