import {
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { type Actor, type Permission, refusal } from '../../src/domain/actor';
import type { InvoiceEventType } from '../../src/domain/audit';
import type { CustomerSnapshot } from '../../src/domain/customer';
import type { DunningPolicy } from '../../src/domain/dunning';
import { DomainError } from '../../src/domain/errors';
import { allowedStatuses, type InvoiceCommand, type InvoiceSnapshot, type InvoiceState, isAllowed, snapshotOf } from '../../src/domain/invoice';
import { textProblem, type TextKind } from '../../src/domain/text';
import type { ErrorCode } from '../../src/errors';
import {
  AmountDueMinorKey,
  CustomerIdKey,
  DueAtKey,
  DunningLevelKey,
  InvoiceNumberKey,
  invoiceSearchAttributes,
  InvoiceStatusKey,
} from '../../src/temporal/search-attributes';
import { activityFailure } from '../activity-failure';
import { dbActivity, emailActivity, emailLocalActivity, stripeActivity } from '../activity-options';
import { Lock } from '../lock';
import type { InvoiceSettings } from './messages';

export const db = proxyActivities<Activities>(dbActivity);
export const mail = proxyActivities<Activities>(emailActivity);
export const stripe = proxyActivities<Activities>(stripeActivity);
/** Only for an invoice approved by policy: nobody waits for an answer while it is sent (see workflow.ts). */
export const localMail = proxyLocalActivities<Activities>(emailLocalActivity);

export const APPROVERS: Permission = { roles: ['approver', 'admin'] };
export const OPERATORS: Permission = { roles: ['operator', 'admin'] };
/** Payments come from operators by hand, and from Stripe and bank statements by themselves. */
export const PAYERS: Permission = { roles: ['operator', 'admin'], systems: ['stripe', 'bank'] };
/** Disputes are opened and closed by operators, and by Stripe for a card payment's chargeback. */
export const DISPUTERS: Permission = { roles: ['operator', 'admin'], systems: ['stripe'] };

export const nowIso = (): string => new Date().toISOString();

/** An entry for the invoice's timeline (the append-only audit trail). */
export interface InvoiceEvent {
  type: InvoiceEventType;
  actor: string;
  detail?: Record<string, unknown>;
}

/** Refuses a command: the api maps the type to its HTTP status (400, 403, 409, 500). */
export function refuse(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type: code, message, nonRetryable: true, details: details ? [details] : [] });
}

/** Refuses text the database cannot store or the invoice should not print (see src/domain/text). */
export function assertText(value: string | null | undefined, path: string, kind: TextKind = 'multi-line'): void {
  const problem = value ? textProblem(value, kind) : null;
  if (problem) refuse('validation_failed', `${path} ${problem}`, { path });
}

/** A domain refusal (an amount too large, a bad line) as a command refusal naming the field. */
export function refuseDomainError(error: unknown, path: string): never {
  if (error instanceof DomainError) refuse('validation_failed', error.message, { path: error.path ? `${path}.${error.path}`.replace(/^\./, '') : path });
  throw error;
}

const KNOWN_FAILURE_TYPES: readonly string[] = ['validation_failed', 'conflict', 'not_found'];

/**
 * One invoice's state and the one way to change it. Every change takes the lock, checks the state
 * as it is now, stores the change (activities, idempotent), and only then changes the state: the
 * workflow never runs ahead of PostgreSQL, and concurrent commands are applied one at a time.
 */
export class InvoiceContext {
  readonly lock = new Lock();
  /** Search attributes as last published; null without a revision, where every change upserts them all. */
  private readonly published: Map<string, unknown> | null;

  constructor(
    readonly state: InvoiceState,
    readonly customer: CustomerSnapshot,
    readonly policy: DunningPolicy,
    readonly settings: InvoiceSettings,
    /** The revision it was started with (messages.ts); 0 before revisions: those replay as they were written. */
    readonly revision: number,
  ) {
    this.published = this.revised ? searchAttributesAtStart() : null;
  }

  /** Started with a revision: no patch markers, only changed search attributes upserted. */
  get revised(): boolean {
    return this.revision >= 2;
  }

  get invoiceId(): string {
    return this.state.draft.id;
  }

  /** The actor may give the command and the invoice's current status allows it; else 403 or 409 naming the status. */
  assertCommand(command: InvoiceCommand, actor: Actor, permission: Permission): void {
    const why = refusal(actor, `${command} an invoice`, permission);
    if (why) refuse('forbidden', why);
    // While a change is being stored the status is about to move on, and the read model may already
    // show the new one (an Update can reach the workflow in the same task as the activity that
    // stored it, and validators run first). The handler checks the status again holding the lock,
    // against the state as it is then, and refuses with the same 409.
    if (!this.lock.busy) this.assertAllowed(command);
  }

  assertAllowed(command: InvoiceCommand): void {
    const status = this.state.status;
    if (!isAllowed(command, status)) {
      refuse('conflict', `cannot ${command} an invoice that is ${status} (allowed when ${allowedStatuses(command).join(', ')})`, { status });
    }
  }

  /**
   * Runs a write. A permanent failure (the activity refused the data, or gave up) is answered to
   * the caller as a refusal and the state stays as it was; transient failures are retried by
   * Temporal inside the activity.
   */
  async store<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const failure = activityFailure(error);
      if (!failure) throw error;
      const type = failure instanceof ApplicationFailure && failure.type && KNOWN_FAILURE_TYPES.includes(failure.type) ? (failure.type as ErrorCode) : 'internal';
      refuse(type, `the change was not stored: ${failure.message}`);
    }
  }

  /**
   * Stores `change` as the invoice's next version with its timeline event, then applies it. Call
   * it holding the lock. `write` stores more in the same transaction (a payment, a credit note)
   * and may return fields only the database knows (the credit note's number).
   */
  async commit(
    change: Partial<InvoiceState>,
    event: InvoiceEvent,
    write: (snapshot: InvoiceSnapshot, event: Required<InvoiceEvent>) => Promise<Partial<InvoiceState> | void> = (snapshot, e) =>
      db.recordInvoiceChange({ snapshot, event: e }),
  ): Promise<void> {
    const next: InvoiceState = { ...this.state, ...change, version: this.state.version + 1 };
    const stored = await this.store(() => write(snapshotOf(next, nowIso()), { detail: {}, ...event }));
    this.apply({ ...next, ...(stored ?? {}) });
  }

  /** Makes `next` the state (the query answers it at once) and shows it in the Web UI. */
  apply(next: Partial<InvoiceState>): void {
    Object.assign(this.state, next);
    this.publish();
  }

  /**
   * Keeps the Web UI's view of the invoice current. Each upsert is a history event, so only the
   * attributes that changed are sent (a payment that leaves the status alone changes one).
   */
  publish(): void {
    const pairs = invoiceSearchAttributes(this.state);
    if (!this.published) return upsertSearchAttributes(pairs);
    const changed = pairs.filter(({ key, value }) => !sameValue(this.published?.get(key.name), value));
    if (changed.length === 0) return;
    for (const { key, value } of changed) this.published.set(key.name, value);
    upsertSearchAttributes(changed);
  }

  isVoid(): boolean {
    return this.state.status === 'void';
  }
}

const INVOICE_KEYS = [InvoiceStatusKey, CustomerIdKey, AmountDueMinorKey, DunningLevelKey, InvoiceNumberKey, DueAtKey];

/** What the workflow started with (src/temporal/search-attributes.ts draftSearchAttributes), or carried over by continue-as-new. */
function searchAttributesAtStart(): Map<string, unknown> {
  const given = workflowInfo().typedSearchAttributes;
  return new Map(INVOICE_KEYS.map((key) => [key.name, given.get(key)] as const).filter(([, value]) => value !== undefined));
}

function sameValue(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
}
