import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Config } from '../config';
import type { Sql } from '../db/client';
import { findCustomer } from '../db/customers';
import type { PageCursor } from '../db/customers';
import {
  findPlan,
  findSubscription,
  insertPlan,
  insertSubscription,
  listPlans,
  listSubscriptions,
  type PlanRecord,
  subscriptionHistory,
  type SubscriptionHistoryEntry,
  subscriptionInvoiceIds,
  type SubscriptionRecord,
} from '../db/subscriptions';
import type { Person } from '../domain/actor';
import { DomainError } from '../domain/errors';
import { PLAN_CODE, parsePlanInterval } from '../domain/subscription';
import { newSubscription, type SubscriptionState, subscriptionSnapshot } from '../domain/subscription-state';
import { currencyExponent } from '../domain/money';
import { AppError, asValidationError, ErrorCode, notFound, validationError } from '../errors';
import { couldBeRowId } from '../ids';
import { subscriptionWorkflowId } from '../temporal/workflow-ids';
import type { InvoiceSettings } from '../../workflows/invoice/messages';
import {
  cancelSubscriptionUpdate,
  changePlanUpdate,
  type ChangePlanResult,
} from '../../workflows/subscription/messages';
import type { subscriptionWorkflow } from '../../workflows/subscription/workflow';
import { fromUpdateFailure } from './invoices';

export interface StoredSubscription {
  record: SubscriptionRecord;
  invoiceIds: string[];
  history: SubscriptionHistoryEntry[];
}

export interface SubscriptionService {
  /** Creates a plan; the same code again with the same terms answers the plan (201 then 200), with other terms 409. */
  createPlan(plan: PlanRecord): Promise<{ plan: PlanRecord; created: boolean }>;
  plan(code: string): Promise<PlanRecord | null>;
  plans(): Promise<PlanRecord[]>;
  create(request: { id: string; customerId: string; planCode: string; startAt: string | null; trialDays: number | null; createdBy: string; now: string }): Promise<SubscriptionState>;
  load(id: string): Promise<StoredSubscription | null>;
  list(filter: { customerId: string | null; limit: number; after: PageCursor | null }): Promise<SubscriptionRecord[]>;
  changePlan(id: string, by: Person, planCode: string): Promise<ChangePlanResult>;
  cancel(id: string, by: Person, at: 'period_end' | 'now'): Promise<SubscriptionState>;
}

const samePlan = (a: PlanRecord, b: PlanRecord) =>
  a.name === b.name && a.currency === b.currency && a.unitPriceMinor === b.unitPriceMinor && a.interval === b.interval && a.taxRateBps === b.taxRateBps && a.trialDays === b.trialDays;

export function createSubscriptionService(sql: Sql, client: Client, config: Pick<Config, 'temporal' | 'approval' | 'invoiceNumberPrefix'>): SubscriptionService {
  const settings: InvoiceSettings = { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix };
  const handleOf = (id: string) => client.workflow.getHandle<typeof subscriptionWorkflow>(subscriptionWorkflowId(id));

  /** Sends a command to the subscription's workflow; a closed one (cancelled and ended) is a 409. */
  async function command<R>(id: string, send: () => Promise<R>): Promise<R> {
    if (!couldBeRowId(id) || !(await findSubscription(sql, id))) throw notFound('subscription', id);
    try {
      return await send();
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw fromUpdateFailure(error);
      if (error instanceof WorkflowNotFoundError) throw new AppError({ code: ErrorCode.conflict, message: 'the subscription has ended: it takes no more commands', extra: { status: 'cancelled' } });
      throw error;
    }
  }

  return {
    async createPlan(plan) {
      try {
        parsePlanInterval(plan.interval);
        currencyExponent(plan.currency);
      } catch (error) {
        throw asValidationError(error);
      }
      if (await insertPlan(sql, plan)) return { plan, created: true };
      const existing = await findPlan(sql, plan.code);
      if (existing && samePlan(existing, plan)) return { plan: existing, created: false };
      throw new AppError({ code: ErrorCode.conflict, message: `plan ${plan.code} exists with other terms: plans do not change, create another code` });
    },

    // A path parameter is not parsed like a body: a code no plan can have (NUL, say) is not looked up.
    plan: async (code) => (PLAN_CODE.test(code) ? findPlan(sql, code) : null),
    plans: () => listPlans(sql),

    async create(request) {
      const customer = await findCustomer(sql, request.customerId);
      if (!customer) throw validationError('customerId', `customer ${request.customerId} does not exist`);
      const plan = await findPlan(sql, request.planCode);
      if (!plan) throw validationError('planCode', `plan ${request.planCode} does not exist`);
      let state: SubscriptionState;
      try {
        state = newSubscription({
          id: request.id,
          customerId: customer.id,
          plan,
          startAt: request.startAt ?? request.now,
          trialDays: request.trialDays ?? plan.trialDays,
          createdBy: request.createdBy,
        });
      } catch (error) {
        if (error instanceof DomainError) throw asValidationError(error);
        throw error;
      }
      // Stored first, then its workflow started: a retried request finds both and changes nothing.
      await insertSubscription(sql, { ...subscriptionSnapshot(state, request.now), customerId: customer.id, createdBy: request.createdBy });
      try {
        await client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
          workflowId: subscriptionWorkflowId(state.id),
          taskQueue: config.temporal.taskQueue,
          args: [{ subscription: state, settings }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      return state;
    },

    async load(id) {
      if (!couldBeRowId(id)) return null;
      const record = await findSubscription(sql, id);
      if (!record) return null;
      const [invoiceIds, history] = await Promise.all([subscriptionInvoiceIds(sql, id), subscriptionHistory(sql, id)]);
      return { record, invoiceIds, history };
    },

    list: (filter) => listSubscriptions(sql, filter),

    async changePlan(id, by, planCode) {
      const plan = await findPlan(sql, planCode);
      if (!plan) throw validationError('planCode', `plan ${planCode} does not exist`);
      return command(id, () => handleOf(id).executeUpdate(changePlanUpdate, { args: [{ principal: by.principal, role: by.role, plan }] }));
    },

    async cancel(id, by, at) {
      return command(id, () => handleOf(id).executeUpdate(cancelSubscriptionUpdate, { args: [{ principal: by.principal, role: by.role, at }] }));
    },
  };
}
