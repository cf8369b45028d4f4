import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import Stripe from 'stripe';
import { type Billflow, startBillflow, TEST_KEYS, TEST_STRIPE_WEBHOOK_SECRET } from '../support/billflow';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { testEnv } from '../support/test-env';

/**
 * Stripe, end to end: the customer's pay page, Checkout through stripe-mock (never the live API),
 * and webhook events signed as Stripe signs them, against the real api, worker, Temporal and
 * PostgreSQL. stripe-mock answers every request with fixed fixtures, so the events are built here;
 * a recording proxy in front of it shows what billflow asked Stripe for.
 */

interface StripeCall {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  params: URLSearchParams;
}

/** Forwards to stripe-mock and remembers every request billflow made. */
async function startRecordingProxy(target: string): Promise<{ url: string; calls: StripeCall[]; stop: () => Promise<void> }> {
  const calls: StripeCall[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const key = req.headers['idempotency-key'];
      calls.push({ method: req.method ?? '', path: req.url ?? '', idempotencyKey: typeof key === 'string' ? key : undefined, params: new URLSearchParams(body.toString('utf8')) });
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => res.writeHead(502).end(String(error)));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let db: TestDatabase;
let app: Billflow;
/** The same database without Stripe configured: the page offers a bank transfer. */
let noStripe: Billflow;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
const stripe = new Stripe('sk_test_123');

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startRecordingProxy(testEnv('stripeMock'));
  app = await startBillflow({ sql: db.sql, databaseUrl: db.url, env: { STRIPE_API_BASE: proxy.url, PUBLIC_BASE_URL: 'https://pay.billflow.test' } });
  noStripe = await startBillflow({ sql: db.sql, databaseUrl: db.url, env: { STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' } });
});
afterAll(async () => {
  await noStripe?.stop();
  await app?.stop();
  await proxy?.stop();
  await db?.drop();
});

async function customer(): Promise<{ id: string; email: string }> {
  const email = `pay-${randomBytes(4).toString('hex')}@customer.test`;
  // A customer exempt from approval: its invoices are issued at once.
  const res = await app.http('POST', '/customers', { key: TEST_KEYS.admin, body: { name: 'Café <Zürich> & Co', email, currency: 'EUR', taxRateBps: 1900, approval: 'never' } });
  expect(res.status).toBe(201);
  return { id: res.body.id, email };
}

interface Issued {
  id: string;
  number: string;
  token: string;
  totalMinor: number;
  email: string;
}

/** An issued invoice of 2 × 50.00 + 19% tax = EUR 119.00, and its pay token. */
async function issuedInvoice(of?: { id: string; email: string }): Promise<Issued> {
  const c = of ?? (await customer());
  const created = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c.id, lines: [{ description: 'Espresso machine rental', quantity: '2', unitPrice: '50.00' }] } });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const open = await untilInvoice(id, (b) => b.status === 'open' && b.number !== null);
  const [row] = await db.sql<{ pay_token: string }[]>`select pay_token from invoices where id = ${id}`;
  return { id, number: open.number, token: row!.pay_token, totalMinor: open.totalMinor, email: c.email };
}

const invoiceNow = async (id: string) => (await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer })).body;

async function untilInvoice(id: string, predicate: (body: any) => boolean): Promise<any> {
  return eventually(async () => {
    const res = await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer });
    return res.status === 200 && predicate(res.body) ? res.body : undefined;
  });
}

async function page(target: Billflow, path: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${target.url}${path}`, { redirect: 'manual', ...init });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

let eventCount = 0;
const newEventId = () => `evt_test_${Date.now()}_${++eventCount}`;

/** A Stripe event as Stripe sends it, `created` now unless given. */
function event(type: string, object: object, options: { id?: string; created?: number } = {}) {
  return { id: options.id ?? newEventId(), object: 'event', api_version: '2026-01-28.clover', created: options.created ?? Math.floor(Date.now() / 1000), type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
}

/** Posts an event signed with the webhook secret (or as told), as Stripe would. */
async function deliver(e: object, options: { secret?: string; timestamp?: number; signature?: string } = {}) {
  const payload = JSON.stringify(e);
  const signature =
    options.signature ?? stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? TEST_STRIPE_WEBHOOK_SECRET, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
  return app.http('POST', '/webhooks/stripe', { key: null, rawBody: payload, headers: { 'stripe-signature': signature } });
}

const piId = () => `pi_test_${randomBytes(6).toString('hex')}`;
const metadataOf = (inv: Issued) => ({ invoiceId: inv.id, invoiceNumber: inv.number });

function paymentIntent(inv: Issued, id: string, overrides: object = {}) {
  return { id, object: 'payment_intent', amount: inv.totalMinor, amount_received: inv.totalMinor, currency: 'eur', status: 'succeeded', metadata: metadataOf(inv), last_payment_error: null, ...overrides };
}

function checkoutSession(inv: Issued, pi: string, paymentStatus: 'paid' | 'unpaid') {
  return { id: `cs_test_${randomBytes(6).toString('hex')}`, object: 'checkout.session', mode: 'payment', amount_total: inv.totalMinor, currency: 'eur', payment_intent: pi, payment_status: paymentStatus, metadata: metadataOf(inv), status: 'complete' };
}

function charge(inv: Issued, pi: string, refunds: { id: string; amount: number }[]) {
  const refunded = refunds.reduce((sum, r) => sum + r.amount, 0);
  return {
    id: `ch_test_${randomBytes(6).toString('hex')}`,
    object: 'charge',
    amount: inv.totalMinor,
    amount_captured: inv.totalMinor,
    amount_refunded: refunded,
    currency: 'eur',
    created: Math.floor(Date.now() / 1000) - 60,
    payment_intent: pi,
    metadata: metadataOf(inv),
    refunded: refunded === inv.totalMinor,
    refunds: { object: 'list', has_more: false, data: refunds.map((r) => ({ id: r.id, object: 'refund', amount: r.amount, currency: 'eur', status: 'succeeded', payment_intent: pi, reason: 'requested_by_customer' })) },
  };
}

function dispute(pi: string, id: string, status: string) {
  return { id, object: 'dispute', amount: 11900, currency: 'eur', charge: 'ch_disputed', payment_intent: pi, reason: 'fraudulent', status, metadata: {} };
}

async function stripeEventRows(id: string) {
  return db.sql<{ id: string; type: string; outcome: string }[]>`select id, type, outcome from stripe_events where invoice_id = ${id} order by received_at`;
}

describe('the pay page', () => {
  test('when a customer opens the link, then the page shows the invoice, its lines, what is due, the PDF and a Pay button, without an API key', async () => {
    const inv = await issuedInvoice();
    const res = await page(app, `/pay/${inv.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain(`Invoice ${inv.number}`);
    expect(res.text).toContain('Café &lt;Zürich&gt; &amp; Co');
    expect(res.text).not.toContain('<Zürich>');
    expect(res.text).toContain('Espresso machine rental');
    expect(res.text).toMatch(/id="amount-due">EUR 119\.00</);
    expect(res.text).toContain(`action="/pay/${inv.token}/checkout"`);
    expect(res.text).toContain(`href="/pay/${inv.token}/pdf"`);
    // No script, nothing from elsewhere; the inline style is allowed by its hash only.
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!checkout)/);
    expect(res.headers.get('content-security-policy')).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const pdf = await fetch(`${app.url}/pay/${inv.token}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  test('when the invoice email arrives, then it links to the pay page, not to the api', async () => {
    const inv = await issuedInvoice();
    const mail = await simpleParser((await app.mail.waitFor((m) => m.to.includes(inv.email), 20_000)).raw);
    const link = `https://pay.billflow.test/pay/${inv.token}`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).not.toContain('/invoices/');
    expect(mail.html).not.toContain('checkout.stripe.com');
    const body = await invoiceNow(inv.id);
    if ('paymentUrl' in body) expect(body.paymentUrl).toBe(link);
  });

  test('when the token is unknown or not a token, then it is a 404 page, for the page, the PDF and the checkout', async () => {
    const unknown = randomBytes(32).toString('hex');
    for (const path of [`/pay/${unknown}`, `/pay/${unknown}/pdf`, '/pay/not-a-token', `/pay/${unknown.toUpperCase()}`, '/pay/%00', `/pay/${unknown}/elsewhere`]) {
      const res = await page(app, path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).toContain('This payment link is not valid');
    }
    expect((await page(app, `/pay/${unknown}/checkout`, { method: 'POST' })).status).toBe(404);
  });

  test('when Stripe is not configured, then the page gives bank transfer instructions with the invoice number as the reference, and Pay is a 409', async () => {
    const inv = await issuedInvoice();
    const res = await page(noStripe, `/pay/${inv.token}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Pay by bank transfer');
    expect(res.text).toContain(`id="payment-reference">${inv.number}<`);
    expect(res.text).not.toContain('/checkout');
    expect((await page(noStripe, `/pay/${inv.token}/checkout`, { method: 'POST' })).status).toBe(409);
  });
});

describe('Checkout', () => {
  test('when the customer clicks Pay twice at once, then both go 303 to Stripe Checkout, asked once for the amount due with the invoice in the metadata', async () => {
    const inv = await issuedInvoice();
    const before = proxy.calls.length;
    const clicks = await Promise.all([1, 2].map(() => page(app, `/pay/${inv.token}/checkout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })));
    for (const click of clicks) {
      expect(click.status).toBe(303);
      expect(click.headers.get('location')).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    }
    const sessions = proxy.calls.slice(before).filter((c) => c.method === 'POST' && c.path === '/v1/checkout/sessions');
    expect(sessions).toHaveLength(2);
    // One idempotency key: Stripe makes one session of the two requests.
    expect(new Set(sessions.map((s) => s.idempotencyKey))).toEqual(new Set([`billflow-checkout:${inv.id}:11900`]));
    const params = sessions[0]!.params;
    expect(Object.fromEntries(params)).toMatchObject({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '11900',
      'metadata[invoiceId]': inv.id,
      'payment_intent_data[metadata][invoiceId]': inv.id,
      success_url: `https://pay.billflow.test/pay/${inv.token}?checkout=success`,
      cancel_url: `https://pay.billflow.test/pay/${inv.token}?checkout=cancelled`,
    });
  });

  test('when checkout.session.completed arrives paid, then the invoice is paid by card from the stripe system, and its page says so with no Pay button', async () => {
    const inv = await issuedInvoice();
    const pi = piId();
    const res = await deliver(event('checkout.session.completed', checkoutSession(inv, pi, 'paid')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, outcome: 'applied', invoiceId: inv.id });
    const paid = await untilInvoice(inv.id, (b) => b.status === 'paid');
    expect(paid.payments).toEqual([expect.objectContaining({ reference: pi, method: 'card', amountMinor: 11900, recordedBy: 'system:stripe' })]);
    expect(paid.amountDueMinor).toBe(0);
    const after = await page(app, `/pay/${inv.token}`);
    expect(after.text).toContain('This invoice is paid');
    expect(after.text).not.toContain('/checkout');
    expect((await page(app, `/pay/${inv.token}/checkout`, { method: 'POST' })).status).toBe(409);
  });

  test('when the session is still processing (unpaid), then nothing is paid until async_payment_succeeded', async () => {
    const inv = await issuedInvoice();
    const pi = piId();
    const session = checkoutSession(inv, pi, 'unpaid');
    const waiting = await deliver(event('checkout.session.completed', session));
    expect(waiting.body).toMatchObject({ outcome: 'ignored' });
    expect((await invoiceNow(inv.id)).status).toBe('open');
    expect((await invoiceNow(inv.id)).payments).toEqual([]);

    await deliver(event('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }));
    const paid = await untilInvoice(inv.id, (b) => b.status === 'paid');
    expect(paid.payments).toEqual([expect.objectContaining({ reference: pi, amountMinor: 11900 })]);
  });
});

describe('webhook events', () => {
  test('when a payment fails and the retry succeeds, then the failure is on the timeline, the invoice stays open, and the retry pays it', async () => {
    const inv = await issuedInvoice();
    const pi = piId();
    const failed = await deliver(
      event('payment_intent.payment_failed', paymentIntent(inv, pi, { status: 'requires_payment_method', amount_received: 0, last_payment_error: { type: 'card_error', code: 'card_declined', charge: 'ch_declined_1', message: 'Your card was declined.' } })),
    );
    expect(failed.status).toBe(200);
    const afterFailure = await untilInvoice(inv.id, (b) => b.timeline.some((t: any) => t.type === 'payment_failed'));
    expect(afterFailure.status).toBe('open');
    expect(afterFailure.timeline.find((t: any) => t.type === 'payment_failed')).toMatchObject({ actor: 'system:stripe', detail: expect.objectContaining({ reference: `${pi}:ch_declined_1`, message: 'Your card was declined.' }) });

    await deliver(event('payment_intent.succeeded', paymentIntent(inv, pi)));
    const paid = await untilInvoice(inv.id, (b) => b.status === 'paid');
    expect(paid.payments).toHaveLength(1);
    expect(paid.timeline.filter((t: any) => t.type === 'payment_failed')).toHaveLength(1);
  });

  test('when one event comes twice and another event of the same payment comes too, all at once, then the invoice is paid once', async () => {
    const inv = await issuedInvoice();
    const pi = piId();
    const succeeded = event('payment_intent.succeeded', paymentIntent(inv, pi));
    const completed = event('checkout.session.completed', checkoutSession(inv, pi, 'paid'));
    const answers = await Promise.all([deliver(succeeded), deliver(succeeded), deliver(completed), deliver(completed)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const paid = await untilInvoice(inv.id, (b) => b.status === 'paid');
    expect(paid.payments).toHaveLength(1);
    expect(paid.amountPaidMinor).toBe(11900);
    const [credit] = await db.sql<{ total: string | null }[]>`select sum(amount_minor) as total from customer_credits where invoice_id = ${inv.id}`;
    expect(credit?.total ?? null).toBeNull();
    // Each event id recorded once; a later repeat is answered from the record.
    expect((await stripeEventRows(inv.id)).map((r) => `${r.type}:${r.outcome}`).sort()).toEqual(['checkout.session.completed:applied', 'payment_intent.succeeded:applied']);
    expect((await deliver(succeeded)).body).toMatchObject({ outcome: 'applied', repeat: true });
  });

  test('when charge.refunded arrives before payment_intent.succeeded, then the payment is recorded from the charge and then the refund, and the late event pays nothing more', async () => {
    const inv = await issuedInvoice();
    const pi = piId();
    const refunded = await deliver(event('charge.refunded', charge(inv, pi, [{ id: 're_test_early', amount: 4000 }])));
    expect(refunded.status).toBe(200);
    expect(refunded.body.outcome).toBe('applied');
    const afterRefund = await untilInvoice(inv.id, (b) => b.refunds.length === 1);
    expect(afterRefund.payments).toEqual([expect.objectContaining({ reference: pi, amountMinor: 11900, method: 'card' })]);
    expect(afterRefund.refunds).toEqual([expect.objectContaining({ reference: 're_test_early', paymentReference: pi, amountMinor: 4000 })]);
    expect(afterRefund.amountDueMinor).toBe(4000);

    expect((await deliver(event('payment_intent.succeeded', paymentIntent(inv, pi)))).status).toBe(200);
    const final = await invoiceNow(inv.id);
    expect(final.payments).toHaveLength(1);
    expect(final.refunds).toHaveLength(1);
    expect(final.amountDueMinor).toBe(4000);
  });

  test('when the signature is wrong or older than five minutes, then it is a 400 and nothing is applied or recorded', async () => {
    const inv = await issuedInvoice();
    const e = event('payment_intent.succeeded', paymentIntent(inv, piId()));
    const wrongSecret = await deliver(e, { secret: 'whsec_someone_else' });
    const stale = await deliver(e, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    const garbage = await deliver(e, { signature: 't=1,v1=00' });
    const tampered = await app.http('POST', '/webhooks/stripe', {
      key: null,
      rawBody: JSON.stringify({ ...e, data: { object: paymentIntent(inv, piId(), { amount_received: 1 }) } }),
      headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(e), secret: TEST_STRIPE_WEBHOOK_SECRET }) },
    });
    const unsigned = await app.http('POST', '/webhooks/stripe', { key: null, rawBody: JSON.stringify(e) });
    for (const res of [wrongSecret, stale, garbage, tampered, unsigned]) {
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('Stripe-Signature');
    }
    await new Promise((r) => setTimeout(r, 500));
    const after = await invoiceNow(inv.id);
    expect(after.status).toBe('open');
    expect(after.payments).toEqual([]);
    expect(await db.sql`select 1 from stripe_events where id = ${e.id}`).toHaveLength(0);
  });

  test('when an event names no invoice or is of a type billflow does not handle, then it is recorded as ignored and answered 200', async () => {
    const stranger = await deliver(event('payment_intent.succeeded', { id: piId(), object: 'payment_intent', amount_received: 500, currency: 'eur', metadata: {} }));
    expect(stranger).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    const other = await deliver(event('customer.created', { id: 'cus_test_1', object: 'customer' }));
    expect(other).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    const [row] = await db.sql<{ outcome: string; detail: string }[]>`select outcome, detail from stripe_events where type = 'customer.created'`;
    expect(row).toMatchObject({ outcome: 'ignored', detail: expect.stringContaining('does not handle') });
  });

  test('when an event is for a void invoice, then it is ignored with 200 and the invoice stays void', async () => {
    const inv = await issuedInvoice();
    expect((await app.http('POST', `/invoices/${inv.id}/void`, { key: TEST_KEYS.admin, body: { reason: 'sent by mistake' } })).status).toBe(200);
    await untilInvoice(inv.id, (b) => b.status === 'void');
    const res = await deliver(event('payment_intent.succeeded', paymentIntent(inv, piId())));
    expect(res).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect((await invoiceNow(inv.id)).payments).toEqual([]);
  });
});

describe('refunds and disputes', () => {
  async function paidByCard(): Promise<{ inv: Issued; pi: string }> {
    const inv = await issuedInvoice();
    const pi = piId();
    expect((await deliver(event('payment_intent.succeeded', paymentIntent(inv, pi)))).status).toBe(200);
    await untilInvoice(inv.id, (b) => b.status === 'paid');
    return { inv, pi };
  }

  test('when an operator refunds a card payment, then billflow refunds it through Stripe with an idempotency key, and Stripe\'s own event of it records nothing twice', async () => {
    const { inv, pi } = await paidByCard();
    const before = proxy.calls.length;
    const res = await app.http('POST', `/invoices/${inv.id}/refunds`, { key: TEST_KEYS.operator, body: { amountMinor: 2500, reason: 'one machine returned early' } });
    expect([200, 201]).toContain(res.status);
    const refunded = await untilInvoice(inv.id, (b) => b.refunds.length === 1);
    const calls = proxy.calls.slice(before).filter((c) => c.method === 'POST' && c.path === '/v1/refunds');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(calls[0]!.params)).toMatchObject({ payment_intent: pi, amount: '2500', 'metadata[invoiceId]': inv.id });
    expect(calls[0]!.idempotencyKey).toEqual(expect.any(String));
    const refund = refunded.refunds[0];
    expect(refund).toMatchObject({ paymentReference: pi, amountMinor: 2500, reference: expect.stringMatching(/^re_/) });
    expect(refunded.amountDueMinor).toBe(2500);

    // Stripe then tells of the same refund: recorded already.
    const echo = await deliver(event('charge.refunded', charge(inv, pi, [{ id: refund.reference, amount: 2500 }])));
    expect(echo.status).toBe(200);
    const after = await invoiceNow(inv.id);
    expect(after.refunds).toHaveLength(1);
    expect(after.amountDueMinor).toBe(2500);
  });

  test('when a refund would need credit that another refund of the customer spent, then it is refused before Stripe is asked, and the credit never goes below zero', async () => {
    const refundsAsked = (from: number, pi: string) => proxy.calls.slice(from).filter((c) => c.method === 'POST' && c.path === '/v1/refunds' && c.params.get('payment_intent') === pi);
    const creditOf = async (customerId: string) => (await app.http('GET', `/customers/${customerId}`, { key: TEST_KEYS.viewer })).body.creditBalances.EUR ?? 0;
    const overpaidAndPaid = async () => {
      const c = await customer();
      const a = await issuedInvoice(c);
      const b = await issuedInvoice(c);
      const [piA, piB] = [piId(), piId()];
      // A is paid 20.00 too much by card: the customer's credit. B is paid exactly.
      expect((await deliver(event('payment_intent.succeeded', paymentIntent(a, piA, { amount: a.totalMinor + 2000, amount_received: a.totalMinor + 2000 })))).status).toBe(200);
      expect((await deliver(event('payment_intent.succeeded', paymentIntent(b, piB)))).status).toBe(200);
      await untilInvoice(a.id, (x) => x.status === 'paid');
      await untilInvoice(b.id, (x) => x.status === 'paid');
      expect(await creditOf(c.id)).toBe(2000);
      return { c, a, b, piA, piB };
    };
    const refund = (inv: Issued, amountMinor: number) => app.http('POST', `/invoices/${inv.id}/refunds`, { key: TEST_KEYS.operator, body: { amountMinor, reason: 'customer asked' } });

    // One after the other: B's refund of 20.00 spends the credit first, so A's whole payment (139.00)
    // can no longer be given back: 119.00 paid on A is all there is. Stripe is never asked for it.
    const one = await overpaidAndPaid();
    const before = proxy.calls.length;
    expect([200, 201]).toContain((await refund(one.b, 2000)).status);
    const refused = await refund(one.a, one.a.totalMinor + 2000);
    expect(refused.status).toBe(409);
    expect(refundsAsked(before, one.piA)).toHaveLength(0);
    expect(refundsAsked(before, one.piB)).toHaveLength(1);
    expect((await invoiceNow(one.a.id)).refunds).toEqual([]);
    expect(await creditOf(one.c.id)).toBe(0);

    // Both at once: whichever comes second finds the credit taken. Every refund Stripe made is
    // recorded, none is recorded that Stripe did not make, and the credit is never negative.
    const two = await overpaidAndPaid();
    const from = proxy.calls.length;
    const answers = await Promise.all([refund(two.a, two.a.totalMinor + 2000), refund(two.b, 2000)]);
    for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);
    const [a, b] = [await invoiceNow(two.a.id), await invoiceNow(two.b.id)];
    expect(refundsAsked(from, two.piA).length > 0).toBe(a.refunds.length === 1);
    expect(refundsAsked(from, two.piB).length > 0).toBe(b.refunds.length === 1);
    expect(a.refunds.length + b.refunds.length).toBeGreaterThanOrEqual(1);
    const credit = await creditOf(two.c.id);
    expect(credit).toBeGreaterThanOrEqual(0);
    // What left by card equals what billflow recorded: paid − refunded + credit = received.
    const refunded = [...a.refunds, ...b.refunds].reduce((sum: number, r: { amountMinor: number }) => sum + r.amountMinor, 0);
    expect(a.amountPaidMinor + b.amountPaidMinor + credit).toBe(two.a.totalMinor + 2000 + two.b.totalMinor - refunded);
  });

  test('when a dispute opens and is won, then the invoice is disputed and then paid again', async () => {
    const { inv, pi } = await paidByCard();
    const dp = `dp_test_${randomBytes(4).toString('hex')}`;
    expect((await deliver(event('charge.dispute.created', dispute(pi, dp, 'needs_response')))).body).toMatchObject({ outcome: 'applied', invoiceId: inv.id });
    await untilInvoice(inv.id, (b) => b.status === 'disputed');
    expect((await deliver(event('charge.dispute.closed', dispute(pi, dp, 'won')))).status).toBe(200);
    const won = await untilInvoice(inv.id, (b) => b.status === 'paid');
    expect(won.refunds).toEqual([]);
    expect(won.amountPaidMinor).toBe(11900);
  });

  test('when a dispute is lost, then the money it took back is recorded and the invoice is due again', async () => {
    const { inv, pi } = await paidByCard();
    const dp = `dp_test_${randomBytes(4).toString('hex')}`;
    await deliver(event('charge.dispute.created', dispute(pi, dp, 'needs_response')));
    await untilInvoice(inv.id, (b) => b.status === 'disputed');
    const closed = event('charge.dispute.closed', dispute(pi, dp, 'lost'));
    const answers = await Promise.all([deliver(closed), deliver(closed)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const lost = await untilInvoice(inv.id, (b) => b.status !== 'disputed' && b.refunds.length === 1);
    expect(lost.refunds[0]).toMatchObject({ amountMinor: 11900, paymentReference: pi });
    expect(lost.amountDueMinor).toBe(11900);
  });

  test('when a dispute closes before billflow saw it open, then the close is a 409 (Stripe delivers it again) until the opening arrives', async () => {
    const { inv, pi } = await paidByCard();
    const dp = `dp_test_${randomBytes(4).toString('hex')}`;
    const closed = event('charge.dispute.closed', dispute(pi, dp, 'won'));
    const early = await deliver(closed);
    expect(early.status).toBe(409);
    expect(await db.sql`select outcome from stripe_events where id = ${closed.id}`).toEqual([{ outcome: 'deferred' }]);

    expect((await deliver(event('charge.dispute.created', dispute(pi, dp, 'needs_response')))).status).toBe(200);
    await untilInvoice(inv.id, (b) => b.status === 'disputed');
    const redelivered = await deliver(closed);
    expect(redelivered).toMatchObject({ status: 200, body: { outcome: 'applied' } });
    await untilInvoice(inv.id, (b) => b.status === 'paid');
  });
});
