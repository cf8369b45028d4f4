import fc from 'fast-check';
import type { InvoiceState } from '../../src/domain/invoice';
import { invoiceStateQuery } from '../../workflows/invoice/messages';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Money safety over real HTTP, against the Temporal dev server and PostgreSQL, with requests sent
 * in parallel: concurrent payments and approvals, text PostgreSQL cannot store, amounts too large
 * for a JSON number, and the four-eyes rule.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

type Approval = 'always' | 'never' | 'policy';

async function customer(approval: Approval = 'never', overrides: object = {}): Promise<string> {
  const res = await app.http('POST', '/customers', {
    key: approval === 'never' ? TEST_KEYS.admin : TEST_KEYS.operator,
    body: { name: 'Acme GmbH', email: 'ap@acme.test', currency: 'EUR', approval, ...overrides },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function invoice(customerId: string, body: object = {}): Promise<string> {
  const res = await app.http('POST', '/invoices', {
    key: TEST_KEYS.operator,
    body: { customerId, lines: [{ description: 'Consulting', quantity: 1, unitPrice: '100.00', taxRateBps: 0 }], ...body },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const get = (path: string) => app.http('GET', path, { key: TEST_KEYS.viewer });
const until = (id: string, predicate: (b: any) => boolean) =>
  eventually(async () => {
    const res = await get(`/invoices/${id}`);
    return res.status === 200 && predicate(res.body) ? res.body : undefined;
  });
const pay = (id: string, amountMinor: unknown, reference: string) =>
  app.http('POST', `/invoices/${id}/payments`, { key: TEST_KEYS.operator, body: { amountMinor, method: 'bank_transfer', reference } });
const workflowState = (id: string): Promise<InvoiceState> => app.temporal.client.workflow.getHandle(`invoice:${id}`).query(invoiceStateQuery);

async function creditOf(customerId: string): Promise<number> {
  return ((await get(`/customers/${customerId}`)).body.creditBalances.EUR as number | undefined) ?? 0;
}

async function storedPayments(id: string): Promise<{ amount: number; applied: number; credit: number }> {
  const [row] = await db.sql<{ amount: string; applied: string; credit: string }[]>`
    select coalesce(sum(amount_minor), 0) as amount, coalesce(sum(applied_minor), 0) as applied, coalesce(sum(credit_minor), 0) as credit
    from payments
    where invoice_id = ${id}`;
  return { amount: Number(row?.amount), applied: Number(row?.applied), credit: Number(row?.credit) };
}

describe('concurrent payments', () => {
  test('when five payments of 60.00 reach an invoice of 100.00 at once, then they are applied one at a time: 100.00 paid, 20.00 credit, the rest refused', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const c = await customer();
      const id = await invoice(c);
      await until(id, (b) => b.status === 'open');
      const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => pay(id, 6000, `X${n}`)));
      const accepted = answers.filter((a) => a.status === 201);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409, 409, 409]);
      for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error).toMatchObject({ code: 'conflict', status: 'paid' });

      const paid = await until(id, (b) => b.status === 'paid');
      expect(paid).toMatchObject({ totalMinor: 10000, amountPaidMinor: 10000, amountDueMinor: 0 });
      expect(await creditOf(c)).toBe(2000);
      expect(accepted.length * 6000).toBe(paid.amountPaidMinor + (await creditOf(c)));
      expect(await storedPayments(id)).toEqual({ amount: 12000, applied: 10000, credit: 2000 });
    }
  });

  test('when two payments of 2^53 - 1 arrive at once, then both are refused naming amountMinor and every read still answers', async () => {
    const c = await customer();
    const id = await invoice(c);
    await until(id, (b) => b.status === 'open');
    const answers = await Promise.all([pay(id, 9007199254740991, 'BIG-1'), pay(id, 9007199254740991, 'BIG-2')]);
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.body.error.details[0].path).toBe('amountMinor');
    }
    expect((await get(`/invoices/${id}`)).body.amountPaidMinor).toBe(0);
    expect((await get(`/customers/${c}`)).status).toBe(200);
    expect((await get(`/invoices?customerId=${c}`)).status).toBe(200);
  });
});

describe('text PostgreSQL cannot store', () => {
  test('when a payment reference holds a NUL byte, then 400 names the field, nothing is stored, and a normal payment afterwards is stored as the invoice shows it', async () => {
    const c = await customer();
    const id = await invoice(c);
    await until(id, (b) => b.status === 'open');
    const bad = await pay(id, 5000, 'r\u0000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('reference');
    const good = await pay(id, 5000, 'r1');
    expect(good.status).toBe(201);
    expect(good.body.invoice).toMatchObject({ status: 'open', amountPaidMinor: 5000 });
    await until(id, (b) => b.amountPaidMinor === 5000);
    expect(await storedPayments(id)).toEqual({ amount: 5000, applied: 5000, credit: 0 });
    expect((await workflowState(id)).amountPaidMinor).toBe(5000);
  });

  test('when an approval comment or a void reason holds a NUL byte, then 400 names the field and the invoice is as it was', async () => {
    const c = await customer('always');
    const id = await invoice(c);
    await until(id, (b) => b.status === 'pending_approval');
    const approve = await app.http('POST', `/invoices/${id}/approve`, { key: TEST_KEYS.approver, body: { comment: 'ok\u0000' } });
    expect(approve.status).toBe(400);
    expect(approve.body.error.details[0].path).toBe('comment');
    const voided = await app.http('POST', `/invoices/${id}/void`, { key: TEST_KEYS.operator, body: { reason: 'v\u0000' } });
    expect(voided.status).toBe(400);
    expect(voided.body.error.details[0].path).toBe('reason');
    expect((await workflowState(id)).status).toBe('pending_approval');
    expect((await get(`/invoices/${id}`)).body).toMatchObject({ status: 'pending_approval', approvals: [] });
    const approved = await app.http('POST', `/invoices/${id}/approve`, { key: TEST_KEYS.approver, body: { comment: 'checked' } });
    expect(approved.body).toMatchObject({ status: 'open', approvals: [{ principal: 'arthur', decision: 'approved' }] });
  });

  test('when a line description or memo holds a NUL byte or a lone surrogate, then 400 names the field and no invoice is made', async () => {
    const c = await customer();
    const before = await db.sql`select id from invoices where customer_id = ${c}`;
    const cases: [object, string][] = [
      [{ lines: [{ description: 'x\u0000', quantity: 1, unitPriceMinor: 100 }] }, 'lines.0.description'],
      [{ memo: 'm\u0000' }, 'memo'],
      [{ memo: 'half a pair \ud83d' }, 'memo'],
      [{ lines: [{ description: 'evil\u202Etxt.exe', quantity: 1, unitPriceMinor: 100 }] }, 'lines.0.description'],
    ];
    for (const [body, path] of cases) {
      const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 100 }], ...body } });
      expect([res.status, res.body.error.details[0].path]).toEqual([400, path]);
    }
    expect(await db.sql`select id from invoices where customer_id = ${c}`).toEqual(before);
  });

  test('when a customer name holds a lone surrogate, a right-to-left override or a line break, then it is refused naming the field', async () => {
    for (const name of ['Acme \ud800', 'Acme \u202Egnp.exe', 'Acme\r\nBcc: x@evil.test']) {
      const res = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { name, email: 'a@b.test', currency: 'EUR' } });
      expect([res.status, res.body.error.details[0].path]).toEqual([400, 'name']);
    }
  });
});

describe('amounts too large', () => {
  test.each([
    ['a quantity of 1e20', [{ description: 'x', quantity: 1e20, unitPriceMinor: 1 }], 'lines.0.quantity'],
    ['the largest safe price, twice', [{ description: 'x', quantity: '2', unitPriceMinor: 9007199254740991 }], 'lines.0.unitPriceMinor'],
    ['two lines of 4.6e15', [{ description: 'a', quantity: 1, unitPriceMinor: 4.6e15 }, { description: 'b', quantity: 1, unitPriceMinor: 4.6e15 }], 'lines.0.unitPriceMinor'],
    ['the largest safe price with 19 % tax', [{ description: 'x', quantity: 1, unitPriceMinor: 9007199254740991, taxRateBps: 1900 }], 'lines.0.unitPriceMinor'],
    ['a line of 2 × 6e14', [{ description: 'x', quantity: 2, unitPriceMinor: 6e14 }], 'lines.0.quantity'],
    ['a decimal price above 10^15', [{ description: 'x', quantity: 1, unitPrice: '10000000000000.01' }], 'lines.0.unitPrice'],
    ['two lines whose total exceeds 10^15', [{ description: 'a', quantity: 1, unitPriceMinor: 6e14 }, { description: 'b', quantity: 1, unitPriceMinor: 6e14 }], 'lines'],
  ])('when an invoice has %s, then 400 names the field', async (_what, lines, path) => {
    const c = await customer();
    const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, lines } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe(path);
  });

  test('when a check constraint meets an amount beyond 2^53, then the database refuses it', async () => {
    const c = await customer();
    const id = await invoice(c);
    await until(id, (b) => b.status === 'open');
    await expect(db.sql`update invoices set amount_paid_minor = 18014398509481982 where id = ${id}`).rejects.toMatchObject({ code: '23514' });
  });
});

describe('approval races and the four-eyes rule', () => {
  test('when twenty approvals from two approvers arrive at once, then exactly one is recorded and the rest get 409 with the status', async () => {
    const c = await customer('always');
    const id = await invoice(c);
    await until(id, (b) => b.status === 'pending_approval');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.http('POST', `/invoices/${id}/approve`, { key: i % 2 ? TEST_KEYS.approver : TEST_KEYS.admin, body: { comment: `a${i}` } })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.status).toBe(409);
      expect(refused.body.error.status).toEqual(expect.any(String));
    }
    const done = await until(id, (b) => b.status === 'open' && b.timeline.some((t: { type: string }) => t.type === 'issued'));
    expect(done.approvals).toHaveLength(1);
    expect(done.timeline.filter((t: { type: string }) => t.type === 'approved')).toHaveLength(1);
  });

  test('when ten approvals and ten rejections arrive at once, then one decision takes effect and is the only one on record', async () => {
    const c = await customer('always');
    const id = await invoice(c);
    await until(id, (b) => b.status === 'pending_approval');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.http('POST', `/invoices/${id}/${i % 2 ? 'approve' : 'reject'}`, { key: TEST_KEYS.approver, body: i % 2 ? {} : { reason: 'no' } }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    const winner = answers.find((a) => a.status === 200)?.body.status as string;
    const done = await until(id, (b) => b.status === winner && b.timeline.some((t: { type: string }) => t.type === (winner === 'open' ? 'issued' : 'rejected')));
    expect(done.approvals).toHaveLength(1);
    expect(done.approvals[0].decision).toBe(winner === 'open' ? 'approved' : 'rejected');
  });

  test('when an operator asks for "auto" approval on 1,000,000.00 EUR, then the invoice still waits for an approver', async () => {
    const c = await customer('policy');
    const id = await invoice(c, { approval: 'auto', lines: [{ description: 'Big', quantity: 1, unitPrice: '1000000.00', taxRateBps: 0 }] });
    const waiting = await until(id, (b) => b.status !== 'draft');
    expect(waiting.status).toBe('pending_approval');
    expect(waiting.number).toBeNull();
  });

  test('when an operator exempts a customer from approval, then 403 names the field; an admin may, and it is on the customer\'s timeline', async () => {
    const refused = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { name: 'Self-approved', email: 'a@b.test', currency: 'EUR', approval: 'never' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details[0].path).toBe('approval');
    const [row] = await db.sql`select count(*)::int as n from customers where name = 'Self-approved'`;
    expect(row?.n).toBe(0);
    const c = await customer('never');
    expect((await get(`/customers/${c}`)).body.timeline).toEqual([expect.objectContaining({ type: 'created_without_approval', actor: 'ada', detail: { approval: 'never' } })]);
  });
});

describe('smaller defects', () => {
  test('when the PDF of a draft is asked for, then 409 names the status', async () => {
    const c = await customer('always');
    const id = await invoice(c);
    await until(id, (b) => b.status === 'pending_approval');
    const res = await app.http('GET', `/invoices/${id}/pdf`, { key: TEST_KEYS.viewer });
    expect(res.status).toBe(409);
    expect(res.body.error.status).toBe('pending_approval');
  });

  test('when an invoice totals zero, then it is settled as it is issued and never chased', async () => {
    const c = await customer();
    const id = await invoice(c, { dueAt: new Date(Date.now() - 86_400_000).toISOString(), lines: [{ description: 'Free trial', quantity: 1, unitPriceMinor: 0 }] });
    // The email's delivery row is written before the workflow records 'sent' on the timeline: wait for both.
    const settled = await until(id, (b) => b.status === 'paid' && b.timeline.some((t: { type: string }) => t.type === 'sent'));
    expect(settled.timeline.map((t: { type: string }) => t.type)).toEqual(['created', 'auto_approved', 'issued', 'paid', 'sent']);
    expect(settled.dunningLevel).toBe(0);
  });

  test('when invoices are listed, then each shows the same delivery as the invoice itself', async () => {
    const c = await customer();
    const id = await invoice(c);
    const one = await until(id, (b) => b.delivery.status === 'sent');
    const list = await get(`/invoices?customerId=${c}`);
    expect(list.body.data[0].delivery).toEqual(one.delivery);
  });

  test('when a dunning step is ninety-nine billion days after the due date, then 400 names the offset', async () => {
    const res = await app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: { name: 'Never', steps: [{ offset: 'P99999999999D', template: 'friendly' }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('steps.0.offset');
  });
});

describe('random interleavings', () => {
  type Command = { kind: 'pay'; amountMinor: number; reference: string } | { kind: 'approve' | 'reject'; by: 'approver' | 'admin' } | { kind: 'void' };
  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.record({ kind: fc.constant('pay' as const), amountMinor: fc.integer({ min: 1, max: 8000 }), reference: fc.constantFrom('A', 'B', 'C', 'D', 'E') }),
    fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const), by: fc.constantFrom('approver' as const, 'admin' as const) }),
    fc.constant({ kind: 'void' as const }),
  );

  test('when payments, approvals and voids reach one invoice at once in any mix, then paid + credit = accepted payments, one decision at most, and the stored row equals the workflow', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(command, { minLength: 2, maxLength: 10 }), async (awaitingApproval, commands) => {
        const c = await customer(awaitingApproval ? 'always' : 'never');
        const id = await invoice(c);
        await until(id, (b) => b.status === (awaitingApproval ? 'pending_approval' : 'open'));
        const answers = await Promise.all(
          commands.map((cmd) => {
            if (cmd.kind === 'pay') return pay(id, cmd.amountMinor, cmd.reference);
            if (cmd.kind === 'void') return app.http('POST', `/invoices/${id}/void`, { key: TEST_KEYS.operator, body: { reason: 'mistake' } });
            return app.http('POST', `/invoices/${id}/${cmd.kind}`, { key: TEST_KEYS[cmd.by], body: cmd.kind === 'reject' ? { reason: 'no' } : {} });
          }),
        );
        for (const a of answers) expect([200, 201, 409]).toContain(a.status);

        const state = await workflowState(id);
        const accepted = new Map<string, number>();
        commands.forEach((cmd, i) => {
          if (cmd.kind === 'pay' && answers[i]?.status === 201) accepted.set(cmd.reference, cmd.amountMinor);
        });
        const decisions = commands.filter((cmd, i) => (cmd.kind === 'approve' || cmd.kind === 'reject') && answers[i]?.status === 200);
        expect(decisions.length).toBeLessThanOrEqual(1);
        expect(state.approvals.length).toBeLessThanOrEqual(1);

        const stored = await eventually(async () => {
          const [row] = await db.sql<{ status: string; amount_paid_minor: string; version: number }[]>`select status, amount_paid_minor, version from invoices where id = ${id}`;
          const now = await workflowState(id);
          return row && row.version === now.version ? { row, now } : undefined;
        });
        expect(stored.row.status).toBe(stored.now.status);
        expect(Number(stored.row.amount_paid_minor)).toBe(stored.now.amountPaidMinor);
        const received = [...accepted.values()].reduce((a, b) => a + b, 0);
        const credit = await creditOf(c);
        // A voided invoice hands what was paid on it back as credit.
        expect(stored.now.status === 'void' ? credit : stored.now.amountPaidMinor + credit).toBe(received);
        expect(stored.now.amountPaidMinor).toBeLessThanOrEqual(stored.now.draft.totalMinor);
        const approvals = await db.sql`select 1 from invoice_approvals where invoice_id = ${id}`;
        expect(approvals.length).toBe(stored.now.approvals.length);
      }),
      { numRuns: 10, seed: 20261124 },
    );
  });
});

describe('payments at the edges of time', () => {
  test('when a payment was received in the year 20, then it is stored and the invoice reads back; the year 0 is a 400 naming receivedAt', async () => {
    const c = await customer();
    const id = await invoice(c);
    await until(id, (b) => b.status === 'open');
    const year0 = await app.http('POST', `/invoices/${id}/payments`, { key: TEST_KEYS.operator, body: { amountMinor: 100, method: 'cash', reference: 'Y0', receivedAt: '0000-06-01T00:00:00Z' } });
    expect(year0.status).toBe(400);
    expect(year0.body.error.details).toEqual([expect.objectContaining({ path: 'receivedAt' })]);
    const year20 = await app.http('POST', `/invoices/${id}/payments`, { key: TEST_KEYS.operator, body: { amountMinor: 100, method: 'cash', reference: 'Y20', receivedAt: '0020-02-29T00:00:00Z' } });
    expect(year20.status).toBe(201);
    const read = await until(id, (b) => b.payments.length === 1);
    expect(read.payments[0]).toMatchObject({ reference: 'Y20', receivedAt: '0020-02-29T00:00:00.000Z' });
    expect((await get(`/customers/${c}/statement?from=0020-01-01`)).status).toBe(200);
  });
});
