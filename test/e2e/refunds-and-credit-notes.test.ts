import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Refunds and credit notes over real HTTP, against the Temporal dev server and PostgreSQL, with
 * requests sent in parallel: nothing is refunded or credited twice, the amount due and the
 * customer's credit always add up, and bad input stores nothing.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

async function customer(): Promise<string> {
  const res = await app.http('POST', '/customers', { key: TEST_KEYS.admin, body: { name: 'Refund Ltd', email: 'ap@refund.test', currency: 'EUR', approval: 'never' } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** An open invoice of 100.00 EUR (no tax). */
async function openInvoice(customerId: string): Promise<string> {
  const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId, lines: [{ description: 'Seats', quantity: 1, unitPrice: '100.00', taxRateBps: 0 }] } });
  expect(res.status).toBe(201);
  await until(res.body.id, (b) => b.status === 'open');
  return res.body.id as string;
}

const get = (path: string) => app.http('GET', path, { key: TEST_KEYS.viewer });
const until = (id: string, predicate: (b: any) => boolean) =>
  eventually(async () => {
    const res = await get(`/invoices/${id}`);
    return res.status === 200 && predicate(res.body) ? res.body : undefined;
  });
const pay = (id: string, amountMinor: number, reference: string) =>
  app.http('POST', `/invoices/${id}/payments`, { key: TEST_KEYS.operator, body: { amountMinor, method: 'bank_transfer', reference } });
const refund = (id: string, body: object, headers: Record<string, string> = {}) => app.http('POST', `/invoices/${id}/refunds`, { key: TEST_KEYS.operator, body, headers });
const creditNote = (id: string, body: object, headers: Record<string, string> = {}) =>
  app.http('POST', `/invoices/${id}/credit-notes`, { key: TEST_KEYS.operator, body, headers });
const creditOf = async (customerId: string): Promise<number> => ((await get(`/customers/${customerId}`)).body.creditBalances.EUR as number | undefined) ?? 0;

async function stored(id: string) {
  const [row] = await db.sql<{ refunded: string; credited: string; notes: string; paid: string }[]>`
    select (select coalesce(sum(amount_minor), 0) from refunds where invoice_id = ${id}) as refunded,
           (select coalesce(sum(amount_minor), 0) from credit_notes where invoice_id = ${id}) as credited,
           (select count(*) from credit_notes where invoice_id = ${id}) as notes,
           (select amount_paid_minor from invoices where id = ${id}) as paid`;
  return { refunded: Number(row?.refunded), credited: Number(row?.credited), notes: Number(row?.notes), paid: Number(row?.paid) };
}

describe('refunds', () => {
  test('when the same refund is sent five times at once with one Idempotency-Key, then one refund is made and all five answers agree', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    expect((await pay(id, 10000, 'TX-1')).status).toBe(201);
    await until(id, (b) => b.status === 'paid');
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => refund(id, { amountMinor: 2500, reason: 'one seat returned' }, { 'Idempotency-Key': 'refund-once' })));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.refund.reference)).size).toBe(1);
    const after = await until(id, (b) => b.refunds.length === 1);
    // No customer credit to spend: the refund makes the paid invoice due again.
    expect(after).toMatchObject({ status: 'open', amountPaidMinor: 7500, amountDueMinor: 2500, refunds: [{ amountMinor: 2500, fromCreditMinor: 0, paymentReference: 'TX-1', method: 'bank_transfer' }] });
    expect(after.timeline.map((e: { type: string }) => e.type)).toContain('refunded');
    expect(await stored(id)).toMatchObject({ refunded: 2500, paid: 7500 });
  });

  test('when five different refunds of 30.00 race for a payment of 100.00, then three are made and the rest are refused naming amountMinor', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    await pay(id, 10000, 'TX-1');
    await until(id, (b) => b.status === 'paid');
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => refund(id, { amountMinor: 3000, reason: `refund ${n}`, paymentReference: 'TX-1' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 400, 400]);
    for (const refused of answers.filter((a) => a.status === 400)) expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'amountMinor' })]);
    const after = await until(id, (b) => b.refunds.length === 3);
    expect(after).toMatchObject({ amountPaidMinor: 1000, amountDueMinor: 9000, status: 'open' });
    expect(await stored(id)).toMatchObject({ refunded: 9000, paid: 1000 });
  });

  test('when an over-payment is refunded, then it comes out of the customer credit and the invoice stays paid', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    await pay(id, 12000, 'TX-1');
    await until(id, (b) => b.status === 'paid');
    expect(await creditOf(c)).toBe(2000);
    const res = await refund(id, { amountMinor: 2000, reason: 'paid twice' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ duplicate: false, refund: { fromCreditMinor: 2000 }, invoice: { status: 'paid', amountPaidMinor: 10000, amountDueMinor: 0 } });
    expect(await creditOf(c)).toBe(0);
  });

  test('when a refund names an unknown payment, asks for too much, has no reason or a NUL byte, then it is a 400 naming the field and nothing is stored', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    await pay(id, 5000, 'TX-1');
    await until(id, (b) => b.payments.length === 1);
    const cases: [object, string][] = [
      [{ amountMinor: 100, reason: 'x', paymentReference: 'nope' }, 'paymentReference'],
      [{ amountMinor: 5001, reason: 'x' }, 'amountMinor'],
      [{ amountMinor: 100 }, 'reason'],
      [{ amountMinor: 100, reason: 'bad\u0000byte' }, 'reason'],
      [{ amountMinor: 0, reason: 'x' }, 'amountMinor'],
    ];
    for (const [body, field] of cases) {
      const res = await refund(id, body);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: field })]);
    }
    expect(await stored(id)).toMatchObject({ refunded: 0, paid: 5000 });
    expect((await refund('inv_does_not_exist', { amountMinor: 1, reason: 'x' })).status).toBe(404);
  });
});

describe('credit notes', () => {
  test('when five credit notes of 30.00 race for an invoice of 100.00, then three are numbered without gaps and the rest are refused', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => creditNote(id, { amountMinor: 3000, reason: `goodwill ${n}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 400, 400]);
    const numbers = answers.filter((a) => a.status === 201).map((a) => a.body.number as string);
    const seq = numbers.map((n) => Number(n.split('-').pop())).sort((a, b) => a - b);
    expect(seq[2]! - seq[0]!).toBe(2);
    expect(answers.find((a) => a.status === 201)?.headers.get('location')).toMatch(/^\/credit-notes\/CN-\d{4}-\d{6}$/);
    const after = await until(id, (b) => b.creditNotes.length === 3);
    expect(after).toMatchObject({ status: 'open', amountCreditedMinor: 9000, amountDueMinor: 1000 });
    expect(await stored(id)).toMatchObject({ credited: 9000, notes: 3 });
  });

  test('when a credit note covers more than is due, then the invoice is paid and the rest is the customer credit; the same key issues one', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    await pay(id, 6000, 'TX-1');
    await until(id, (b) => b.payments.length === 1);
    const send = () => creditNote(id, { lines: [{ description: 'Seats returned', quantity: 1, unitPrice: '50.00', taxRateBps: 0 }], reason: 'returned' }, { 'Idempotency-Key': 'cn-once' });
    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.number)).size).toBe(1);
    expect(answers[0]?.body).toMatchObject({ amountMinor: 5000, appliedMinor: 4000, creditMinor: 1000, invoiceId: id, currency: 'EUR', invoice: { status: 'paid', amountDueMinor: 0 } });
    expect(await creditOf(c)).toBe(1000);
    expect(await stored(id)).toMatchObject({ credited: 5000, notes: 1 });
  });

  test('when credit notes are sent three at once on a paid invoice, then together they credit at most the invoice, and voiding it later credits back only what they left', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    await pay(id, 10000, 'TX-PAID');
    await until(id, (b) => b.status === 'paid');
    // Each would credit the whole invoice; on a paid invoice all of it goes to the customer's credit.
    const answers = await Promise.all([1, 2, 3].map((n) => creditNote(id, { amountMinor: 10000, reason: `goodwill ${n}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400, 400]);
    expect(answers.find((a) => a.status === 400)?.body.error.details).toEqual([{ path: 'amountMinor', message: expect.stringMatching(/0 minor units of the invoice are left to credit/) }]);
    expect(await creditOf(c)).toBe(10000);
    // Nothing is left to credit: voiding it (a paid invoice in dispute may be voided) issues no second
    // note and adds no credit: the 100.00 paid is back with the customer once.
    const dispute = (invoiceId: string) => app.http('POST', `/invoices/${invoiceId}/dispute`, { key: TEST_KEYS.operator, body: { reason: 'customer disputes' } });
    expect((await dispute(id)).status).toBe(200);
    const voided = await app.http('POST', `/invoices/${id}/void`, { key: TEST_KEYS.operator, body: { reason: 'cancelled' } });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'void', creditNoteNumber: null });
    expect(await creditOf(c)).toBe(10000);
    expect(await stored(id)).toMatchObject({ credited: 10000, notes: 1 });

    // A paid invoice credited in part and then voided: the void's note takes the rest, all as credit.
    const other = await openInvoice(c);
    await pay(other, 10000, 'TX-PAID-2');
    await until(other, (b) => b.status === 'paid');
    expect((await creditNote(other, { amountMinor: 3000, reason: 'late' })).status).toBe(201);
    expect((await dispute(other)).status).toBe(200);
    const second = await app.http('POST', `/invoices/${other}/void`, { key: TEST_KEYS.operator, body: { reason: 'cancelled' } });
    expect((await get(`/credit-notes/${second.body.creditNoteNumber}`)).body).toMatchObject({ amountMinor: 7000, appliedMinor: 0, creditMinor: 7000 });
    expect(await creditOf(c)).toBe(20000);
    expect(await stored(other)).toMatchObject({ credited: 10000, notes: 2 });
  });

  test('when a credit note gives both amount and lines, neither, too much, or a NUL byte, then it is a 400 naming the field and nothing is stored', async () => {
    const c = await customer();
    const id = await openInvoice(c);
    const cases: [object, string][] = [
      [{ amountMinor: 100, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 100 }], reason: 'x' }, 'amountMinor'],
      [{ reason: 'x' }, 'amountMinor'],
      [{ amountMinor: 10001, reason: 'x' }, 'amountMinor'],
      [{ amountMinor: 100, reason: 'nul\u0000' }, 'reason'],
      [{ lines: [{ description: 'x', quantity: 1, unitPrice: 'abc' }], reason: 'x' }, 'lines.0.unitPrice'],
    ];
    for (const [body, field] of cases) {
      const res = await creditNote(id, body);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: field })]);
    }
    expect(await stored(id)).toMatchObject({ credited: 0, notes: 0 });
  });

  test('when an invoice is a draft, a viewer asks, or it is void, then no credit note is issued', async () => {
    const c = await customer();
    const draft = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, approval: 'required', lines: [{ description: 'x', quantity: 1, unitPriceMinor: 1000 }] } });
    await until(draft.body.id, (b) => b.status === 'pending_approval');
    expect((await creditNote(draft.body.id, { amountMinor: 100, reason: 'x' })).body.error).toMatchObject({ code: 'conflict', status: 'pending_approval' });
    const id = await openInvoice(c);
    expect((await app.http('POST', `/invoices/${id}/credit-notes`, { key: TEST_KEYS.viewer, body: { amountMinor: 100, reason: 'x' } })).status).toBe(403);
    expect((await app.http('POST', `/invoices/${id}/void`, { key: TEST_KEYS.operator, body: { reason: 'wrong' } })).status).toBe(200);
    expect((await creditNote(id, { amountMinor: 100, reason: 'x' })).status).toBe(409);
  });
});

test('when an invoice is issued, then it shows the customer page as paymentUrl; a draft has none', async () => {
  const c = await customer();
  const id = await openInvoice(c);
  const issued = await get(`/invoices/${id}`);
  expect(issued.body.paymentUrl).toMatch(/\/pay\/[0-9a-f]{64}$/);
  const draft = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, approval: 'required', lines: [{ description: 'x', quantity: 1, unitPriceMinor: 1000 }] } });
  const pending = await until(draft.body.id, (b) => b.status === 'pending_approval');
  expect(pending.paymentUrl).toBeNull();
});
