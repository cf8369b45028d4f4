import type { PlanRecord, SubscriptionRecord } from '../../db/subscriptions';
import { type SubscriptionState, subscriptionSnapshot } from '../../domain/subscription-state';
import type { StoredSubscription } from '../../services/subscriptions';

/** Plans and subscriptions as API.md shows them. */

export function planView(p: PlanRecord) {
  return {
    code: p.code,
    name: p.name,
    currency: p.currency,
    unitPriceMinor: p.unitPriceMinor,
    interval: p.interval,
    taxRateBps: p.taxRateBps,
    trialDays: p.trialDays,
    createdAt: p.createdAt,
  };
}

export interface SubscriptionView {
  id: string;
  customerId: string;
  planCode: string;
  status: SubscriptionRecord['status'];
  trialEnd: string | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAt: string | null;
  createdAt: string;
}

export function subscriptionView(r: SubscriptionRecord): SubscriptionView {
  return {
    id: r.id,
    customerId: r.customerId,
    planCode: r.planCode,
    status: r.status,
    trialEnd: r.trialEnd,
    currentPeriodStart: r.currentPeriodStart,
    currentPeriodEnd: r.currentPeriodEnd,
    cancelAt: r.cancelAt,
    createdAt: r.createdAt,
  };
}

/** The subscription as its workflow holds it (the answer to a command), in the same shape. */
export function stateView(s: SubscriptionState, createdAt: string): SubscriptionView {
  const snapshot = subscriptionSnapshot(s, createdAt);
  return {
    id: s.id,
    customerId: s.customerId,
    planCode: snapshot.planCode,
    status: snapshot.status,
    trialEnd: snapshot.trialEnd,
    currentPeriodStart: snapshot.currentPeriodStart,
    currentPeriodEnd: snapshot.currentPeriodEnd,
    cancelAt: snapshot.cancelAt,
    createdAt,
  };
}

export function storedSubscriptionView(s: StoredSubscription) {
  return { ...subscriptionView(s.record), invoiceIds: s.invoiceIds, history: s.history };
}
