import type { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { CsvError, parse } from 'csv-parse';
import type { Config } from '../config';
import type { Person } from '../domain/actor';
import type { CustomerSnapshot } from '../domain/customer';
import { type Charge, type ChargeKind, createCharge } from '../domain/charge';
import type { DunningPolicy } from '../domain/dunning';
import {
  assertImportable,
  assertImportableNumber,
  type ImportedInvoice,
  importedInvoiceDraft,
  importedInvoiceState,
  importedPaymentReference,
} from '../domain/imported-invoice';
import type { InvoiceState } from '../domain/invoice';
import type { LineInput } from '../domain/lines';
import type { AuditEvent } from '../db/audit';
import type { Sql, Tx } from '../db/client';
import type { Customer, PageCursor } from '../db/customers';
import { findDunningPolicy } from '../db/dunning-policies';
import {
  appendAuditEvents,
  chargesByExternalId,
  type ChunkOutcome,
  claimKeys,
  customersByExternalId,
  customersById,
  finishImport,
  findImport,
  type ImportedCustomerFields,
  type ImportKind,
  type ImportRecord,
  importedInvoiceByExternalId,
  insertCharges,
  insertCustomers,
  insertImport,
  insertImportedInvoice,
  type KeyedCharge,
  listImports,
  listRejections,
  recordChunk,
  type Rejection,
  type RejectionCursor,
  type StoredImportedInvoice,
  updateCustomerFields,
  updatePendingCharge,
  writeChunk,
} from '../db/imports';
import { draftOf } from '../db/invoices';
import { AppError, asValidationError, ErrorCode, type ErrorDetail } from '../errors';
import { couldBeRowId, idFromSeed, newId } from '../ids';
import { startInvoiceWorkflow } from '../temporal/start-invoice';

/**
 * Imports of customers, charges and open invoices from CSV, for every way in (the api now; the
 * command line goes through it). A file is read as it arrives, through csv-parse, and written a
 * chunk of rows at a time: while a chunk is written no more is read, so the upload waits
 * (backpressure) and memory holds one chunk whatever the file's size. Rows are keyed by
 * `externalId`: a row already imported is unchanged, or updated when it differs; a bad row is
 * reported with its line and field and skipped, and the good rows go in. Validation of a row's
 * fields is the caller's (`parseRow`: the api's schemas, the same as its JSON requests); the rules
 * that need the database (the customer exists, the number is free, the charge is still pending)
 * are here.
 */

/** The columns a file of one kind has: all of `required`, any of `optional`, at least one of each `oneOf` group. */
export interface ImportColumns {
  required: readonly string[];
  optional: readonly string[];
  oneOf: readonly (readonly string[])[];
}

/** A data row, cells by column name; an empty cell is absent. */
export type CsvFields = Readonly<Partial<Record<string, string>>>;

/** A file to import: its body, who imports it, and how a row becomes a row of its kind (throws AppError 400 naming fields). */
export interface Upload<Row> {
  source: Readable;
  by: Person;
  columns: ImportColumns;
  parseRow: (fields: CsvFields) => Row;
}

/** A customer row: the fields as given, with the api's defaults, and which were given (the others keep their stored value on update). */
export interface CustomerImportRow {
  externalId: string;
  fields: ImportedCustomerFields;
  given: ReadonlySet<keyof ImportedCustomerFields>;
}

/** A charge row. Null: not given (a stored charge keeps its value; a new one takes the default). */
export interface ChargeImportRow {
  externalId: string;
  customer: { id: string } | { externalId: string };
  kind: ChargeKind | null;
  /** The line priced in the customer's currency, the tax rate defaulting to `defaultTaxRateBps`; throws AppError 400 naming the field. */
  line: (currency: string, defaultTaxRateBps: number) => LineInput;
  occurredAt: string | null;
  period: string | null;
}

export type InvoiceImportRow = Omit<ImportedInvoice, 'customerId'> & { customerExternalId: string };

export interface ImportReport {
  import: ImportRecord;
  /** The first REPORTED_REJECTIONS problems, by line; all of them are paged by `rejections`. */
  rejected: Rejection[];
  rejectedTruncated: boolean;
}

export interface ImportService {
  importCustomers(upload: Upload<CustomerImportRow>): Promise<ImportReport>;
  importCharges(upload: Upload<ChargeImportRow>): Promise<ImportReport>;
  importInvoices(upload: Upload<InvoiceImportRow>): Promise<ImportReport>;
  /** Null when no such import. */
  load(id: string): Promise<ImportReport | null>;
  list(page: { limit: number; after: PageCursor | null }): Promise<ImportRecord[]>;
  rejections(id: string, page: { limit: number; after: RejectionCursor | null }): Promise<Rejection[] | null>;
}

/** Rows written per transaction: large enough to amortise the round trips, small enough to hold. */
export const CHUNK_ROWS = 500;
/** An invoice row is a transaction and a workflow start of its own: fewer per chunk, several at once. */
const INVOICE_CHUNK_ROWS = 50;
const INVOICE_CONCURRENCY = 4;
/** A record longer than this is refused: one line of a customer file is a few hundred bytes. */
export const MAX_RECORD_BYTES = 64 * 1024;
/** How many problems a report lists; the counts are exact, and GET /imports/:id/rejections pages through all. */
export const REPORTED_REJECTIONS = 1_000;
/** A running import whose row has not moved for this long lost the process that ran it. */
const STALLED_AFTER_MS = 10 * 60_000;
/** PostgreSQL's "deadlock detected" and "could not serialize": the chunk is written again. */
const RETRIED_CODES = new Set(['40P01', '40001']);

/**
 * The header's problems, each naming the column: a required column missing, a column the kind does
 * not have, a column twice, none of a group of alternatives. Empty when the header is right.
 */
export function headerProblems(header: readonly string[], columns: ImportColumns): ErrorDetail[] {
  const known = new Set([...columns.required, ...columns.optional, ...columns.oneOf.flat()]);
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') problems.push({ path: '(header)', message: 'has a column without a name' });
    else if (seen.has(name)) problems.push({ path: name, message: 'is a column twice in the header' });
    else if (!known.has(name)) problems.push({ path: name, message: `is not a column of this import (columns: ${[...known].join(', ')})` });
    seen.add(name);
  }
  for (const name of columns.required) {
    if (!seen.has(name)) problems.push({ path: name, message: 'is a required column, missing from the header' });
  }
  for (const group of columns.oneOf) {
    if (!group.some((name) => seen.has(name))) problems.push({ path: group.join(' | '), message: `the header needs one of the columns ${group.join(', ')}` });
  }
  return problems;
}

/** A row's refusal (an AppError naming fields, or a domain rule) as the row's rejections; other errors pass. */
export function rejectionsOf(error: unknown, line: number): Rejection[] {
  const known = asValidationError(error);
  if (!(known instanceof AppError) || known.code !== ErrorCode.validationFailed) throw error;
  if (known.details.length === 0) return [{ line, field: '(row)', message: known.message }];
  const byField = new Map<string, string>();
  for (const d of known.details) if (!byField.has(d.path)) byField.set(d.path, d.message);
  return [...byField].map(([field, message]) => ({ line, field, message }));
}

interface ParsedRow<Row> {
  line: number;
  row: Row;
}

/** A chunk as read: its good rows, the problems of its bad ones, and how many rows it had. */
interface ReadChunk<Row> {
  rows: ParsedRow<Row>[];
  rejections: Rejection[];
  processed: number;
}

const emptyOutcome = (chunk: ReadChunk<unknown>): ChunkOutcome => ({ processed: chunk.processed, imported: 0, updated: 0, unchanged: 0, rejections: [...chunk.rejections] });

const rejectKey = (outcome: ChunkOutcome, line: number, firstLine: number) =>
  outcome.rejections.push({ line, field: 'externalId', message: `repeats the externalId of line ${firstLine}: each row of a file needs its own` });

export function createImportService(
  sql: Sql,
  client: Client,
  config: Pick<Config, 'temporal' | 'approval' | 'invoiceNumberPrefix'>,
): ImportService {
  /**
   * Reads `upload` to its end a chunk at a time, giving each chunk to `write`. The header is checked
   * before anything is written: a wrong one is 400 naming the column, and no import is recorded.
   */
  async function run<Row extends { externalId: string }>(
    kind: ImportKind,
    upload: Upload<Row>,
    chunkRows: number,
    write: (importId: string, chunk: ReadChunk<Row>, now: string) => Promise<void>,
  ): Promise<ImportReport> {
    const { source } = upload;
    // A quote inside an unquoted field is taken as it is (relax_quotes), and a row with too few or too
    // many fields is a row's problem (relax_column_count); what is left for csv-parse to refuse is a
    // file that is not CSV past some line: a quote never closed, or a record beyond MAX_RECORD_BYTES
    // (which bounds what one record can take of memory).
    const parser = parse({
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
    });
    source.on('error', (error) => parser.destroy(error));
    source.once('close', () => {
      if (!source.readableEnded) parser.destroy(new AppError({ code: ErrorCode.validationFailed, message: 'the upload was interrupted before the end of the file' }));
    });
    source.pipe(parser);
    const records = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;
    /** Stops reading: the rest of the body is read and dropped, so the answer still reaches the client. */
    const stopReading = () => {
      source.unpipe(parser);
      parser.destroy();
      source.resume();
    };

    let header: string[];
    try {
      const first = await records.next();
      header = first.done ? [] : first.value.record;
    } catch (error) {
      stopReading();
      if (error instanceof CsvError) throw new AppError({ code: ErrorCode.validationFailed, message: `the header cannot be read: ${error.message}`, details: [{ path: '(header)', message: error.message }] });
      throw error;
    }
    const problems = header.length === 0 ? [{ path: '(header)', message: 'the file is empty: it needs a header row' }] : headerProblems(header, upload.columns);
    if (problems.length > 0) {
      stopReading();
      throw new AppError({ code: ErrorCode.validationFailed, message: `the header: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, details: problems });
    }

    const startedAt = new Date().toISOString();
    const record = await insertImport(sql, { id: newId('imp'), kind, createdBy: upload.by.principal, startedAt });
    let chunk: ReadChunk<Row> = { rows: [], rejections: [], processed: 0 };
    const flush = async () => {
      if (chunk.processed === 0) return;
      await write(record.id, chunk, new Date().toISOString());
      chunk = { rows: [], rejections: [], processed: 0 };
    };
    try {
      for (let next = await records.next(); !next.done; next = await records.next()) {
        const { record: cells, info } = next.value;
        const line = startLineOf(cells, info.lines);
        chunk.processed += 1;
        const read = readRow(cells, header, line, upload.parseRow);
        if ('rejections' in read) chunk.rejections.push(...read.rejections);
        else chunk.rows.push({ line, row: read.row });
        if (chunk.processed >= chunkRows) await flush();
      }
      await flush();
    } catch (error) {
      stopReading();
      // The file stops being CSV at some line: the client's mistake, said as such. The rows read
      // before it are written (each was checked like any), and the report says how far it got.
      if (error instanceof CsvError) await flush().catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      const failed = await finishImport(sql, record.id, { status: 'failed', error: message, at: new Date().toISOString() }).catch(() => null);
      if (error instanceof CsvError && failed) {
        throw new AppError({
          code: ErrorCode.validationFailed,
          message: `the file is not CSV: ${error.message}; the rows read before were imported (GET /imports/${record.id})`,
          details: [{ path: '(file)', message: error.message }],
          extra: { importId: record.id },
        });
      }
      throw error;
    }
    await finishImport(sql, record.id, { status: 'completed', error: null, at: new Date().toISOString() });
    return (await load(record.id)) as ImportReport;
  }

  async function load(id: string): Promise<ImportReport | null> {
    if (!couldBeRowId(id)) return null;
    const found = await findImport(sql, id);
    if (!found) return null;
    const listed = await listRejections(sql, id, { limit: REPORTED_REJECTIONS + 1, after: null });
    const stalled = found.status === 'running' && Date.now() - Date.parse(found.updatedAt) > STALLED_AFTER_MS;
    return {
      import: stalled ? { ...found, status: 'failed', error: 'the import stopped: the api process that ran it ended before the end of the file' } : found,
      rejected: listed.slice(0, REPORTED_REJECTIONS),
      rejectedTruncated: listed.length > REPORTED_REJECTIONS,
    };
  }

  // Customers: a chunk is one transaction.

  async function writeCustomers(importId: string, chunk: ReadChunk<CustomerImportRow>, by: Person, now: string): Promise<void> {
    await retried(() =>
      writeChunk(sql, importId, now, async (tx) => {
        const outcome = emptyOutcome(chunk);
        const rows = await unrepeated(tx, importId, chunk.rows, outcome);
        const candidates = rows.map(({ row }): Customer => ({
          id: idFromSeed('cus', `import:${row.externalId}`),
          ...row.fields,
          dunningPolicyId: null,
          externalId: row.externalId,
          createdBy: by.principal,
          createdAt: now,
        }));
        const inserted = await insertCustomers(tx, candidates);
        const events: AuditEvent[] = candidates
          .filter((c) => inserted.has(c.externalId as string))
          .map((c): AuditEvent => ({
            eventKey: `customer:${c.id}:created`,
            entityType: 'customer',
            entityId: c.id,
            // Exempting a customer from approval is recorded as such, as POST /customers does.
            type: c.approval === 'never' ? 'created_without_approval' : 'created',
            actor: by.principal,
            detail: { approval: c.approval, importId, externalId: c.externalId },
            at: now,
          }));
        outcome.imported += inserted.size;
        const rest = rows.filter(({ row }) => !inserted.has(row.externalId));
        const stored = new Map((await customersByExternalId(tx, rest.map(({ row }) => row.externalId), true)).map((c) => [c.externalId, c]));
        for (const { line, row } of rest) {
          const customer = stored.get(row.externalId);
          if (!customer) throw new Error(`customer ${row.externalId} was neither inserted nor found`);
          const changes = changedFields(customer, row);
          if (Object.keys(changes).length === 0) {
            outcome.unchanged += 1;
            continue;
          }
          await updateCustomerFields(tx, customer.id, mergedFields(customer, row));
          events.push({ eventKey: `customer:${customer.id}:updated:${importId}`, entityType: 'customer', entityId: customer.id, type: 'updated', actor: by.principal, detail: { changes, importId, line }, at: now });
          outcome.updated += 1;
        }
        await appendAuditEvents(tx, events);
        return outcome;
      }),
    );
  }

  // Charges: a chunk is one transaction; a charge changes only while pending.

  async function writeCharges(importId: string, chunk: ReadChunk<ChargeImportRow>, by: Person, now: string): Promise<void> {
    await retried(() =>
      writeChunk(sql, importId, now, async (tx) => {
        const outcome = emptyOutcome(chunk);
        const rows = await unrepeated(tx, importId, chunk.rows, outcome);
        const customers = await customersOf(tx, rows.map(({ row }) => row.customer));
        const events: AuditEvent[] = [];
        const reject = (line: number, error: unknown) => outcome.rejections.push(...rejectionsOf(error, line));

        /** The charge a row asks for, given what is stored under its key (null: nothing yet). */
        const chargeFor = (line: number, row: ChargeImportRow, stored: KeyedCharge | null): KeyedCharge | null => {
          const customer = 'id' in row.customer ? customers.byId.get(row.customer.id) : customers.byExternalId.get(row.customer.externalId);
          if (!customer) {
            const [field, value] = 'id' in row.customer ? ['customerId', row.customer.id] : ['customerExternalId', row.customer.externalId];
            outcome.rejections.push({ line, field, message: `customer ${value} does not exist` });
            return null;
          }
          try {
            const priced = row.line(customer.currency, stored?.taxRateBps ?? customer.taxRateBps ?? 0);
            const charge = createCharge(
              { customerId: customer.id, currency: customer.currency, kind: row.kind ?? stored?.kind ?? 'one_off', line: priced, occurredAt: row.occurredAt ?? stored?.occurredAt ?? null, period: row.period },
              { id: stored?.id ?? idFromSeed('chg', `import:${row.externalId}`), createdBy: stored?.createdBy ?? by.principal, now: stored?.createdAt ?? now },
            );
            return { ...charge, externalId: row.externalId };
          } catch (error) {
            reject(line, error);
            return null;
          }
        };

        const exts = rows.map(({ row }) => row.externalId);
        let stored = new Map((await chargesByExternalId(tx, exts, true)).map((c) => [c.externalId, c]));
        const fresh = rows.flatMap(({ line, row }) => {
          if (stored.has(row.externalId)) return [];
          const charge = chargeFor(line, row, null);
          return charge ? [{ line, row, charge }] : [];
        });
        const inserted = await insertCharges(tx, fresh.map((f) => f.charge));
        for (const { charge } of fresh.filter((f) => inserted.has(f.row.externalId))) {
          events.push({
            eventKey: `charge:${charge.id}:created`,
            entityType: 'charge',
            entityId: charge.id,
            type: 'created',
            actor: by.principal,
            detail: { kind: charge.kind, period: charge.period, amountMinor: charge.amountMinor, currency: charge.currency, importId, externalId: charge.externalId },
            at: now,
          });
        }
        outcome.imported += inserted.size;
        // Rows stored before, or by a concurrent import of the same file meanwhile.
        const raced = fresh.filter((f) => !inserted.has(f.row.externalId)).map((f) => f.row.externalId);
        if (raced.length > 0) stored = new Map([...stored, ...(await chargesByExternalId(tx, raced, true)).map((c) => [c.externalId, c] as const)]);
        const freshKeys = new Set(fresh.map((f) => f.row.externalId));
        for (const { line, row } of rows) {
          const existing = stored.get(row.externalId);
          if (!existing || (freshKeys.has(row.externalId) && inserted.has(row.externalId))) continue;
          const wanted = chargeFor(line, row, existing);
          if (!wanted) continue;
          const changes = chargeChanges(existing, wanted);
          if (Object.keys(changes).length === 0) {
            outcome.unchanged += 1;
            continue;
          }
          if (existing.status !== 'pending' || !(await updatePendingCharge(tx, wanted))) {
            outcome.rejections.push({ line, field: Object.keys(changes)[0] ?? '(row)', message: `the charge is ${existing.status === 'pending' ? 'billed' : existing.status}: only a pending charge can change` });
            continue;
          }
          events.push({ eventKey: `charge:${existing.id}:updated:${importId}`, entityType: 'charge', entityId: existing.id, type: 'updated', actor: by.principal, detail: { changes, importId, line }, at: now });
          outcome.updated += 1;
        }
        await appendAuditEvents(tx, events);
        return outcome;
      }),
    );
  }

  async function customersOf(tx: Tx, refs: readonly ChargeImportRow['customer'][]) {
    const ids = [...new Set(refs.flatMap((r) => ('id' in r && couldBeRowId(r.id) ? [r.id] : [])))];
    const exts = [...new Set(refs.flatMap((r) => ('externalId' in r ? [r.externalId] : [])))];
    const [byId, byExt] = await Promise.all([customersById(tx, ids), customersByExternalId(tx, exts, false)]);
    return { byId: new Map(byId.map((c) => [c.id, c])), byExternalId: new Map(byExt.map((c) => [c.externalId, c])) };
  }

  // Invoices: each row is a transaction, then its workflow starts; a chunk's counts are written after its rows.

  const settings = { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix };
  const ownPrefixes = [config.invoiceNumberPrefix, 'CN'];

  async function writeInvoices(importId: string, chunk: ReadChunk<InvoiceImportRow>, by: Person, now: string): Promise<void> {
    const outcome = emptyOutcome(chunk);
    const rows = await sql.begin((tx) => unrepeated(tx, importId, chunk.rows, outcome));
    const customers = new Map((await customersByExternalId(sql, [...new Set(rows.map(({ row }) => row.customerExternalId))], false)).map((c) => [c.externalId, c]));
    const policies = new Map<string, Promise<DunningPolicy | null>>();
    const policyOf = (id: string) => {
      if (!policies.has(id)) policies.set(id, findDunningPolicy(sql, id));
      return policies.get(id) as Promise<DunningPolicy | null>;
    };
    // Rows run several at once: of two rows with one number, the earlier line is the one imported.
    const numbered = new Map<string, number>();
    const distinct = [...rows]
      .sort((x, y) => x.line - y.line)
      .filter(({ line, row }) => {
        const first = numbered.get(row.number);
        if (first === undefined) numbered.set(row.number, line);
        else outcome.rejections.push({ line, field: 'number', message: `repeats the number of line ${first}: numbers are unique` });
        return first === undefined;
      });
    await forEachLimited(distinct, INVOICE_CONCURRENCY, async ({ line, row }) => {
      const customer = customers.get(row.customerExternalId);
      if (!customer) {
        outcome.rejections.push({ line, field: 'customerExternalId', message: `no customer has externalId "${row.customerExternalId}": import the customers first` });
        return;
      }
      const invoice: ImportedInvoice = { ...row, customerId: customer.id };
      const policy = await policyOf(customer.dunningPolicyId ?? 'default');
      if (!policy) throw new AppError({ code: ErrorCode.internal, message: `dunning policy ${customer.dunningPolicyId} of customer ${customer.id} is missing` });
      const result = await importInvoice(invoice, customer, policy, { importId, by, now });
      if (Array.isArray(result)) outcome.rejections.push(...result.map((r) => ({ ...r, line })));
      else outcome[result] += 1;
    });
    await recordChunk(sql, importId, outcome, new Date().toISOString());
  }

  async function importInvoice(
    invoice: ImportedInvoice,
    customer: Customer,
    policy: DunningPolicy,
    context: { importId: string; by: Person; now: string },
  ): Promise<'imported' | 'unchanged' | Omit<Rejection, 'line'>[]> {
    const { now, by } = context;
    let state: InvoiceState;
    try {
      assertImportableNumber(invoice.number, ownPrefixes);
      assertImportable(invoice, now);
      const draft = importedInvoiceDraft(invoice, { id: idFromSeed('inv', `import:${invoice.externalId}`), dunningPolicyId: policy.id, createdBy: by.principal, now });
      state = importedInvoiceState(draft, invoice, { policy, recordedBy: by.principal, now });
    } catch (error) {
      return rejectionsOf(error, 0);
    }
    const stored = await importedInvoiceByExternalId(sql, invoice.externalId, importedPaymentReference(invoice.externalId));
    if (!stored) {
      const inserted = await insertImportedInvoice(sql, { externalId: invoice.externalId, state, recipient: customer.email, importId: context.importId, actor: by.principal, at: now });
      if (inserted === 'number_taken') return [{ field: 'number', message: `"${invoice.number}" is the number of another invoice: numbers are unique` }];
      if (inserted === 'inserted') {
        await startInvoiceWorkflow(client, config.temporal.taskQueue, { draft: state.draft, customer: customerSnapshot(customer), policy, settings, resume: state });
        return 'imported';
      }
    }
    const found = stored ?? (await importedInvoiceByExternalId(sql, invoice.externalId, importedPaymentReference(invoice.externalId)));
    if (!found) throw new Error(`invoice ${invoice.externalId} was neither inserted nor found`);
    const differs = invoiceDifference(found, invoice);
    if (differs) return [{ field: differs, message: `differs from the invoice imported under this externalId (${found.record.number}): an issued invoice does not change; record a payment or a credit note instead` }];
    await ensureWorkflow(found, customer, policy);
    return 'unchanged';
  }

  /**
   * Starts the workflow of an invoice imported before, from the state it was imported in, if it has
   * none: an import that stopped between storing an invoice and starting its workflow is finished by
   * importing the file again. A workflow that ran (even one that has ended) is left alone.
   */
  async function ensureWorkflow(found: StoredImportedInvoice, customer: Customer, policy: DunningPolicy): Promise<void> {
    const r = found.record;
    if (r.number === null || r.issuedAt === null || r.dueAt === null) return;
    const draft = draftOf(r);
    const invoice: ImportedInvoice = {
      externalId: found.externalId,
      customerId: r.customerId,
      number: r.number,
      issuedAt: r.issuedAt,
      dueAt: r.dueAt,
      currency: r.currency,
      totalMinor: r.totalMinor,
      amountPaidMinor: found.paidBeforeImportMinor,
      description: r.lines[0]?.description ?? '',
    };
    const state = importedInvoiceState(draft, invoice, { policy, recordedBy: r.createdBy, now: r.createdAt });
    await startInvoiceWorkflow(client, config.temporal.taskQueue, { draft, customer: customerSnapshot(customer), policy, settings, resume: state });
  }

  return {
    importCustomers: (upload) => run('customers', upload, CHUNK_ROWS, (id, chunk, now) => writeCustomers(id, chunk, upload.by, now)),
    importCharges: (upload) => run('charges', upload, CHUNK_ROWS, (id, chunk, now) => writeCharges(id, chunk, upload.by, now)),
    importInvoices: (upload) => run('invoices', upload, INVOICE_CHUNK_ROWS, (id, chunk, now) => writeInvoices(id, chunk, upload.by, now)),
    load,
    list: (page) => listImports(sql, page),
    async rejections(id, page) {
      if (!couldBeRowId(id) || !(await findImport(sql, id))) return null;
      return listRejections(sql, id, page);
    },
  };
}

/** Claims the chunk's keys; a key an earlier line of the file had is rejected, the rest answered. */
async function unrepeated<Row extends { externalId: string }>(tx: Tx, importId: string, rows: ParsedRow<Row>[], outcome: ChunkOutcome): Promise<ParsedRow<Row>[]> {
  const repeated = await claimKeys(tx, importId, rows.map(({ line, row }) => ({ externalId: row.externalId, line })));
  const kept: ParsedRow<Row>[] = [];
  for (const parsed of rows) {
    const first = repeated.get(parsed.line);
    if (first !== undefined) rejectKey(outcome, parsed.line, first);
    else kept.push(parsed);
  }
  // In key order: two imports writing the same keys lock them in the same order.
  return kept.sort((a, b) => (a.row.externalId < b.row.externalId ? -1 : a.row.externalId > b.row.externalId ? 1 : 0));
}

/**
 * The line a record starts on. csv-parse counts the lines read when it emits a record, which is the
 * line the record ends on; a quoted field may hold line breaks, each moving the end one line on.
 */
function startLineOf(cells: readonly string[], linesRead: number): number {
  let breaks = 0;
  // csv-parse counts a CR and an LF inside quotes as a line each.
  for (const cell of cells) breaks += cell.match(/[\r\n]/g)?.length ?? 0;
  return Math.max(1, linesRead - breaks);
}

/** A record as a row of its kind, or its problems. */
function readRow<Row>(cells: readonly string[], header: readonly string[], line: number, parseRow: (fields: CsvFields) => Row): { row: Row } | { rejections: Rejection[] } {
  if (cells.length !== header.length) {
    return { rejections: [{ line, field: '(row)', message: `has ${cells.length} fields; the header has ${header.length}` }] };
  }
  const fields: Record<string, string> = {};
  const undecodable: Rejection[] = [];
  header.forEach((name, i) => {
    const cell = cells[i] ?? '';
    // Bytes that are not UTF-8 were decoded as U+FFFD: refused rather than stored changed.
    if (cell.includes('\uFFFD')) undecodable.push({ line, field: name, message: 'is not valid UTF-8 (send the file as UTF-8)' });
    if (cell !== '') fields[name] = cell;
  });
  if (undecodable.length > 0) return { rejections: undecodable };
  try {
    return { row: parseRow(fields) };
  } catch (error) {
    return { rejections: rejectionsOf(error, line) };
  }
}

async function retried<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 3 || typeof code !== 'string' || !RETRIED_CODES.has(code)) throw error;
    }
  }
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure fails the whole. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const CUSTOMER_FIELDS = ['name', 'email', 'currency', 'locale', 'paymentTermsDays', 'taxRateBps', 'approval'] as const satisfies readonly (keyof ImportedCustomerFields)[];

function pick(c: Customer): ImportedCustomerFields {
  return { name: c.name, email: c.email, currency: c.currency, locale: c.locale, paymentTermsDays: c.paymentTermsDays, taxRateBps: c.taxRateBps, approval: c.approval };
}

/** The stored customer's fields, with those the row gave. */
function mergedFields(stored: Customer, row: CustomerImportRow): ImportedCustomerFields {
  const merged = pick(stored);
  for (const field of row.given) Object.assign(merged, { [field]: row.fields[field] });
  return merged;
}

/** The given fields whose value differs from the stored customer's, with both values. */
function changedFields(stored: Customer, row: CustomerImportRow): Partial<Record<keyof ImportedCustomerFields, { from: unknown; to: unknown }>> {
  const current = pick(stored);
  const changes: Partial<Record<keyof ImportedCustomerFields, { from: unknown; to: unknown }>> = {};
  for (const field of CUSTOMER_FIELDS) {
    if (row.given.has(field) && current[field] !== row.fields[field]) changes[field] = { from: current[field], to: row.fields[field] };
  }
  return changes;
}

const CHARGE_FIELDS = ['customerId', 'currency', 'description', 'kind', 'quantity', 'unitPriceMinor', 'taxRateBps', 'amountMinor', 'occurredAt', 'period'] as const satisfies readonly (keyof Charge)[];

function chargeChanges(stored: Charge, wanted: Charge): Partial<Record<(typeof CHARGE_FIELDS)[number], { from: unknown; to: unknown }>> {
  const changes: Partial<Record<(typeof CHARGE_FIELDS)[number], { from: unknown; to: unknown }>> = {};
  for (const field of CHARGE_FIELDS) {
    const [from, to] = [stored[field], wanted[field]];
    const same = field === 'occurredAt' ? Date.parse(String(from)) === Date.parse(String(to)) : from === to;
    if (!same) changes[field] = { from, to };
  }
  return changes;
}

/** The first field of the row that differs from the invoice imported under its key; null when none does. */
function invoiceDifference(found: StoredImportedInvoice, invoice: ImportedInvoice): string | null {
  const r = found.record;
  const sameTime = (a: string | null, b: string) => a !== null && Date.parse(a) === Date.parse(b);
  if (r.customerId !== invoice.customerId) return 'customerExternalId';
  if (r.number !== invoice.number) return 'number';
  if (!sameTime(r.issuedAt, invoice.issuedAt)) return 'issuedAt';
  if (!sameTime(r.dueAt, invoice.dueAt)) return 'dueAt';
  if (r.currency !== invoice.currency) return 'currency';
  if (r.totalMinor !== invoice.totalMinor) return 'total';
  if (found.paidBeforeImportMinor !== invoice.amountPaidMinor) return 'amountPaid';
  if (r.lines[0]?.description !== invoice.description) return 'description';
  return null;
}

function customerSnapshot(c: Customer): CustomerSnapshot {
  return { id: c.id, name: c.name, email: c.email, locale: c.locale, approval: c.approval };
}
