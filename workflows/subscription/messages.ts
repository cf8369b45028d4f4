import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Person } from '../../src/domain/actor';
import type { Plan } from '../../src/domain/subscription';
import type { SubscriptionState } from '../../src/domain/subscription-state';
import type { InvoiceSettings } from '../invoice/messages';

/** The subscription workflow's input, its commands (Updates) and its state query. Workflow id: `subscription:<id>`. */

export interface SubscriptionWorkflowInput {
  /** As the api created it, or as the last period's run carried it over (continue-as-new). */
  subscription: SubscriptionState;
  /** The settings its invoices are started with, as the api starts them. */
  settings: InvoiceSettings;
}

/** The new plan, as the api found it by its code. */
export interface ChangePlanCommand extends Person {
  plan: Plan;
}

export interface ChangePlanResult {
  subscription: SubscriptionState;
  /** The invoice of the difference for the rest of the period; null when the change gave a credit (or came in the trial). */
  invoiceId: string | null;
  /** What went to the customer's credit balance, tax included. */
  creditMinor: number;
}

export interface CancelCommand extends Person {
  at: 'period_end' | 'now';
}

export const subscriptionStateQuery = defineQuery<SubscriptionState>('subscriptionState');
export const changePlanUpdate = defineUpdate<ChangePlanResult, [ChangePlanCommand]>('changePlan');
export const cancelSubscriptionUpdate = defineUpdate<SubscriptionState, [CancelCommand]>('cancelSubscription');
