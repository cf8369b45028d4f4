import { DomainError } from './errors';
import { type BillingPeriod, type Plan, periodOf, parsePlanInterval } from './subscription';

/** A subscription as its workflow holds it, and what its read model stores of it. */

export type SubscriptionStatus = 'trialing' | 'active' | 'cancelled';

export interface SubscriptionState {
  id: string;
  customerId: string;
  plan: Plan;
  status: SubscriptionStatus;
  startAt: string;
  /** When the trial ends and the first period begins; null without a trial. */
  trialEnd: string | null;
  /**
   * Periods are counted from here, so the anchor's day of the month comes back after a short month
   * (31 Jan, 29 Feb, 31 Mar). A change to a plan of another interval moves it to the end of the
   * current period.
   */
  anchor: string;
  /** The next period to bill, counted from the anchor. */
  nextIndex: number;
  /** The period billed last: the current one while active. */
  period: BillingPeriod | null;
  /** When it ends: the end of the current period once cancelled at period end. */
  cancelAt: string | null;
  /** Grows by one at every stored change: the read model ignores older writes. */
  version: number;
  createdBy: string;
}

const DAY_MS = 86_400_000;

/** A new subscription: in its trial until `trialDays` have passed, else about to bill its first period. */
export function newSubscription(args: { id: string; customerId: string; plan: Plan; startAt: string; trialDays: number; createdBy: string }): SubscriptionState {
  parsePlanInterval(args.plan.interval);
  if (!Number.isInteger(args.trialDays) || args.trialDays < 0 || args.trialDays > 3650) throw new DomainError('trialDays must be a whole number of days from 0 to 3650', 'trialDays');
  const trialEnd = args.trialDays > 0 ? new Date(Date.parse(args.startAt) + args.trialDays * DAY_MS).toISOString() : null;
  return {
    id: args.id,
    customerId: args.customerId,
    plan: args.plan,
    status: trialEnd ? 'trialing' : 'active',
    startAt: args.startAt,
    trialEnd,
    anchor: trialEnd ?? args.startAt,
    nextIndex: 0,
    period: null,
    cancelAt: null,
    version: 0,
    createdBy: args.createdBy,
  };
}

/** The period a reader sees as current: the trial while in it, the period billed last, or the first one about to be billed. */
export function currentPeriod(s: SubscriptionState): { start: string; end: string } | null {
  if (s.status === 'trialing' && s.trialEnd) return { start: s.startAt, end: s.trialEnd };
  return s.period ?? periodOf(s.anchor, parsePlanInterval(s.plan.interval), s.nextIndex);
}

/** The changeable part of a subscription at one version: what a change stores. */
export interface SubscriptionSnapshot {
  id: string;
  planCode: string;
  status: SubscriptionStatus;
  trialEnd: string | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAt: string | null;
  version: number;
  at: string;
}

export function subscriptionSnapshot(s: SubscriptionState, at: string): SubscriptionSnapshot {
  const period = s.status === 'cancelled' && !s.period ? null : currentPeriod(s);
  return {
    id: s.id,
    planCode: s.plan.code,
    status: s.status,
    trialEnd: s.trialEnd,
    currentPeriodStart: period?.start ?? null,
    currentPeriodEnd: period?.end ?? null,
    cancelAt: s.cancelAt,
    version: s.version,
    at,
  };
}
