import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { type Permission, refusal } from '../../src/domain/actor';
import { DomainError } from '../../src/domain/errors';
import { type BillingPeriod, parsePlanInterval, periodLine, periodOf, planChange, unusedCredit } from '../../src/domain/subscription';
import { type SubscriptionState, subscriptionSnapshot } from '../../src/domain/subscription-state';
import type { ErrorCode } from '../../src/errors';
import { activityFailure } from '../activity-failure';
import { dbActivity } from '../activity-options';
import { Lock } from '../lock';
import {
  type CancelCommand,
  cancelSubscriptionUpdate,
  type ChangePlanCommand,
  changePlanUpdate,
  type ChangePlanResult,
  subscriptionStateQuery,
  type SubscriptionWorkflowInput,
} from './messages';

const db = proxyActivities<Activities>(dbActivity);

const OPERATORS: Permission = { roles: ['operator', 'admin'] };
const SYSTEM = 'system:subscription';
const nowIso = (): string => new Date().toISOString();
const msUntil = (iso: string): number => Math.max(0, Date.parse(iso) - Date.now());

function refuse(code: ErrorCode, message: string, path?: string): never {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true, details: path ? [{ path }] : [] });
}

/**
 * A subscription, billed in advance: one invoice at the start of each period (its id derives from
 * the subscription and the period, so never two), none during the trial. One period per run: bill
 * it, wait for its end (a durable timer), continue as new. Changes of plan and cancellations arrive
 * as Updates, are stored, then change the state. Workflow id: `subscription:<id>`.
 */
export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionState> {
  const run = new SubscriptionRun(input);
  return run.run();
}

class SubscriptionRun {
  private readonly state: SubscriptionState;
  private readonly lock = new Lock();

  constructor(private readonly input: SubscriptionWorkflowInput) {
    this.state = { ...input.subscription };
    setHandler(subscriptionStateQuery, () => this.state);
    setHandler(changePlanUpdate, (cmd) => this.changePlan(cmd), { validator: (cmd: ChangePlanCommand) => this.validateChange(cmd) });
    setHandler(cancelSubscriptionUpdate, (cmd) => this.cancel(cmd), { validator: (cmd: CancelCommand) => this.validateCancel(cmd) });
  }

  async run(): Promise<SubscriptionState> {
    const { state } = this;
    if (state.status === 'trialing' && state.trialEnd) await this.until(state.trialEnd);
    if (state.status !== 'cancelled') {
      const period = periodOf(state.anchor, parsePlanInterval(state.plan.interval), state.nextIndex);
      // A subscription that starts later waits for its start; the next period of a run starts at once.
      await this.until(period.start);
      if (this.cancelled) return this.finish();
      if (state.cancelAt !== null && state.cancelAt <= period.start) return this.end();
      await this.lock.run(() => this.billPeriod(period));
      await this.until(period.end);
      if (!this.cancelled) {
        if (this.state.cancelAt !== null && this.state.cancelAt <= nowIso()) return this.end();
        await condition(allHandlersFinished);
        // The next period in a new run: a subscription's history stays one period long.
        return continueAsNew<typeof subscriptionWorkflow>({ ...this.input, subscription: this.state });
      }
    }
    return this.finish();
  }

  /**
   * Waits until `at` (a durable timer) or a cancellation. A moment already past waits for nothing:
   * `condition` with a zero timeout would cost a marker and an upsert (the SDK's own patch).
   */
  private async until(at: string): Promise<void> {
    const ms = msUntil(at);
    if (ms > 0) await condition(() => this.cancelled, ms);
  }

  /** Read through a getter: the state changes while the run awaits, which TypeScript's narrowing cannot see. */
  private get cancelled(): boolean {
    return this.state.status === 'cancelled';
  }

  private async finish(): Promise<SubscriptionState> {
    await condition(allHandlersFinished);
    return this.state;
  }

  /** Bills `period` in advance and makes it the current one. */
  private async billPeriod(period: BillingPeriod): Promise<void> {
    const { state } = this;
    if (state.status === 'cancelled') return;
    const next: SubscriptionState = { ...state, status: 'active', period, nextIndex: period.index + 1, version: state.version + 1 };
    await this.store(() =>
      db.billSubscription({
        snapshot: subscriptionSnapshot(next, nowIso()),
        event: { type: 'period_billed', actor: SYSTEM, detail: { planCode: state.plan.code, periodStart: period.start, periodEnd: period.end } },
        invoice: { key: `period/${period.start}`, customerId: state.customerId, currency: state.plan.currency, lines: [periodLine(state.plan, period)], createdBy: SYSTEM },
        settings: this.input.settings,
      }),
    );
    Object.assign(this.state, next);
  }

  /** The period ended with a cancellation at its end (or the trial did): the subscription is over. */
  private async end(): Promise<SubscriptionState> {
    await this.lock.run(async () => {
      if (this.state.status === 'cancelled') return;
      const next: SubscriptionState = { ...this.state, status: 'cancelled', version: this.state.version + 1 };
      await this.store(() => db.changeSubscription({ snapshot: subscriptionSnapshot(next, nowIso()), event: { type: 'ended', actor: SYSTEM, detail: { at: next.cancelAt } } }));
      Object.assign(this.state, next);
    });
    return this.finish();
  }

  private assertCommand(cmd: ChangePlanCommand | CancelCommand, action: string): void {
    const why = refusal(cmd, action, OPERATORS);
    if (why) refuse('forbidden', why);
    if (this.state.status === 'cancelled') refuse('conflict', `the subscription is cancelled`);
  }

  private validateChange(cmd: ChangePlanCommand): void {
    this.assertCommand(cmd, 'change the plan of a subscription');
    if (cmd.plan.code === this.state.plan.code) refuse('conflict', `the subscription is already on plan ${cmd.plan.code}`, 'planCode');
    if (cmd.plan.currency !== this.state.plan.currency) refuse('validation_failed', `plan ${cmd.plan.code} bills in ${cmd.plan.currency}, the subscription in ${this.state.plan.currency}`, 'planCode');
  }

  /**
   * From now on the new plan. In the current period, billed in advance on the old one: a credit for
   * the seconds left on it and a charge for them on the new one, on one invoice when the difference
   * is owed, or as the customer's credit when it is not. A plan of another interval starts its own
   * periods when the current one ends.
   */
  private async changePlan(cmd: ChangePlanCommand): Promise<ChangePlanResult> {
    return this.lock.run(async () => {
      this.validateChange(cmd);
      const { state } = this;
      const to = cmd.plan;
      const next: SubscriptionState = { ...state, plan: to, version: state.version + 1 };
      const event = { type: 'plan_changed', actor: cmd.principal, detail: { from: state.plan.code, to: to.code } as Record<string, unknown> };
      const at = nowIso();
      if (state.status !== 'active' || !state.period) {
        await this.store(() => db.changeSubscription({ snapshot: subscriptionSnapshot(next, at), event }));
        Object.assign(this.state, next);
        return { subscription: this.state, invoiceId: null, creditMinor: 0 };
      }
      if (to.interval !== state.plan.interval) Object.assign(next, { anchor: state.period.end, nextIndex: 0 });
      let change;
      try {
        change = planChange({ from: state.plan, to, period: state.period, at });
      } catch (error) {
        if (error instanceof DomainError) refuse('validation_failed', error.message, error.path ?? 'planCode');
        throw error;
      }
      const detail = { ...event.detail, creditMinor: -change.credit.totalMinor, chargeMinor: change.charge.totalMinor };
      let invoiceId: string | null = null;
      let creditMinor = 0;
      if (change.netMinor > 0) {
        const billed = await this.store(() =>
          db.billSubscription({
            snapshot: subscriptionSnapshot(next, at),
            event: { ...event, detail },
            invoice: { key: `change/${next.version}`, customerId: state.customerId, currency: to.currency, lines: [change.credit, change.charge], createdBy: cmd.principal },
            settings: this.input.settings,
          }),
        );
        invoiceId = billed.invoiceId;
      } else {
        creditMinor = -change.netMinor;
        await this.store(() =>
          db.changeSubscription({ snapshot: subscriptionSnapshot(next, at), event: { ...event, detail }, credit: { customerId: state.customerId, currency: to.currency, amountMinor: creditMinor } }),
        );
      }
      Object.assign(this.state, next);
      return { subscription: this.state, invoiceId, creditMinor };
    });
  }

  private validateCancel(cmd: CancelCommand): void {
    this.assertCommand(cmd, 'cancel a subscription');
    if (cmd.at !== 'now' && cmd.at !== 'period_end') refuse('validation_failed', 'at must be "now" or "period_end"', 'at');
  }

  /** `now`: over at once, the unused part of the period back as credit. `period_end`: over when the current period (or the trial) ends. */
  private async cancel(cmd: CancelCommand): Promise<SubscriptionState> {
    return this.lock.run(async () => {
      this.validateCancel(cmd);
      const { state } = this;
      const at = nowIso();
      if (cmd.at === 'period_end') {
        const cancelAt = state.status === 'trialing' ? state.trialEnd : (state.period?.end ?? at);
        const next: SubscriptionState = { ...state, cancelAt, version: state.version + 1 };
        await this.store(() => db.changeSubscription({ snapshot: subscriptionSnapshot(next, at), event: { type: 'cancel_scheduled', actor: cmd.principal, detail: { at: cancelAt } } }));
        Object.assign(this.state, next);
        return this.state;
      }
      const creditMinor = state.status === 'active' && state.period ? -unusedCredit(state.plan, state.period, at).totalMinor : 0;
      const next: SubscriptionState = { ...state, status: 'cancelled', cancelAt: at, version: state.version + 1 };
      await this.store(() =>
        db.changeSubscription({
          snapshot: subscriptionSnapshot(next, at),
          event: { type: 'cancelled', actor: cmd.principal, detail: { creditMinor } },
          credit: { customerId: state.customerId, currency: state.plan.currency, amountMinor: creditMinor },
        }),
      );
      Object.assign(this.state, next);
      return this.state;
    });
  }

  /** A write refused for good answers the command with the refusal; the state stays as it was. */
  private async store<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const failure = activityFailure(error);
      if (!failure) throw error;
      const type = failure instanceof ApplicationFailure && failure.type === 'validation_failed' ? 'validation_failed' : 'internal';
      refuse(type, `the change was not stored: ${failure.message}`);
    }
  }
}
