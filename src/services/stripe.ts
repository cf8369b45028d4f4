import Stripe from 'stripe';
import type { Config } from '../config';
import type { Sql } from '../db/client';
import type { PayPageInvoice } from '../db/pay-pages';
import { findStripeEvent, hasPayment, invoiceOfCardPayment, recordStripeEvent, type StripeEventOutcome, wasApplied } from '../db/stripe-events';
import { type Actor, systemActor } from '../domain/actor';
import type { InvoiceStatus } from '../domain/invoice';
import { AppError, ErrorCode } from '../errors';
import type { Logger } from '../logger';

/**
 * billflow's side of Stripe: the client built from config, Checkout Sessions for the customer's pay
 * page, and webhook events turned into commands to the invoice's workflow (which stays the only
 * writer of the invoice). Stripe acts as the `stripe` system, never as an API key's role.
 */

/** The Stripe client of config.stripe, or null when no secret key is configured (then there is no card payment). */
export function createStripeClient(config: Pick<Config, 'stripe'>['stripe']): Stripe | null {
  if (!config.secretKey) return null;
  const base = config.apiBase ? new URL(config.apiBase) : null;
  return new Stripe(config.secretKey, {
    // STRIPE_API_BASE points tests and development at stripe-mock; unset, the client talks to Stripe.
    ...(base
      ? {
          host: base.hostname,
          port: base.port ? Number(base.port) : base.protocol === 'http:' ? 80 : 443,
          protocol: base.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'billflow' },
  });
}

const STRIPE_ACTOR = systemActor('stripe');

// ---------------------------------------------------------------------------------------------
// Checkout

/** Stripe's URL of a new (or, for a repeated click, the same) Checkout Session for what is due. */
export async function createCheckoutSession(stripe: Stripe, invoice: PayPageInvoice, payPageUrl: string): Promise<string> {
  const label = `Invoice ${invoice.number}`;
  const metadata = { invoiceId: invoice.id, invoiceNumber: invoice.number };
  const session = await stripe.checkout.sessions.create(
    {
      mode: 'payment',
      client_reference_id: invoice.id,
      line_items: [{ quantity: 1, price_data: { currency: invoice.currency.toLowerCase(), unit_amount: invoice.dueMinor, product_data: { name: label } } }],
      metadata,
      // The PaymentIntent (and the Charges it makes) carry the invoice too: their events, refunds
      // and disputes name it without a lookup.
      payment_intent_data: { metadata, description: label },
      success_url: `${payPageUrl}?checkout=success`,
      cancel_url: `${payPageUrl}?checkout=cancelled`,
    },
    // One session per invoice and amount due: a double click (or a reload of the POST) gets the
    // same session back within Stripe's 24 hours, and a changed amount due makes a new one.
    { idempotencyKey: checkoutIdempotencyKey(invoice) },
  );
  if (!session.url) throw new AppError({ code: ErrorCode.internal, message: `Stripe returned checkout session ${session.id} without a URL` });
  return session.url;
}

export function checkoutIdempotencyKey(invoice: Pick<PayPageInvoice, 'id' | 'dueMinor'>): string {
  return `billflow-checkout:${invoice.id}:${invoice.dueMinor}`;
}

// ---------------------------------------------------------------------------------------------
// Webhook events as plans

/** Which invoice an event is about: its metadata names it, or the card payment it refers to. */
export interface InvoiceRef {
  invoiceId: string | null;
  paymentIntentId: string | null;
}

export interface RefundSeen {
  id: string;
  amountMinor: number;
  reason: string;
}

/** What an event asks of billflow, read from the event alone (pure: unit-tested without Stripe). */
export type StripeEventPlan =
  | { kind: 'ignore'; reason: string; objectId: string | null }
  | { kind: 'payment'; invoiceId: string; paymentIntentId: string; amountMinor: number; currency: string; receivedAt: string; objectId: string }
  | { kind: 'paymentFailure'; invoiceId: string; reference: string; message: string; at: string; objectId: string }
  | {
      kind: 'refunds';
      ref: InvoiceRef & { paymentIntentId: string };
      /** What the charge proves came in, to record the payment first when its own event has not arrived. */
      charge: { id: string | null; amountCapturedMinor: number; currency: string; createdAt: string } | null;
      /** Null: the event does not list them (newer API versions); ask Stripe for the charge's refunds. */
      refunds: RefundSeen[] | null;
      objectId: string;
    }
  | { kind: 'dispute'; ref: InvoiceRef; disputeId: string; reason: string; objectId: string }
  | {
      kind: 'disputeClosed';
      ref: InvoiceRef;
      disputeId: string;
      outcome: 'won' | 'lost';
      reason: string;
      /** A lost dispute: the card network took the disputed amount back from the payment (recorded once, by the dispute's id). */
      chargeback: { reference: string; paymentReference: string; amountMinor: number } | null;
      objectId: string;
    };

const idOf = (value: string | { id: string } | null | undefined): string | null => (typeof value === 'string' ? value : (value?.id ?? null));
const isoOf = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
const invoiceIdIn = (metadata: Stripe.Metadata | null | undefined): string | null => {
  const id = metadata?.invoiceId;
  return typeof id === 'string' && id.length > 0 ? id : null;
};

/** Refunds still on their way or done count; a failed or canceled one gave nothing back. */
const GIVES_BACK = new Set(['succeeded', 'pending', 'requires_action']);

function refundSeen(refund: Stripe.Refund): RefundSeen | null {
  if (!refund.status || !GIVES_BACK.has(refund.status)) return null;
  return { id: refund.id, amountMinor: refund.amount, reason: refund.reason ? `refunded in Stripe (${refund.reason})` : 'refunded in Stripe' };
}

/** Stripe's dispute outcomes: an inquiry closed without a chargeback keeps the money, like a won dispute. */
function disputeOutcome(status: Stripe.Dispute.Status): 'won' | 'lost' | null {
  if (status === 'won' || status === 'warning_closed') return 'won';
  if (status === 'lost') return 'lost';
  return null;
}

/** The plan of one verified event. */
export function planFor(event: Stripe.Event): StripeEventPlan {
  const at = isoOf(event.created);
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      const invoiceId = invoiceIdIn(session.metadata);
      const paymentIntentId = idOf(session.payment_intent);
      if (!invoiceId) return { kind: 'ignore', reason: 'the session has no metadata.invoiceId', objectId: session.id };
      // 'unpaid' is a delayed method still processing: async_payment_succeeded says when the money is in.
      if (session.payment_status !== 'paid') return { kind: 'ignore', reason: `the session is ${session.payment_status}: not paid yet`, objectId: session.id };
      if (!paymentIntentId || !session.amount_total || !session.currency) return { kind: 'ignore', reason: 'the session has no payment intent or amount', objectId: session.id };
      return { kind: 'payment', invoiceId, paymentIntentId, amountMinor: session.amount_total, currency: session.currency, receivedAt: at, objectId: paymentIntentId };
    }
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object;
      const invoiceId = invoiceIdIn(session.metadata);
      const paymentIntentId = idOf(session.payment_intent);
      if (!invoiceId) return { kind: 'ignore', reason: 'the session has no metadata.invoiceId', objectId: session.id };
      return { kind: 'paymentFailure', invoiceId, reference: `${paymentIntentId ?? session.id}:${event.id}`, message: 'the delayed payment failed', at, objectId: paymentIntentId ?? session.id };
    }
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      const invoiceId = invoiceIdIn(intent.metadata);
      if (!invoiceId) return { kind: 'ignore', reason: 'the payment intent has no metadata.invoiceId', objectId: intent.id };
      if (intent.amount_received <= 0) return { kind: 'ignore', reason: 'the payment intent received nothing', objectId: intent.id };
      return { kind: 'payment', invoiceId, paymentIntentId: intent.id, amountMinor: intent.amount_received, currency: intent.currency, receivedAt: at, objectId: intent.id };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const invoiceId = invoiceIdIn(intent.metadata);
      if (!invoiceId) return { kind: 'ignore', reason: 'the payment intent has no metadata.invoiceId', objectId: intent.id };
      const error = intent.last_payment_error;
      // One timeline entry per failed attempt: each attempt has its charge (else its own event).
      const attempt = idOf(error?.charge) ?? event.id;
      return { kind: 'paymentFailure', invoiceId, reference: `${intent.id}:${attempt}`, message: error?.message ?? 'the card payment failed', at, objectId: intent.id };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      if (!paymentIntentId) return { kind: 'ignore', reason: 'the charge has no payment intent', objectId: charge.id };
      const listed = charge.refunds?.data;
      const complete = listed !== undefined && !charge.refunds?.has_more;
      return {
        kind: 'refunds',
        ref: { invoiceId: invoiceIdIn(charge.metadata), paymentIntentId },
        charge: { id: charge.id, amountCapturedMinor: charge.amount_captured, currency: charge.currency, createdAt: isoOf(charge.created) },
        refunds: complete ? listed.map(refundSeen).filter((r): r is RefundSeen => r !== null) : null,
        objectId: paymentIntentId,
      };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'charge.refund.updated': {
      const refund = event.data.object;
      const paymentIntentId = idOf(refund.payment_intent);
      if (!paymentIntentId) return { kind: 'ignore', reason: 'the refund has no payment intent', objectId: refund.id };
      const seen = refundSeen(refund);
      if (!seen) return { kind: 'ignore', reason: `the refund is ${refund.status ?? 'of unknown status'}`, objectId: refund.id };
      return { kind: 'refunds', ref: { invoiceId: invoiceIdIn(refund.metadata), paymentIntentId }, charge: null, refunds: [seen], objectId: paymentIntentId };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const ref = { invoiceId: invoiceIdIn(dispute.metadata), paymentIntentId: idOf(dispute.payment_intent) };
      return { kind: 'dispute', ref, disputeId: dispute.id, reason: `Stripe dispute ${dispute.id} (${dispute.reason})`, objectId: dispute.id };
    }
    case 'charge.dispute.closed': {
      const dispute = event.data.object;
      const outcome = disputeOutcome(dispute.status);
      if (!outcome) return { kind: 'ignore', reason: `the dispute closed as ${dispute.status}`, objectId: dispute.id };
      const ref = { invoiceId: invoiceIdIn(dispute.metadata), paymentIntentId: idOf(dispute.payment_intent) };
      const chargeback = outcome === 'lost' && ref.paymentIntentId ? { reference: dispute.id, paymentReference: ref.paymentIntentId, amountMinor: dispute.amount } : null;
      return { kind: 'disputeClosed', ref, disputeId: dispute.id, outcome, reason: `Stripe dispute ${dispute.id} ${dispute.status}`, chargeback, objectId: dispute.id };
    }
    default:
      return { kind: 'ignore', reason: `billflow does not handle ${event.type}`, objectId: null };
  }
}

// ---------------------------------------------------------------------------------------------
// Applying plans

/** The invoice commands the webhook sends (src/services/invoices.ts). */
export interface InvoiceCommands {
  load(id: string): Promise<{ invoice: { draft: { currency: string }; status: InvoiceStatus } } | null>;
  recordPayment(id: string, payment: Actor & { amountMinor: number; method: 'card'; reference: string; receivedAt: string }): Promise<{ duplicate: boolean }>;
  recordRefund(id: string, refund: Actor & { amountMinor: number; reason: string; paymentReference?: string; reference?: string }): Promise<{ duplicate: boolean }>;
  recordPaymentFailure(id: string, failure: Actor & { reference: string; message: string; at: string }): Promise<{ duplicate: boolean }>;
  dispute(id: string, cmd: Actor & { reason: string }): Promise<unknown>;
  resolveDispute(
    id: string,
    cmd: Actor & { reason: string; outcome?: 'won' | 'lost'; chargeback?: { reference: string; paymentReference: string; amountMinor: number } },
  ): Promise<unknown>;
}

export interface Applied {
  outcome: StripeEventOutcome;
  invoiceId: string | null;
  detail: string | null;
}

/** An invoice command's refusal that says nothing will change by redelivering (a void invoice, say). */
class Ignored extends Error {}
/** A refusal that may pass (the invoice is not issued yet, a dispute closed before it opened). */
class Deferred extends Error {}

/** Statuses from which an invoice may still come to take a payment event: it is not issued yet. */
const NOT_YET: readonly InvoiceStatus[] = ['draft', 'pending_approval'];

/** Sorts an invoice command's refusal: redelivery may help (deferred), cannot help (ignored), or it is ours to fix (thrown). */
function sortRefusal(error: unknown, what: string): never {
  if (error instanceof AppError) {
    if (error.code === ErrorCode.notFound) throw new Ignored(`${what}: ${error.message}`);
    if (error.code === ErrorCode.conflict) {
      const status = error.extra.status as InvoiceStatus | undefined;
      if (status && NOT_YET.includes(status)) throw new Deferred(`${what}: ${error.message}`);
      throw new Ignored(`${what}: ${error.message}`);
    }
    // The event's amounts do not fit the invoice (a refund beyond what was paid): no delivery changes that.
    if (error.code === ErrorCode.validationFailed) throw new Ignored(`${what}: ${error.message}`);
  }
  throw error;
}

export interface StripeWebhookDeps {
  sql: Sql;
  invoices: InvoiceCommands;
  /** Lists a charge's refunds and reads a PaymentIntent's metadata when an event leaves them out. */
  stripe: Stripe | null;
  logger: Logger;
}

/** Applies one verified event once: a settled event id is not applied again (the invoice commands are idempotent besides). */
export async function handleStripeEvent(deps: StripeWebhookDeps, event: Stripe.Event): Promise<Applied & { repeat: boolean }> {
  const known = await findStripeEvent(deps.sql, event.id);
  if (known && known.outcome !== 'deferred') return { outcome: known.outcome, invoiceId: known.invoiceId, detail: known.detail, repeat: true };
  const plan = planFor(event);
  const applied = await applyPlan(deps, plan);
  await recordStripeEvent(deps.sql, { id: event.id, type: event.type, objectId: plan.objectId, ...applied, at: new Date().toISOString() });
  deps.logger.info({ stripeEvent: event.id, type: event.type, invoiceId: applied.invoiceId, outcome: applied.outcome, detail: applied.detail }, 'stripe event');
  return { ...applied, repeat: false };
}

async function applyPlan(deps: StripeWebhookDeps, plan: StripeEventPlan): Promise<Applied> {
  if (plan.kind === 'ignore') return { outcome: 'ignored', invoiceId: null, detail: plan.reason };
  let invoiceId: string | null = null;
  try {
    invoiceId = 'invoiceId' in plan ? plan.invoiceId : await resolveInvoice(deps, plan.ref);
    if (!invoiceId) return { outcome: 'ignored', invoiceId: null, detail: `no billflow invoice for payment intent ${'ref' in plan ? (plan.ref.paymentIntentId ?? '(none)') : '(none)'}` };
    await applyTo(deps, invoiceId, plan);
    return { outcome: 'applied', invoiceId, detail: null };
  } catch (error) {
    if (error instanceof Ignored) return { outcome: 'ignored', invoiceId, detail: error.message };
    if (error instanceof Deferred) return { outcome: 'deferred', invoiceId, detail: error.message };
    throw error;
  }
}

/** The invoice of an event that names a payment, not an invoice: its metadata, the payment billflow recorded, or the PaymentIntent's metadata at Stripe. */
async function resolveInvoice(deps: StripeWebhookDeps, ref: InvoiceRef): Promise<string | null> {
  if (ref.invoiceId) return ref.invoiceId;
  if (!ref.paymentIntentId) return null;
  const recorded = await invoiceOfCardPayment(deps.sql, ref.paymentIntentId);
  if (recorded || !deps.stripe) return recorded;
  const intent = await deps.stripe.paymentIntents.retrieve(ref.paymentIntentId).catch((error: unknown) => {
    if (error instanceof Stripe.errors.StripeInvalidRequestError) return null;
    throw error;
  });
  return invoiceIdIn(intent?.metadata);
}

async function applyTo(deps: StripeWebhookDeps, invoiceId: string, plan: Exclude<StripeEventPlan, { kind: 'ignore' }>): Promise<void> {
  const { invoices } = deps;
  const loaded = await invoices.load(invoiceId);
  if (!loaded) throw new Ignored(`invoice ${invoiceId} does not exist`);
  const currency = loaded.invoice.draft.currency;
  const sameCurrency = (stripeCurrency: string) => {
    if (stripeCurrency.toUpperCase() !== currency) throw new Ignored(`Stripe's currency ${stripeCurrency.toUpperCase()} is not the invoice's ${currency}`);
  };

  switch (plan.kind) {
    case 'payment':
      sameCurrency(plan.currency);
      await invoices
        .recordPayment(invoiceId, { ...STRIPE_ACTOR, method: 'card', reference: plan.paymentIntentId, amountMinor: plan.amountMinor, receivedAt: plan.receivedAt })
        .catch((error: unknown) => sortRefusal(error, 'payment'));
      return;

    case 'paymentFailure':
      await invoices
        .recordPaymentFailure(invoiceId, { ...STRIPE_ACTOR, reference: plan.reference, message: plan.message, at: plan.at })
        .catch((error: unknown) => sortRefusal(error, 'failed payment'));
      return;

    case 'refunds': {
      const paymentReference = plan.ref.paymentIntentId;
      if (!(await hasPayment(deps.sql, invoiceId, paymentReference))) {
        // The refund came before the payment's own event: the charge proves the money came in.
        if (!plan.charge) throw new Deferred(`the payment ${paymentReference} is not recorded yet`);
        sameCurrency(plan.charge.currency);
        await invoices
          .recordPayment(invoiceId, {
            ...STRIPE_ACTOR,
            method: 'card',
            reference: paymentReference,
            amountMinor: plan.charge.amountCapturedMinor,
            receivedAt: plan.charge.createdAt,
          })
          .catch((error: unknown) => sortRefusal(error, 'payment before its refund'));
      }
      const refunds = plan.refunds ?? (await listRefunds(deps, plan.charge?.id ?? null));
      for (const refund of refunds) {
        await invoices
          .recordRefund(invoiceId, { ...STRIPE_ACTOR, amountMinor: refund.amountMinor, reason: refund.reason, paymentReference, reference: refund.id })
          .catch((error: unknown) => sortRefusal(error, `refund ${refund.id}`));
      }
      return;
    }

    case 'dispute':
      await invoices.dispute(invoiceId, { ...STRIPE_ACTOR, reason: plan.reason }).catch((error: unknown) => {
        // Disputed already: this dispute's opening arrived before (or in parallel).
        if (error instanceof AppError && error.code === ErrorCode.conflict && error.extra.status === 'disputed') return;
        sortRefusal(error, 'dispute');
      });
      return;

    case 'disputeClosed': {
      const resolution = { ...STRIPE_ACTOR, reason: plan.reason, outcome: plan.outcome, ...(plan.chargeback ? { chargeback: plan.chargeback } : {}) };
      await invoices.resolveDispute(invoiceId, resolution).catch(async (error: unknown) => {
        if (error instanceof AppError && error.code === ErrorCode.conflict && error.extra.status !== 'disputed') {
          // Not disputed: resolved already if its opening was applied, else the opening is still to come.
          if (await wasApplied(deps.sql, 'charge.dispute.created', plan.disputeId)) return;
          if (!isClosedForGood(error)) throw new Deferred(`dispute ${plan.disputeId} closed before billflow saw it open`);
        }
        sortRefusal(error, 'dispute closed');
      });
      return;
    }
  }
}

/** A command to an invoice whose workflow has finished (the settlement window is over): nothing will take it. */
function isClosedForGood(error: AppError): boolean {
  return /takes no more commands/.test(error.message) || (['void', 'rejected', 'uncollectible'] as unknown[]).includes(error.extra.status);
}

async function listRefunds(deps: StripeWebhookDeps, chargeId: string | null): Promise<RefundSeen[]> {
  if (!chargeId) return [];
  if (!deps.stripe) throw new Ignored('the event does not list its refunds and Stripe is not configured to ask for them');
  const seen: RefundSeen[] = [];
  for await (const refund of deps.stripe.refunds.list({ charge: chargeId, limit: 100 })) {
    const r = refundSeen(refund);
    if (r) seen.push(r);
  }
  return seen;
}
