import { simpleParser, type ParsedMail } from 'mailparser';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import type { TestDatabase } from '../support/database';

/**
 * An invoice's life over real HTTP, against the Temporal dev server, PostgreSQL and a real SMTP
 * server on loopback: what approvers, operators and customers see, including the emails that
 * arrive and a dunning policy running on real (second-scale) timers.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});


async function customer(overrides: { approval?: string; dunningPolicyId?: string } = {}): Promise<{ id: string; email: string }> {
  const email = `ap-${Math.random().toString(36).slice(2, 8)}@customer.test`;
  const res = await app.http('POST', '/customers', {
    // Exempting a customer from approval is an admin's act.
    key: overrides.approval === 'never' ? TEST_KEYS.admin : TEST_KEYS.operator,
    body: { name: 'Acme GmbH', email, currency: 'EUR', taxRateBps: 1900, ...overrides },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id, email };
}

async function invoice(body: object): Promise<string> {
  const res = await app.http('POST', '/invoices', { key: TEST_KEYS.operator, body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const invoiceNow = (id: string) => app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer });

async function untilStatus(id: string, predicate: (body: any) => boolean): Promise<any> {
  return eventually(async () => {
    const res = await invoiceNow(id);
    return res.status === 200 && predicate(res.body) ? res.body : undefined;
  });
}

async function mailTo(address: string, subject: RegExp): Promise<ParsedMail> {
  const received = await app.mail.waitFor((m) => m.to.includes(address) && subject.test(m.raw.toString('utf8')), 20_000);
  return simpleParser(received.raw);
}

const pdfAttachments = (mail: ParsedMail) => mail.attachments.filter((a) => a.contentType === 'application/pdf');

describe('approval, issue and delivery', () => {
  test('when an approver approves, then the invoice gets its number and the customer receives the email with the PDF', async () => {
    const c = await customer({ approval: 'always' });
    const id = await invoice({ customerId: c.id, lines: [{ description: 'Consulting', quantity: '10', unitPrice: '120.00' }] });
    await untilStatus(id, (b) => b.status === 'pending_approval');

    const request = await mailTo('approvers@billflow.localhost', /awaits your approval/);
    expect(request.text).toContain('Acme GmbH');

    const byOperator = await app.http('POST', `/invoices/${id}/approve`, { key: TEST_KEYS.operator, body: {} });
    expect(byOperator.status).toBe(403);
    const approved = await app.http('POST', `/invoices/${id}/approve`, { key: TEST_KEYS.approver, body: { comment: 'checked' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'open', number: expect.stringMatching(/^INV-\d{4}-\d{6}$/), totalMinor: 142800 });
    const number = approved.body.number as string;

    const mail = await mailTo(c.email, new RegExp(number));
    expect(mail.subject).toContain(number);
    expect(mail.messageId).toBe(`<${id}.invoice@billflow>`);
    expect(mail.html).toContain('Consulting');
    const [pdf] = pdfAttachments(mail);
    expect(pdf?.content.subarray(0, 5).toString()).toBe('%PDF-');

    const stored = await untilStatus(id, (b) => b.delivery.status === 'sent' && b.timeline.length === 5);
    expect(stored.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'approved', reason: 'checked' })]);
    expect(stored.timeline.map((t: { type: string; actor: string }) => `${t.type} by ${t.actor}`)).toEqual([
      'created by olivia',
      'submitted by olivia',
      'approved by arthur',
      'issued by arthur',
      'sent by system',
    ]);

    const download = await fetch(`${app.url}/invoices/${id}/pdf`, { headers: { authorization: `Bearer ${TEST_KEYS.viewer}` } });
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  test('when invoices are issued at the same time, then their numbers are consecutive, unique and without gaps', async () => {
    const c = await customer({ approval: 'never' });
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => invoice({ customerId: c.id, lines: [{ description: `Item ${i}`, quantity: 1, unitPriceMinor: 1000 }] })));
    const numbers = await Promise.all(ids.map(async (id) => (await untilStatus(id, (b) => b.number !== null)).number as string));
    const all = (await db.sql<{ number: string }[]>`select number from invoices where number is not null order by number`).map((r) => r.number);
    const seq = all.map((n) => Number(n.slice(-6)));
    expect(seq).toEqual(seq.map((_, i) => i + 1));
    expect(all).toEqual(expect.arrayContaining(numbers));
  });

  test('when an approver rejects or the creator approves, then the answer says why and the invoice is not issued', async () => {
    const c = await customer({ approval: 'always' });
    const id = await invoice({ customerId: c.id, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 1000 }] });
    await untilStatus(id, (b) => b.status === 'pending_approval');
    const noReason = await app.http('POST', `/invoices/${id}/reject`, { key: TEST_KEYS.approver, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([{ path: 'reason', message: 'is required' }]);
    const rejected = await app.http('POST', `/invoices/${id}/reject`, { key: TEST_KEYS.approver, body: { reason: 'wrong rate' } });
    expect(rejected.body.status).toBe('rejected');
    const late = await app.http('POST', `/invoices/${id}/approve`, { key: TEST_KEYS.approver, body: {} });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'conflict', status: 'rejected' });
    expect((await untilStatus(id, (b) => b.status === 'rejected')).number).toBeNull();
  });

  test('when the worker crashes while an invoice awaits approval, then a new worker carries on and nothing is lost or doubled', async () => {
    const c = await customer({ approval: 'always' });
    const id = await invoice({ customerId: c.id, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 5000 }] });
    await untilStatus(id, (b) => b.status === 'pending_approval');
    await app.restartWorker();
    const approved = await app.http('POST', `/invoices/${id}/approve`, { key: TEST_KEYS.approver, body: {} });
    expect(approved.body.status).toBe('open');
    await mailTo(c.email, new RegExp(approved.body.number as string));
    const stored = await untilStatus(id, (b) => b.timeline.some((t: { type: string }) => t.type === 'sent'));
    expect(stored.timeline.filter((t: { type: string }) => t.type === 'issued')).toHaveLength(1);
    expect(app.mail.messages.filter((m) => m.to.includes(c.email))).toHaveLength(1);
  });
});

describe('payments', () => {
  test('when a partial, a repeated and a final payment arrive, then they add up once, the invoice is paid and further payments are refused', async () => {
    const c = await customer({ approval: 'never' });
    const id = await invoice({ customerId: c.id, lines: [{ description: 'x', quantity: 1, unitPrice: '100.00', taxRateBps: 0 }] });
    await untilStatus(id, (b) => b.status === 'open');
    const pay = (amountMinor: unknown, reference: string) =>
      app.http('POST', `/invoices/${id}/payments`, { key: TEST_KEYS.operator, body: { amountMinor, method: 'bank_transfer', reference } });

    const bad = await pay(12.5, 'TX-0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('amountMinor');
    expect((await pay(4000, 'TX-1')).status).toBe(201);
    const repeat = await pay(4000, 'TX-1');
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ duplicate: true, invoice: { amountPaidMinor: 4000, amountDueMinor: 6000 } });
    const rest = await pay(7000, 'TX-2');
    // What is paid on the invoice never exceeds it: the 10.00 beyond it is the customer's credit.
    expect(rest.body.invoice).toMatchObject({ status: 'paid', amountPaidMinor: 10000, amountDueMinor: 0 });
    expect(rest.body.invoice.payments[1]).toMatchObject({ reference: 'TX-2', amountMinor: 7000, appliedMinor: 6000, creditMinor: 1000 });
    const retried = await pay(7000, 'TX-2');
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ duplicate: true, invoice: { status: 'paid', amountPaidMinor: 10000 } });
    const after = await pay(100, 'TX-3');
    expect(after.status).toBe(409);
    expect(after.body.error.status).toBe('paid');

    await untilStatus(id, (b) => b.status === 'paid');
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from payments where invoice_id = ${id}`;
    expect(row?.n).toBe(2);
    const cust = await app.http('GET', `/customers/${c.id}`, { key: TEST_KEYS.viewer });
    expect(cust.body.creditBalances).toEqual({ EUR: 1000 });
  });

  test('when an issued invoice is voided, then a credit note is issued and commands that no longer apply are refused', async () => {
    const c = await customer({ approval: 'never' });
    const id = await invoice({ customerId: c.id, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 1000 }] });
    await untilStatus(id, (b) => b.status === 'open');
    const voided = await app.http('POST', `/invoices/${id}/void`, { key: TEST_KEYS.operator, body: { reason: 'duplicate' } });
    expect(voided.body).toMatchObject({ status: 'void', creditNoteNumber: expect.stringMatching(/^CN-\d{4}-\d{6}$/) });
    const dispute = await app.http('POST', `/invoices/${id}/dispute`, { key: TEST_KEYS.operator, body: { reason: 'late' } });
    expect(dispute.status).toBe(409);
    expect(dispute.body.error.status).toBe('void');
    expect((await app.http('POST', '/invoices/inv_nope/approve', { key: TEST_KEYS.approver, body: {} })).status).toBe(404);
  });
});

describe('dunning on real timers', () => {
  test('when a second-scale policy runs past the due date, then overdue, escalating reminders with a late fee and a final-notice letter arrive, and payment stops them', async () => {
    const policy = await app.http('POST', '/dunning-policies', {
      key: TEST_KEYS.operator,
      body: {
        name: 'Demo: seconds',
        steps: [
          { offset: 'PT6S', template: 'final', lateFee: { amountMinor: 500 } },
          { offset: 'PT2S', template: 'friendly' },
          { offset: 'PT4S', template: 'firm' },
          { offset: 'PT60S', template: 'collections' },
        ],
      },
    });
    expect(policy.status).toBe(201);
    expect(policy.body.steps.map((s: { template: string }) => s.template)).toEqual(['friendly', 'firm', 'final', 'collections']);
    const c = await customer({ approval: 'never', dunningPolicyId: policy.body.id });
    const dueAt = new Date(Date.now() + 3000).toISOString();
    const id = await invoice({ customerId: c.id, dueAt, lines: [{ description: 'Hosting', quantity: 1, unitPrice: '50.00', taxRateBps: 0 }] });

    await untilStatus(id, (b) => b.status === 'overdue');
    const friendly = await mailTo(c.email, /Reminder/);
    const firm = await mailTo(c.email, /Overdue/);
    const final = await mailTo(c.email, /Final notice/);
    expect([friendly, firm, final].map((m) => m.messageId)).toEqual([1, 2, 3].map((n) => `<${id}.reminder-${n}@billflow>`));
    expect(pdfAttachments(final)).toHaveLength(2);
    expect(final.text).toContain('55.00');

    const state = await untilStatus(id, (b) => b.dunningLevel === 3);
    expect(state).toMatchObject({ status: 'overdue', feesMinor: 500, amountDueMinor: 5500 });
    // Visibility (the Web UI's search) catches up with the workflow's search attributes shortly after.
    const executions = await eventually(async () => {
      const found = await app.temporal.client.workflowService.listWorkflowExecutions({
        namespace: 'default',
        query: `InvoiceStatus = "overdue" AND DunningLevel >= 3 AND CustomerId = "${c.id}"`,
      });
      return found.executions.length > 0 ? found.executions : undefined;
    });
    expect(executions).toHaveLength(1);

    const paid = await app.http('POST', `/invoices/${id}/payments`, { key: TEST_KEYS.operator, body: { amountMinor: 5500, method: 'card', reference: 'ch_1' } });
    expect(paid.body.invoice.status).toBe('paid');
    const types = (await untilStatus(id, (b) => b.status === 'paid')).timeline.map((t: { type: string }) => t.type);
    expect(types).toEqual(['created', 'auto_approved', 'issued', 'sent', 'overdue', 'reminder_sent', 'reminder_sent', 'reminder_sent', 'paid']);
  });

  test('when a dunning policy is invalid, then 400 names the step field and nothing is stored', async () => {
    const res = await app.http('POST', '/dunning-policies', {
      key: TEST_KEYS.operator,
      body: { name: 'Bad', steps: [{ offset: 'P1M', template: 'friendly' }, { offset: 'P1D', template: 'rude' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['steps.0.offset', 'steps.1.template']);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from dunning_policies where name = 'Bad'`;
    expect(row?.n).toBe(0);
  });
});
