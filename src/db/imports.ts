import type { Charge } from '../domain/charge';
import { type InvoiceState, snapshotOf } from '../domain/invoice';
import { appendAuditEvent, type AuditEvent } from './audit';
import { type ChargeRow, toCharge } from './charges';
import type { Sql, Tx } from './client';
import { isUniqueViolation, toIso, toMinor } from './client';
import { type Customer, type CustomerRow, type PageCursor, toCustomer } from './customers';
import { findInvoice, insertDraftInvoiceIn, type InvoiceRecord, writeInvoiceSnapshot } from './invoices';

/**
 * Imports: the import's own row (its counts as of the last chunk written), the problems of its
 * rejected rows, the keys of its good rows, and the writes of each kind of row. Every chunk of rows
 * is one transaction with the counts it adds, so the counts always match what was written.
 */

export const IMPORT_KINDS = ['customers', 'charges', 'invoices'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_STATUSES = ['running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export interface ImportRecord {
  id: string;
  kind: ImportKind;
  status: ImportStatus;
  /** Data rows read so far, good and bad. */
  processed: number;
  imported: number;
  updated: number;
  unchanged: number;
  /** Rows rejected (a row with several bad fields counts once). */
  rejectedRows: number;
  error: string | null;
  createdBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** One problem of a rejected row: its line in the file (the header is line 1) and the field. */
export interface Rejection {
  line: number;
  field: string;
  message: string;
}

/** What one chunk of rows did. */
export interface ChunkOutcome {
  processed: number;
  imported: number;
  updated: number;
  unchanged: number;
  rejections: Rejection[];
}

interface ImportRow {
  id: string;
  kind: ImportKind;
  status: ImportStatus;
  processed: number;
  imported: number;
  updated: number;
  unchanged: number;
  rejected: number;
  error: string | null;
  created_by: string;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

function toImport(row: ImportRow): ImportRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    processed: row.processed,
    imported: row.imported,
    updated: row.updated,
    unchanged: row.unchanged,
    rejectedRows: row.rejected,
    error: row.error,
    createdBy: row.created_by,
    startedAt: toIso(row.started_at) ?? '',
    updatedAt: toIso(row.updated_at) ?? '',
    finishedAt: toIso(row.finished_at),
  };
}

export async function insertImport(sql: Sql, i: { id: string; kind: ImportKind; createdBy: string; startedAt: string }): Promise<ImportRecord> {
  const [row] = await sql<ImportRow[]>`
    insert into imports (id, kind, status, created_by, started_at, updated_at)
    values (${i.id}, ${i.kind}, 'running', ${i.createdBy}, ${i.startedAt}, ${i.startedAt})
    returning *`;
  if (!row) throw new Error(`import ${i.id} was not stored`);
  return toImport(row);
}

export async function findImport(sql: Sql, id: string): Promise<ImportRecord | null> {
  const [row] = await sql<ImportRow[]>`
    select *
    from imports
    where id = ${id}`;
  return row ? toImport(row) : null;
}

/** A page of imports, oldest first. */
export async function listImports(sql: Sql, page: { limit: number; after: PageCursor | null }): Promise<ImportRecord[]> {
  const rows = await sql<ImportRow[]>`
    select *
    from imports
    where ${page.after ? sql`(started_at, id) > (${page.after.createdAt}, ${page.after.id})` : sql`true`}
    order by started_at, id
    limit ${page.limit}`;
  return rows.map(toImport);
}

/** Where a page of rejections ends: the last line and field listed. */
export interface RejectionCursor {
  line: number;
  field: string;
}

/** A page of an import's rejections in line order (then field). */
export async function listRejections(sql: Sql, importId: string, page: { limit: number; after: RejectionCursor | null }): Promise<Rejection[]> {
  return sql<Rejection[]>`
    select line, field, message
    from import_rejections
    where import_id = ${importId}
      and ${page.after ? sql`(line, field) > (${page.after.line}, ${page.after.field})` : sql`true`}
    order by line, field
    limit ${page.limit}`;
}

/**
 * Runs `work` (the writes of one chunk of rows) in a transaction that also adds the chunk's counts
 * to the import and stores its rejections: what the import's row says was written, was.
 */
export async function writeChunk(sql: Sql, importId: string, at: string, work: (tx: Tx) => Promise<ChunkOutcome>): Promise<ChunkOutcome> {
  return sql.begin(async (tx) => {
    const outcome = await work(tx);
    await recordChunk(tx, importId, outcome, at);
    return outcome;
  });
}

/** Adds a chunk's counts to the import and stores its rejections (each problem once). */
export async function recordChunk(sql: Sql | Tx, importId: string, outcome: ChunkOutcome, at: string): Promise<void> {
  const rejectedRows = new Set(outcome.rejections.map((r) => r.line)).size;
  if (outcome.rejections.length > 0) {
    const rows = outcome.rejections.map((r) => ({ import_id: importId, line: r.line, field: r.field, message: r.message }));
    await sql`
      insert into import_rejections ${sql(rows, 'import_id', 'line', 'field', 'message')}
      on conflict (import_id, line, field) do nothing`;
  }
  await sql`
    update imports
    set processed = processed + ${outcome.processed},
        imported = imported + ${outcome.imported},
        updated = updated + ${outcome.updated},
        unchanged = unchanged + ${outcome.unchanged},
        rejected = rejected + ${rejectedRows},
        updated_at = ${at}
    where id = ${importId}`;
}

export async function finishImport(sql: Sql, id: string, end: { status: Exclude<ImportStatus, 'running'>; error: string | null; at: string }): Promise<ImportRecord> {
  const [row] = await sql<ImportRow[]>`
    update imports
    set status = ${end.status},
        error = ${end.error},
        updated_at = ${end.at},
        finished_at = ${end.at}
    where id = ${id}
    returning *`;
  if (!row) throw new Error(`import ${id} vanished`);
  return toImport(row);
}

/**
 * Claims the keys of a chunk's rows for the import; answers the lines whose key an earlier line of
 * the same import claimed, each with that earlier line. A key repeated within a file is a mistake in the file: the second
 * row would silently overwrite the first, and importing the file again would flip between the two.
 */
export async function claimKeys(tx: Tx, importId: string, keys: readonly { externalId: string; line: number }[]): Promise<Map<number, number>> {
  if (keys.length === 0) return new Map();
  const rows = keys.map((k) => ({ import_id: importId, external_id: k.externalId, line: k.line }));
  await tx`
    insert into import_keys ${tx(rows, 'import_id', 'external_id', 'line')}
    on conflict (import_id, external_id) do nothing`;
  const claimed = await tx<{ external_id: string; line: number }[]>`
    select external_id, line
    from import_keys
    where import_id = ${importId}
      and external_id in ${tx(keys.map((k) => k.externalId))}`;
  const first = new Map(claimed.map((c) => [c.external_id, c.line]));
  return new Map(keys.flatMap((k) => {
    const line = first.get(k.externalId);
    return line !== undefined && line !== k.line ? [[k.line, line] as const] : [];
  }));
}

/** Audit events of a chunk, sent together: postgres.js pipelines them on the transaction's connection. */
export async function appendAuditEvents(tx: Tx, events: readonly AuditEvent[]): Promise<void> {
  await Promise.all(events.map((e) => appendAuditEvent(tx, e)));
}

// Customers

/** The customers with these external ids; with `lock`, locked until the transaction ends. */
export async function customersByExternalId(tx: Sql | Tx, externalIds: readonly string[], lock: boolean): Promise<Customer[]> {
  if (externalIds.length === 0) return [];
  const rows = await tx<CustomerRow[]>`
    select *
    from customers
    where external_id in ${tx(externalIds as string[])}
    order by external_id
    ${lock ? tx`for update` : tx``}`;
  return rows.map(toCustomer);
}

export async function customersById(tx: Sql | Tx, ids: readonly string[]): Promise<Customer[]> {
  if (ids.length === 0) return [];
  const rows = await tx<CustomerRow[]>`
    select *
    from customers
    where id in ${tx(ids as string[])}`;
  return rows.map(toCustomer);
}

/**
 * Inserts the customers whose external id (or id) is not taken; answers the external ids inserted.
 * A concurrent import inserting the same key makes this wait for it, then skip the row: the caller
 * compares it with what is stored instead.
 */
export async function insertCustomers(tx: Tx, customers: readonly Customer[]): Promise<Set<string>> {
  if (customers.length === 0) return new Set();
  const rows = customers.map((c) => ({
    id: c.id,
    name: c.name,
    email: c.email,
    currency: c.currency,
    locale: c.locale,
    payment_terms_days: c.paymentTermsDays,
    tax_rate_bps: c.taxRateBps,
    dunning_policy_id: c.dunningPolicyId,
    approval: c.approval,
    external_id: c.externalId,
    created_by: c.createdBy,
    created_at: c.createdAt,
  }));
  const inserted = await tx<{ external_id: string }[]>`
    insert into customers ${tx(rows)}
    on conflict do nothing
    returning external_id`;
  return new Set(inserted.map((r) => r.external_id));
}

/** The fields an import may change on a customer. */
export type ImportedCustomerFields = Pick<Customer, 'name' | 'email' | 'currency' | 'locale' | 'paymentTermsDays' | 'taxRateBps' | 'approval'>;

export async function updateCustomerFields(tx: Tx, id: string, f: ImportedCustomerFields): Promise<void> {
  await tx`
    update customers
    set name = ${f.name},
        email = ${f.email},
        currency = ${f.currency},
        locale = ${f.locale},
        payment_terms_days = ${f.paymentTermsDays},
        tax_rate_bps = ${f.taxRateBps},
        approval = ${f.approval}
    where id = ${id}`;
}

// Charges

/** A charge with the key of the row that recorded it (null for one recorded by POST /charges). */
export type KeyedCharge = Charge & { externalId: string | null };

const toKeyedCharge = (row: ChargeRow & { external_id: string | null }): KeyedCharge => ({ ...toCharge(row), externalId: row.external_id });

export async function chargesByExternalId(tx: Tx, externalIds: readonly string[], lock: boolean): Promise<KeyedCharge[]> {
  if (externalIds.length === 0) return [];
  const rows = await tx<(ChargeRow & { external_id: string | null })[]>`
    select *
    from charges
    where external_id in ${tx(externalIds as string[])}
    order by external_id
    ${lock ? tx`for update` : tx``}`;
  return rows.map(toKeyedCharge);
}

/** Inserts the charges whose external id (or id) is not taken; answers the external ids inserted. */
export async function insertCharges(tx: Tx, charges: readonly KeyedCharge[]): Promise<Set<string>> {
  if (charges.length === 0) return new Set();
  const rows = charges.map((c) => ({
    id: c.id,
    customer_id: c.customerId,
    status: c.status,
    period: c.period,
    currency: c.currency,
    description: c.description,
    kind: c.kind,
    quantity: c.quantity,
    unit_price_minor: c.unitPriceMinor,
    tax_rate_bps: c.taxRateBps,
    amount_minor: c.amountMinor,
    occurred_at: c.occurredAt,
    created_by: c.createdBy,
    created_at: c.createdAt,
    external_id: c.externalId,
  }));
  const inserted = await tx<{ external_id: string }[]>`
    insert into charges ${tx(rows)}
    on conflict do nothing
    returning external_id`;
  return new Set(inserted.map((r) => r.external_id));
}

/**
 * Changes a pending charge to a row's values. False when it is no longer pending: a billing run
 * billed it (or someone cancelled it) first, and a billed amount never changes under its invoice.
 */
export async function updatePendingCharge(tx: Tx, c: Charge): Promise<boolean> {
  const rows = await tx`
    update charges
    set customer_id = ${c.customerId},
        currency = ${c.currency},
        period = ${c.period},
        description = ${c.description},
        kind = ${c.kind},
        quantity = ${c.quantity},
        unit_price_minor = ${c.unitPriceMinor},
        tax_rate_bps = ${c.taxRateBps},
        amount_minor = ${c.amountMinor},
        occurred_at = ${c.occurredAt}
    where id = ${c.id}
      and status = 'pending'
    returning id`;
  return rows.length === 1;
}

// Invoices

/** An imported invoice as stored, with what its row was imported with. */
export interface StoredImportedInvoice {
  record: InvoiceRecord;
  externalId: string;
  /** The payment that stands for what was paid before the import; 0 when none was. */
  paidBeforeImportMinor: number;
}

export async function importedInvoiceByExternalId(sql: Sql, externalId: string, paymentReference: string): Promise<StoredImportedInvoice | null> {
  const [row] = await sql<{ id: string; paid: string | null }[]>`
    select i.id, p.amount_minor as paid
    from invoices i
    left join payments p
      on p.invoice_id = i.id
      and p.reference = ${paymentReference}
    where i.external_id = ${externalId}`;
  if (!row) return null;
  const record = await findInvoice(sql, row.id);
  if (!record) return null;
  return { record, externalId, paidBeforeImportMinor: toMinor(row.paid) };
}

export type ImportedInvoiceInsert = 'inserted' | 'external_id_taken' | 'number_taken';

/**
 * Stores an imported invoice as issued, in one transaction: the row (as a draft is, then its key,
 * number, dates, status and version), its line, its delivery by the earlier system, the payment
 * that stands for what was paid before, and its timeline ("created", "issued" naming the number,
 * "overdue" when it is). Nothing is stored when its external id or its number is taken; a
 * concurrent import of the same row waits on the unique indexes, fails them and finds this one.
 */
export async function insertImportedInvoice(
  sql: Sql,
  args: { externalId: string; state: InvoiceState; recipient: string; importId: string; actor: string; at: string },
): Promise<ImportedInvoiceInsert> {
  const { state, at } = args;
  const id = state.draft.id;
  const taken = async (q: Sql | Tx): Promise<ImportedInvoiceInsert | null> => {
    const rows = await q<{ external_id: string | null }[]>`
      select external_id
      from invoices
      where id = ${id}
        or external_id = ${args.externalId}
        or number = ${state.number}`;
    if (rows.length === 0) return null;
    return rows.some((r) => r.external_id === args.externalId) ? 'external_id_taken' : 'number_taken';
  };
  try {
    return await sql.begin(async (tx) => {
      const found = await taken(tx);
      if (found) return found;
      await insertDraftInvoiceIn(tx, state.draft);
      await tx`
        update invoices
        set external_id = ${args.externalId},
            number = ${state.number},
            issued_at = ${state.issuedAt},
            due_at = ${state.dueAt}
        where id = ${id}`;
      await tx`
        insert into invoice_deliveries (invoice_id, step, recipient, status, attempts, last_error, message_id, sent_at)
        values (${id}, 'invoice', ${args.recipient}, ${state.delivery.status}, ${state.delivery.attempts}, null,
                'delivered-by-the-earlier-system', ${state.delivery.sentAt})`;
      for (const p of state.payments) {
        await tx`
          insert into payments (invoice_id, reference, amount_minor, applied_minor, credit_minor, currency, method, received_at, recorded_by, recorded_at)
          values (${id}, ${p.reference}, ${p.amountMinor}, ${p.appliedMinor}, ${p.creditMinor}, ${state.draft.currency}, ${p.method},
                  ${p.receivedAt}, ${p.recordedBy}, ${p.recordedAt})`;
      }
      await writeInvoiceSnapshot(tx, snapshotOf(state, at), {
        type: 'issued',
        actor: args.actor,
        detail: { number: state.number, issuedAt: state.issuedAt, dueAt: state.dueAt, amountPaidMinor: state.amountPaidMinor, importId: args.importId, externalId: args.externalId },
      });
      if (state.status === 'overdue') {
        await appendAuditEvent(tx, {
          eventKey: `invoice:${id}:imported-overdue`,
          entityType: 'invoice',
          entityId: id,
          type: 'overdue',
          actor: 'system',
          detail: { dueAt: state.dueAt, amountDueMinor: state.draft.totalMinor - state.amountPaidMinor },
          at,
        });
      }
      return 'inserted' as const;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const found = await taken(sql);
    if (!found) throw error;
    return found;
  }
}
