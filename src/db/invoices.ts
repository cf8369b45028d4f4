import { type ApprovalRecord, type FeeRecord, type InvoiceApproval, type InvoiceDraft, type InvoiceSnapshot, type InvoiceState, type InvoiceStatus, issuedByPolicy, snapshotOf } from '../domain/invoice';
import type { PricedLine } from '../domain/lines';
import { decideApproval } from '../domain/approval';
import type { CustomerApproval } from '../domain/customer';
import { appendAuditEvent } from './audit';
import type { InvoiceEventType } from '../domain/audit';
import type { Sql, Tx } from './client';
import { toIso, toMinor } from './client';
import type { PageCursor } from './customers';
import { type Delivery, type DeliveryRow, toDelivery } from './deliveries';
import { seriesFor, takeNextNumber } from './numbering';

export interface InvoiceRecord {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  customerId: string;
  currency: string;
  pricesIncludeTax: boolean;
  lines: PricedLine[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  amountPaidMinor: number;
  creditedMinor: number;
  dunningLevel: number;
  dueAt: string | null;
  paymentTermsDays: number;
  dunningPolicyId: string | null;
  approval: InvoiceApproval;
  memo: string | null;
  createdBy: string;
  createdAt: string;
  issuedAt: string | null;
  updatedAt: string;
  creditNoteNumber: string | null;
  billingRunId: string | null;
  subscriptionId: string | null;
  /** The customer's own page is /pay/<payToken>. */
  payToken: string;
}

interface InvoiceRow {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  customer_id: string;
  currency: string;
  prices_include_tax: boolean;
  subtotal_minor: string;
  tax_minor: string;
  total_minor: string;
  amount_paid_minor: string;
  credited_minor: string;
  dunning_level: number;
  due_at: Date | null;
  payment_terms_days: number;
  dunning_policy_id: string | null;
  approval: InvoiceApproval;
  memo: string | null;
  created_by: string;
  created_at: Date;
  issued_at: Date | null;
  updated_at: Date;
  credit_note_number: string | null;
  billing_run_id: string | null;
  subscription_id: string | null;
  pay_token: string;
}

interface LineRow {
  invoice_id: string;
  position: number;
  description: string;
  quantity: string;
  unit_price_minor: string;
  tax_rate_bps: number;
  discount_bps: number;
  net_minor: string;
  tax_minor: string;
  total_minor: string;
}

function toLine(row: LineRow): PricedLine {
  return {
    description: row.description,
    quantity: row.quantity,
    unitPriceMinor: toMinor(row.unit_price_minor),
    taxRateBps: row.tax_rate_bps,
    discountBps: row.discount_bps,
    netMinor: toMinor(row.net_minor),
    taxMinor: toMinor(row.tax_minor),
    totalMinor: toMinor(row.total_minor),
  };
}

function toInvoice(row: InvoiceRow, lines: PricedLine[]): InvoiceRecord {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    customerId: row.customer_id,
    currency: row.currency,
    pricesIncludeTax: row.prices_include_tax,
    lines,
    subtotalMinor: toMinor(row.subtotal_minor),
    taxMinor: toMinor(row.tax_minor),
    totalMinor: toMinor(row.total_minor),
    amountPaidMinor: toMinor(row.amount_paid_minor),
    creditedMinor: toMinor(row.credited_minor),
    dunningLevel: row.dunning_level,
    dueAt: toIso(row.due_at),
    paymentTermsDays: row.payment_terms_days,
    dunningPolicyId: row.dunning_policy_id,
    approval: row.approval,
    memo: row.memo,
    createdBy: row.created_by,
    createdAt: toIso(row.created_at) ?? '',
    issuedAt: toIso(row.issued_at),
    updatedAt: toIso(row.updated_at) ?? '',
    creditNoteNumber: row.credit_note_number,
    billingRunId: row.billing_run_id,
    subscriptionId: row.subscription_id,
    payToken: row.pay_token,
  };
}

/** The draft an invoice row was made from (a billing run that finds its invoice already stored starts its workflow from it). */
export function draftOf(r: InvoiceRecord): InvoiceDraft {
  return {
    id: r.id,
    customerId: r.customerId,
    currency: r.currency,
    pricesIncludeTax: r.pricesIncludeTax,
    lines: r.lines,
    subtotalMinor: r.subtotalMinor,
    taxMinor: r.taxMinor,
    totalMinor: r.totalMinor,
    dueAt: r.dueAt,
    paymentTermsDays: r.paymentTermsDays,
    dunningPolicyId: r.dunningPolicyId,
    approval: r.approval,
    memo: r.memo,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    billingRunId: r.billingRunId,
    ...(r.subscriptionId ? { subscriptionId: r.subscriptionId } : {}),
  };
}

/**
 * Writes a draft with its lines and its "created" audit event in one transaction. Idempotent: an
 * activity retried after a crash finds the row and changes nothing.
 */
export async function insertDraftInvoice(sql: Sql, d: InvoiceDraft): Promise<void> {
  await sql.begin((tx) => insertDraftInvoiceIn(tx, d));
}

/** insertDraftInvoice inside a caller's transaction (a billing run claims its charges in the same one). */
export async function insertDraftInvoiceIn(tx: Tx, d: InvoiceDraft): Promise<void> {
  const inserted = await tx`
    insert into invoices (id, customer_id, status, currency, prices_include_tax, subtotal_minor, tax_minor,
                          total_minor, due_at, payment_terms_days, dunning_policy_id, approval, memo,
                          created_by, created_at, updated_at, billing_run_id, subscription_id)
    values (${d.id}, ${d.customerId}, 'draft', ${d.currency}, ${d.pricesIncludeTax}, ${d.subtotalMinor},
            ${d.taxMinor}, ${d.totalMinor}, ${d.dueAt}, ${d.paymentTermsDays}, ${d.dunningPolicyId},
            ${d.approval}, ${d.memo}, ${d.createdBy}, ${d.createdAt}, ${d.createdAt}, ${d.billingRunId ?? null}, ${d.subscriptionId ?? null})
    on conflict (id) do nothing
    returning id`;
  if (inserted.length === 0) return;
  await tx`insert into invoice_lines ${tx(lineRows(d))}`;
  await appendAuditEvent(tx, {
    eventKey: `invoice:${d.id}:created`,
    entityType: 'invoice',
    entityId: d.id,
    type: 'created',
    actor: d.createdBy,
    detail: { totalMinor: d.totalMinor, currency: d.currency, lines: d.lines.length, ...(d.billingRunId ? { billingRunId: d.billingRunId } : {}), ...(d.subscriptionId ? { subscriptionId: d.subscriptionId } : {}) },
    at: d.createdAt,
  });
}

export async function findInvoice(sql: Sql, id: string): Promise<InvoiceRecord | null> {
  const [row] = await sql<InvoiceRow[]>`
    select *
    from invoices
    where id = ${id}`;
  if (!row) return null;
  const lines = await sql<LineRow[]>`
    select *
    from invoice_lines
    where invoice_id = ${id}
    order by position`;
  return toInvoice(row, lines.map(toLine));
}

export interface InvoiceFilter {
  status: InvoiceStatus | null;
  customerId: string | null;
  /** Only the invoices of this billing run. */
  billingRunId?: string | null;
  /** Only the invoices still unpaid (open, overdue, disputed) whose due date is before this time. */
  overdueAt?: string | null;
  limit: number;
  after: PageCursor | null;
}

/** A page of invoices without their lines (GET /invoices/:id has them), each with its delivery. */
export async function listInvoices(sql: Sql, f: InvoiceFilter): Promise<(InvoiceRecord & { delivery: Delivery | null })[]> {
  const rows = await sql<(InvoiceRow & { delivery: DeliveryRow | null })[]>`
    select i.*, to_jsonb(d) as delivery
    from invoices i
    left join invoice_deliveries d
      on d.invoice_id = i.id
      and d.step = 'invoice'
    where ${f.status ? sql`i.status = ${f.status}` : sql`true`}
      and ${f.customerId ? sql`i.customer_id = ${f.customerId}` : sql`true`}
      and ${f.billingRunId ? sql`i.billing_run_id = ${f.billingRunId}` : sql`true`}
      and ${f.overdueAt ? sql`i.status in ('open', 'overdue', 'disputed') and i.due_at < ${f.overdueAt}` : sql`true`}
      and ${f.after ? sql`(i.created_at, i.id) > (${f.after.createdAt}, ${f.after.id})` : sql`true`}
    order by i.created_at, i.id
    limit ${f.limit}`;
  return rows.map(({ delivery, ...row }) => ({ ...toInvoice(row, []), delivery: delivery ? toDelivery(delivery) : null }));
}

export type { InvoiceSnapshot } from '../domain/invoice';

/**
 * Writes the workflow's state at `version` and the audit event of that change, once. A replayed or
 * late activity carrying an older version leaves the row alone, so writes can never go backwards.
 */
export async function applyInvoiceSnapshot(sql: Sql, s: InvoiceSnapshot, event: InvoiceEventRecord): Promise<void> {
  await sql.begin((tx) => writeInvoiceSnapshot(tx, s, event));
}

export interface InvoiceEventRecord {
  type: InvoiceEventType;
  actor: string;
  detail: Record<string, unknown>;
}

/** applyInvoiceSnapshot inside a caller's transaction (a payment, a void). */
export async function writeInvoiceSnapshot(tx: Tx, s: InvoiceSnapshot, event: InvoiceEventRecord): Promise<void> {
  await tx`
    update invoices
    set status = ${s.status},
        amount_paid_minor = ${s.amountPaidMinor},
        dunning_level = ${s.dunningLevel},
        due_at = ${s.dueAt},
        credit_note_number = ${s.creditNoteNumber},
        credited_minor = ${s.creditedMinor ?? 0},
        updated_at = ${s.at},
        version = ${s.version}
    where id = ${s.invoiceId}
      and version < ${s.version}`;
  await appendAuditEvent(tx, {
    eventKey: `invoice:${s.invoiceId}:v${s.version}`,
    entityType: 'invoice',
    entityId: s.invoiceId,
    type: event.type,
    actor: event.actor,
    detail: event.detail,
    at: s.at,
  });
}

/** Replaces a draft's lines and totals after changes were requested; only drafts can change. */
export async function reviseDraftInvoice(sql: Sql, d: InvoiceDraft, version: number): Promise<void> {
  await sql.begin(async (tx) => {
    const updated = await tx`
      update invoices
      set subtotal_minor = ${d.subtotalMinor},
          tax_minor = ${d.taxMinor},
          total_minor = ${d.totalMinor},
          memo = ${d.memo},
          due_at = ${d.dueAt},
          version = ${version}
      where id = ${d.id}
        and number is null
        and version < ${version}
      returning id`;
    if (updated.length === 0) return;
    await tx`
      delete from invoice_lines
      where invoice_id = ${d.id}`;
    await tx`insert into invoice_lines ${tx(lineRows(d))}`;
  });
}

function lineRows(d: InvoiceDraft) {
  return d.lines.map((line, position) => ({
    invoice_id: d.id,
    position,
    description: line.description,
    quantity: line.quantity,
    unit_price_minor: line.unitPriceMinor,
    tax_rate_bps: line.taxRateBps,
    discount_bps: line.discountBps ?? 0,
    net_minor: line.netMinor,
    tax_minor: line.taxMinor,
    total_minor: line.totalMinor,
  }));
}

/**
 * Gives an approved invoice its number, issue date and due date, once: a retry finds the number
 * already there and returns it. From here on its lines and totals never change.
 */
export async function issueInvoice(sql: Sql, args: { invoiceId: string; issuedAt: string; dueAt: string; prefix: string }): Promise<string> {
  return sql.begin((tx) => numberOnce(tx, args));
}

/**
 * issueInvoice and the invoice's new state (open, with its timeline event naming the number) in one
 * transaction: one round trip for the step every invoice takes. With `approval`, the approver's
 * decision that lets it be issued is stored first, in the same transaction. Idempotent like each.
 */
export async function issueInvoiceWithSnapshot(
  sql: Sql,
  args: { prefix: string; issuedAt: string; snapshot: InvoiceSnapshot; event: InvoiceEventRecord; approval?: { seq: number; record: ApprovalRecord } },
): Promise<string> {
  return sql.begin((tx) => issueIn(tx, args));
}

async function issueIn(
  tx: Tx,
  args: { prefix: string; issuedAt: string; snapshot: InvoiceSnapshot; event: InvoiceEventRecord; approval?: { seq: number; record: ApprovalRecord } },
): Promise<string> {
  const { issuedAt, snapshot, event, approval } = args;
  if (approval) await insertApprovalIn(tx, snapshot.invoiceId, approval.seq, approval.record);
  const number = await numberOnce(tx, { invoiceId: snapshot.invoiceId, issuedAt, dueAt: snapshot.dueAt, prefix: args.prefix });
  await writeInvoiceSnapshot(tx, snapshot, { ...event, detail: { ...event.detail, number } });
  return number;
}

/** The invoice's number: taken from its series once, under the invoice's row lock, with the issue and due dates. */
async function numberOnce(tx: Tx, args: { invoiceId: string; issuedAt: string; dueAt: string | null; prefix: string }): Promise<string> {
  const [row] = await tx<{ number: string | null }[]>`
    select number
    from invoices
    where id = ${args.invoiceId}
    for update`;
  if (!row) throw new Error(`invoice ${args.invoiceId} is not recorded`);
  if (row.number) return row.number;
  const number = await takeNextNumber(tx, seriesFor(args.prefix, args.issuedAt));
  await tx`
    update invoices
    set number = ${number},
        issued_at = ${args.issuedAt},
        due_at = ${args.dueAt}
    where id = ${args.invoiceId}`;
  return number;
}

/**
 * Records an approval decision, and puts approvals on the audit trail (rejections and requested
 * changes get there as the status changes they cause).
 */
export async function insertApproval(sql: Sql, invoiceId: string, seq: number, a: ApprovalRecord): Promise<void> {
  await sql.begin((tx) => insertApprovalIn(tx, invoiceId, seq, a));
}

async function insertApprovalIn(tx: Tx, invoiceId: string, seq: number, a: ApprovalRecord): Promise<void> {
  await tx`
    insert into invoice_approvals (invoice_id, seq, principal, decision, reason, at)
    values (${invoiceId}, ${seq}, ${a.principal}, ${a.decision}, ${a.reason}, ${a.at})
    on conflict (invoice_id, seq) do nothing`;
  if (a.decision !== 'approved' && a.decision !== 'auto_approved') return;
  await appendAuditEvent(tx, {
    eventKey: `invoice:${invoiceId}:approval:${seq}`,
    entityType: 'invoice',
    entityId: invoiceId,
    type: a.decision,
    actor: a.principal,
    detail: a.reason ? { reason: a.reason } : {},
    at: a.at,
  });
}

/**
 * Approves a draft by policy and issues it (its number, the open state and their timeline events)
 * inside a caller's transaction, storing exactly what the invoice workflow stores when it does both
 * itself: a billing run does it in the transaction that records the invoice and claims its charges,
 * and starts the workflow from the state answered.
 */
export async function issueByPolicyIn(tx: Tx, draft: InvoiceDraft, args: { prefix: string; issuedAt: string; reason: string }): Promise<InvoiceState> {
  const record: ApprovalRecord = { principal: 'system', decision: 'auto_approved', at: args.issuedAt, reason: args.reason };
  // The number is the database's to give: the state is completed with it once taken.
  const issued = issuedByPolicy(draft, { approval: record, number: '', issuedAt: args.issuedAt });
  const number = await issueIn(tx, {
    prefix: args.prefix,
    issuedAt: args.issuedAt,
    snapshot: snapshotOf(issued, args.issuedAt),
    event: { type: 'issued', actor: 'system', detail: { dueAt: issued.dueAt } },
    approval: { seq: 0, record },
  });
  return { ...issued, number };
}

/** An invoice a system made (a billing run's, a subscription's) as recorded: its draft, and its state when it was issued at once. */
export interface RecordedInvoice {
  draft: InvoiceDraft;
  /** Approved by policy and issued in the same transaction (its workflow starts from here); null when it waits for a person. */
  issued: InvoiceState | null;
}

/**
 * Records a draft a system made and, when the customer's approval rule lets it through, approves
 * and issues it in the same transaction (its gapless number, the open state): its workflow then
 * starts open and sends it, with no write of its own before the email. A zero invoice is settled as
 * it is issued, which its workflow does; without a number prefix the workflow issues it too.
 */
export async function recordSystemDraftIn(
  tx: Tx,
  draft: InvoiceDraft,
  args: { customerApproval: CustomerApproval; numberPrefix: string | null; now: string },
): Promise<RecordedInvoice> {
  await insertDraftInvoiceIn(tx, draft);
  const rule = decideApproval({ invoice: draft.approval, customer: args.customerApproval, totalMinor: draft.totalMinor, currency: draft.currency });
  if (rule.required || draft.totalMinor <= 0 || args.numberPrefix === null) return { draft, issued: null };
  return { draft, issued: await issueByPolicyIn(tx, draft, { prefix: args.numberPrefix, issuedAt: args.now, reason: rule.reason }) };
}

/** A system's invoice recorded by an earlier attempt, as that attempt answered it. */
export async function storedSystemInvoice(sql: Sql, invoiceId: string): Promise<RecordedInvoice | null> {
  const stored = await findInvoice(sql, invoiceId);
  if (!stored) return null;
  // A system's draft has no due date of its own (its customer's terms give it); issuing left one on the row.
  const draft = { ...draftOf(stored), dueAt: null };
  const [approval] = await listApprovals(sql, invoiceId);
  if (stored.number === null || stored.issuedAt === null || approval?.decision !== 'auto_approved') return { draft, issued: null };
  return { draft, issued: issuedByPolicy(draft, { approval, number: stored.number, issuedAt: stored.issuedAt }) };
}

export async function listApprovals(sql: Sql, invoiceId: string): Promise<ApprovalRecord[]> {
  const rows = await sql<{ principal: string; decision: ApprovalRecord['decision']; reason: string | null; at: Date }[]>`
    select principal, decision, reason, at
    from invoice_approvals
    where invoice_id = ${invoiceId}
    order by seq`;
  return rows.map((r) => ({ principal: r.principal, decision: r.decision, reason: r.reason, at: toIso(r.at) ?? '' }));
}

export async function insertFee(sql: Sql, invoiceId: string, fee: FeeRecord): Promise<void> {
  await sql`
    insert into invoice_fees (invoice_id, step, amount_minor, at)
    values (${invoiceId}, ${fee.step}, ${fee.amountMinor}, ${fee.at})
    on conflict (invoice_id, step) do nothing`;
}

export async function listFees(sql: Sql, invoiceId: string): Promise<FeeRecord[]> {
  const rows = await sql<{ step: number; amount_minor: string; at: Date }[]>`
    select step, amount_minor, at
    from invoice_fees
    where invoice_id = ${invoiceId}
    order by step`;
  return rows.map((r) => ({ step: r.step, amountMinor: toMinor(r.amount_minor), at: toIso(r.at) ?? '' }));
}
