import { MockActivityEnvironment } from '@temporalio/testing';
import { createTransport } from 'nodemailer';
import { type Activities, createActivities } from '../../activities';
import type { Config } from '../../src/config';
import { insertBillingRun } from '../../src/db/billing-runs';
import type { ChargeGroup } from '../../src/db/charges';
import { BATCH_SIZE } from '../../workflows/billing-run/workflow';
import type { InvoiceStart } from '../../src/temporal/start-invoice';
import type { InvoiceSettings } from '../../workflows/invoice/messages';
import { type PerPart, perPart, readCpuMs } from './processes';
import type { BenchStack } from './stack';

/**
 * The baseline: the same activity functions the worker runs, called in-process in the workflows'
 * order, with no Temporal in between, as many at once as the billing run makes them (its batches
 * and their window). What end to end costs beyond this is the price of durable execution.
 */

const nowIso = (): string => new Date().toISOString();
/** As the worker's pool (SMTP_MAX_CONNECTIONS). */
const SMTP_CONNECTIONS = 5;

interface BatchStep {
  runId: string;
  period: string;
  groups: ChargeGroup[];
  createdBy: string;
  settings: InvoiceSettings;
}

/**
 * One batch of a billing run's invoices approved by policy: the activities the billing run and
 * invoice workflows call for them, in their order and with their arguments. It mirrors
 * workflows/billing-run/workflow.ts (`billInBatches`) and workflows/invoice/workflow.ts (`send`):
 * when the workflows' activities change, change this with them.
 */
export async function billOneBatch(activities: Activities, step: BatchStep): Promise<void> {
  // billingRunWorkflow → billInBatches: the invoices recorded with their charges claimed, approved
  // by policy and issued, each in its own transaction; their workflows started (the baseline's
  // startInvoice below sends each email in their place).
  const outcomes = await activities.billCustomers({ ...step, numberPrefix: step.settings.numberPrefix });
  for (const [i, outcome] of outcomes.entries()) {
    const group = step.groups[i];
    if ('failed' in outcome) throw new Error(`customer ${group?.customerId} could not be billed: ${outcome.failed}`);
    if (!outcome.invoice) throw new Error(`nothing pending for customer ${group?.customerId} in ${step.period}`);
  }
}

/**
 * What an invoice's workflow does once started, in-process: invoiceWorkflow → send, the email that
 * stores its delivery and timeline event. The activity reads its attempt from the activity context:
 * the SDK's mock environment gives it one.
 */
async function sendAsTheWorkflowWould(activities: Activities, start: InvoiceStart): Promise<boolean> {
  if (!start.resume) throw new Error(`invoice ${start.draft.id} needs a person's approval: the baseline covers invoices approved by policy`);
  await new MockActivityEnvironment().run(activities.sendInvoiceEmail, { state: start.resume, customer: start.customer, timeline: true });
  return true;
}

export interface BaselineResult {
  invoices: number;
  concurrency: number;
  seconds: number;
  invoicesPerSecond: number;
  /** Of the bench process (the activities and the sink) and PostgreSQL. */
  cpuMs: Pick<PerPart, 'bench' | 'postgres'>;
}

/** Bills every group of `period` through billOneBatch, `concurrency` batches at once. */
export async function runBaseline(
  stack: BenchStack,
  options: { period: string; groups: readonly ChargeGroup[]; concurrency: number },
): Promise<BaselineResult> {
  const { config, sql, sink } = stack;
  const runId = `run_${options.period}_baseline`;
  await insertBillingRun(sql, { id: runId, period: options.period, dryRun: false, customerIds: null, createdBy: 'bench', startedAt: nowIso() });
  // A pool of SMTP connections, as the worker keeps one.
  const mailer = createTransport({ url: config.smtpUrl, pool: true, maxConnections: SMTP_CONNECTIONS });
  const activities: Activities = createActivities({
    sql,
    startInvoice: (start) => sendAsTheWorkflowWould(activities, start),
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
  const batches = Array.from({ length: Math.ceil(options.groups.length / BATCH_SIZE) }, (_, i) => options.groups.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE));
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      const groups = batches[next++] as ChargeGroup[];
      await billOneBatch(activities, { runId, period: options.period, groups, createdBy: 'bench', settings });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, batches.length) }, lane));
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
