/** Runs billing runs on the time-skipping server over an in-memory store of charges, for test/workflows. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Activities } from '../../activities';
import type { RunInvoice } from '../../activities/billing-runs';
import { runInvoiceDraft } from '../../src/domain/billing-run';
import type { Charge } from '../../src/domain/charge';
import { DEFAULT_DUNNING_POLICY } from '../../src/domain/dunning';
import type { ChargeGroup } from '../../src/db/charges';
import type { BillingRunInput } from '../../workflows/billing-run/messages';
import { type InvoiceStart, startInvoiceWorkflow } from '../../src/temporal/start-invoice';
import { workflowBundle } from './billflow';
import { fakeActivities } from './fake-activities';

export type FakeCharge = Pick<Charge, 'id' | 'customerId' | 'currency' | 'description' | 'quantity' | 'unitPriceMinor' | 'taxRateBps' | 'amountMinor' | 'period'> & {
  status: 'pending' | 'billed';
  invoiceId: string | null;
};

/**
 * What PostgreSQL does for a run, in memory: pages of pending customer-currency groups, and billing
 * a group at most once (the invoice id derives from run, customer and currency, as in src/db/run-invoices.ts).
 */
export class ChargeStore {
  readonly invoices = new Map<string, RunInvoice>();
  readonly previews = new Map<string, number>();
  readonly progress: Parameters<Activities['recordBillingRunProgress']>[0][] = [];
  /** How a batch starts the workflows of the invoices it made: runWorker sets it (the real one, on the test server). */
  startInvoice: (start: InvoiceStart) => Promise<boolean> = () => Promise.resolve(true);

  constructor(readonly charges: FakeCharge[]) {}

  private pending(period: string) {
    return this.charges.filter((c) => c.status === 'pending' && c.period <= period);
  }

  private chargesOf(group: ChargeGroup, period: string) {
    return this.pending(period).filter((c) => c.customerId === group.customerId && c.currency === group.currency);
  }

  activities(): Partial<Activities> {
    return {
      planBillingRunPage: ({ period, customerIds, after, limit }) => {
        const keys = [...new Set(this.pending(period).filter((c) => !customerIds || customerIds.includes(c.customerId)).map((c) => `${c.customerId}\u0000${c.currency}`))].sort();
        const from = after ? `${after.customerId}\u0000${after.currency}` : '';
        return Promise.resolve(
          keys
            .filter((k) => k > from)
            .slice(0, limit)
            .map((k) => {
              const [customerId = '', currency = ''] = k.split('\u0000');
              return { customerId, currency };
            }),
        );
      },
      billCustomer: ({ runId, period, group, createdBy }) => Promise.resolve(this.bill(runId, period, group, createdBy)),
      billCustomers: async ({ runId, period, groups, createdBy, settings }) => {
        const made = groups.map((group) => this.bill(runId, period, group, createdBy));
        return Promise.all(
          made.map(async (m) => {
            if (!m) return { invoice: null };
            await this.startInvoice({ draft: m.draft, customer: m.customer, policy: m.policy, settings });
            return { invoice: { id: m.draft.id, totalMinor: m.draft.totalMinor } };
          }),
        );
      },
      previewCustomer: ({ runId, period, group }) => Promise.resolve(this.preview(runId, period, group)),
      recordBillingRunProgress: (args) => {
        this.progress.push(args);
        return Promise.resolve();
      },
    };
  }

  private bill(runId: string, period: string, group: ChargeGroup, createdBy: string): RunInvoice | null {
    const id = `inv_${runId}_${group.customerId}_${group.currency}`;
    const existing = this.invoices.get(id);
    if (existing) return existing;
    const charges = this.chargesOf(group, period);
    if (charges.length === 0) return null;
    const draft = runInvoiceDraft(charges as unknown as Charge[], {
      id,
      runId,
      customerId: group.customerId,
      currency: group.currency,
      terms: { paymentTermsDays: 30, dunningPolicyId: 'default' },
      createdBy,
      now: new Date().toISOString(),
    });
    for (const charge of charges) Object.assign(charge, { status: 'billed', invoiceId: id });
    const made: RunInvoice = {
      draft,
      issued: null,
      // Approval required: the invoices wait for a person and do not run dunning during the test.
      customer: { id: group.customerId, name: `Customer ${group.customerId}`, email: `${group.customerId}@example.test`, locale: 'en', approval: 'always' },
      policy: DEFAULT_DUNNING_POLICY,
    };
    this.invoices.set(id, made);
    return made;
  }

  private preview(runId: string, period: string, group: ChargeGroup): { totalMinor: number } | null {
    const charges = this.chargesOf(group, period);
    if (charges.length === 0) return null;
    const total = charges.reduce((sum, c) => sum + c.amountMinor + Math.round((c.amountMinor * c.taxRateBps) / 10_000), 0);
    this.previews.set(`${runId}/${group.customerId}/${group.currency}`, total);
    return { totalMinor: total };
  }
}

/** `count` customers with one or two charges each, in EUR or USD. */
export function sampleCharges(count: number, period = '2026-10'): FakeCharge[] {
  const charges: FakeCharge[] = [];
  for (let i = 0; i < count; i++) {
    const customerId = `cus_${String(i).padStart(5, '0')}`;
    const currency = i % 3 === 0 ? 'USD' : 'EUR';
    for (let j = 0; j <= i % 2; j++) {
      charges.push({
        id: `chg_${i}_${j}`,
        customerId,
        currency,
        description: `Service ${j + 1}`,
        quantity: '1',
        unitPriceMinor: 1000 + i,
        taxRateBps: 1000,
        amountMinor: 1000 + i,
        period,
        status: 'pending',
        invoiceId: null,
      });
    }
  }
  return charges;
}

export function runInput(overrides: Partial<BillingRunInput> = {}): BillingRunInput {
  return {
    runId: `run_${randomBytes(3).toString('hex')}`,
    period: '2026-10',
    customerIds: null,
    dryRun: false,
    createdBy: 'olivia',
    settings: { approvalEscalationAfter: 'P30D', numberPrefix: 'INV' },
    ...overrides,
  };
}

/** A worker on a fresh task queue whose activities are the fakes over `store`. */
export async function runWorker(
  env: TestWorkflowEnvironment,
  store: ChargeStore,
  taskQueue = `run-${randomBytes(4).toString('hex')}`,
  overrides: Partial<Activities> = {},
  options: Pick<WorkerOptions, 'maxCachedWorkflows'> = {},
) {
  store.startInvoice = (start) => startInvoiceWorkflow(env.client, taskQueue, start);
  const fakes = fakeActivities({ ...store.activities(), ...overrides });
  // A stopping worker lets its activities finish and report (the default cancels them at once, and
  // the server would wait out their 30 s timeout before retrying them on the next worker). A worker
  // the test will stop keeps no sticky cache (`maxCachedWorkflows: 0`): the time-skipping server
  // never hands a stopped worker's sticky tasks back to the normal queue.
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fakes.activities,
    shutdownGraceTime: '10s',
    ...options,
  });
  return { worker, fakes, taskQueue };
}
