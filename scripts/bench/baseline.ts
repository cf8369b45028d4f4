import { MockActivityEnvironment } from '@temporalio/testing';
import { createTransport } from 'nodemailer';
import { type Activities, createActivities } from '../../activities';
import type { Config } from '../../src/config';
import { insertBillingRun } from '../../src/db/billing-runs';
import type { ChargeGroup } from '../../src/db/charges';
import { decideApproval } from '../../src/domain/approval';
import type { InvoiceEventType } from '../../src/domain/audit';
import { amountDueMinor, type ApprovalRecord, initialInvoiceState, type InvoiceState, snapshotOf } from '../../src/domain/invoice';
import type { InvoiceSettings } from '../../workflows/invoice/messages';
import { type PerPart, perPart, readCpuMs } from './processes';
import type { BenchStack } from './stack';

/**
 * The baseline: the same activity functions the worker runs, called in-process one after another
 * per invoice, with no Temporal in between, as many invoices at once as the billing run makes
 * (its WINDOW). What end to end costs beyond this is the price of durable execution.
 */

const nowIso = (): string => new Date().toISOString();
const SMTP_CONNECTIONS = 5;

interface InvoiceStep {
  runId: string;
  period: string;
  group: ChargeGroup;
  createdBy: string;
  settings: InvoiceSettings;
}

/**
 * One invoice of a billing run, approved by policy: the activities the billing run and invoice
 * workflows call for it, in their order and with their arguments. It mirrors
 * workflows/billing-run/workflow.ts (`bill`), workflows/invoice/workflow.ts (`issueAndSend`),
 * workflows/invoice/approval.ts (`approveByPolicy`), workflows/invoice/context.ts (`commit`) and
 * src/domain/invoice.ts (`snapshotOf`): when the workflows' activities change, change this with them.
 */
export async function billOneInvoice(activities: Activities, step: InvoiceStep): Promise<void> {
  // billingRunWorkflow → bill: the invoice recorded with its charges claimed.
  const made = await activities.billCustomer({ runId: step.runId, period: step.period, group: step.group, createdBy: step.createdBy });
  if (!made) throw new Error(`nothing pending for customer ${step.group.customerId} in ${step.period}`);
  const { draft, customer } = made;
  // The run stored the draft with its charges claimed: the invoice workflow does not store it again.
  let state = initialInvoiceState(draft);

  // Approval.run → approveByPolicy
  const rule = decideApproval({ invoice: draft.approval, customer: customer.approval, totalMinor: draft.totalMinor, currency: draft.currency });
  if (rule.required) throw new Error(`invoice ${draft.id} needs a person's approval (${rule.reason}): the baseline covers invoices approved by policy`);
  const approval: ApprovalRecord = { principal: 'system', decision: 'auto_approved', at: nowIso(), reason: rule.reason };
  await activities.recordApproval({ invoiceId: draft.id, seq: state.approvals.length, approval });
  state = { ...state, approvals: [...state.approvals, approval] };

  // issueAndSend: the gapless number, the issued state, then the email and the sent state.
  const issuedAt = nowIso();
  const dueAt = draft.dueAt ?? new Date(Date.parse(issuedAt) + draft.paymentTermsDays * 86_400_000).toISOString();
  const approver = state.approvals[state.approvals.length - 1]?.principal ?? 'system';
  const issued: InvoiceState = { ...state, issuedAt, dueAt, status: 'open', version: state.version + 1 };
  const number = await activities.issueInvoiceWithSnapshot({
    prefix: step.settings.numberPrefix,
    issuedAt,
    snapshot: snapshotOf(issued, nowIso()),
    event: { type: 'issued', actor: approver, detail: { dueAt } },
  });
  state = { ...issued, number };
  if (amountDueMinor(state) === 0) state = await commit(activities, state, { status: 'paid' }, { type: 'paid', actor: 'system', detail: { reason: 'nothing to pay' } });

  // The email activity reads its attempt from the activity context: the SDK's mock environment gives it one.
  const sent = await inActivityContext(activities.sendInvoiceEmail, { state, customer });
  await commit(
    activities,
    state,
    { delivery: { status: 'sent', attempts: sent.attempts, lastError: null, sentAt: sent.sentAt } },
    { type: 'sent', actor: 'system', detail: { to: customer.email, messageId: sent.messageId } },
  );
}

function inActivityContext<A, R>(activity: (arg: A) => Promise<R>, arg: A): Promise<R> {
  return new MockActivityEnvironment().run<[A], R, typeof activity>(activity, arg);
}

/** InvoiceContext.commit: the next version stored with its timeline event, then applied. */
async function commit(
  activities: Activities,
  state: InvoiceState,
  change: Partial<InvoiceState>,
  event: { type: InvoiceEventType; actor: string; detail: Record<string, unknown> },
): Promise<InvoiceState> {
  const next: InvoiceState = { ...state, ...change, version: state.version + 1 };
  await activities.recordInvoiceChange({ snapshot: snapshotOf(next, nowIso()), event });
  return next;
}

export interface BaselineResult {
  invoices: number;
  concurrency: number;
  seconds: number;
  invoicesPerSecond: number;
  /** Of the bench process (the activities and the sink) and PostgreSQL. */
  cpuMs: Pick<PerPart, 'bench' | 'postgres'>;
}

/** Bills every group of `period` through billOneInvoice, `concurrency` invoices at once. */
export async function runBaseline(
  stack: BenchStack,
  options: { period: string; groups: readonly ChargeGroup[]; concurrency: number },
): Promise<BaselineResult> {
  const { config, sql, sink } = stack;
  const runId = `run_${options.period}_baseline`;
  await insertBillingRun(sql, { id: runId, period: options.period, dryRun: false, customerIds: null, createdBy: 'bench', startedAt: nowIso() });
  // A pool of SMTP connections, as the worker keeps one.
  const mailer = createTransport({ url: config.smtpUrl, pool: true, maxConnections: SMTP_CONNECTIONS });
  const activities = createActivities({
    sql,
    mailer,
    mailFrom: config.mailFrom,
    publicBaseUrl: config.publicBaseUrl,
    approvers: { notify: config.approval.notify, escalateTo: config.approval.escalateTo },
  });
  const settings = settingsOf(config);
  const parts = stack.parts.filter((p) => p.name === 'bench' || p.name === 'postgres');
  const emailedBefore = sink.distinct('invoice');

  const cpuBefore = readCpuMs(parts);
  const startedAt = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < options.groups.length) {
      const group = options.groups[next++] as ChargeGroup;
      await billOneInvoice(activities, { runId, period: options.period, group, createdBy: 'bench', settings });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.groups.length) }, lane));
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuAfter = readCpuMs(parts);
  mailer.close();

  const emailed = sink.distinct('invoice') - emailedBefore;
  if (emailed !== options.groups.length) throw new Error(`the baseline sent ${emailed} invoice emails for ${options.groups.length} invoices`);
  const cpu = perPart((part) => cpuAfter[part] - cpuBefore[part]);
  return {
    invoices: options.groups.length,
    concurrency: options.concurrency,
    seconds,
    invoicesPerSecond: options.groups.length / seconds,
    cpuMs: { bench: cpu.bench, postgres: cpu.postgres },
  };
}

/** The invoices' settings as the api gives them to a billing run (src/services/billing-runs.ts). */
function settingsOf(config: Pick<Config, 'approval' | 'invoiceNumberPrefix'>): InvoiceSettings {
  return { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix };
}
