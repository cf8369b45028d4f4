import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createEmailActivities, DELIVERY_REJECTED, type MailDeps, RENDER_FAILED, type SentMail } from '../../activities/email';
import { freePort } from '../../scripts/stack/ports';
import { insertCustomer } from '../../src/db/customers';
import { findDelivery } from '../../src/db/deliveries';
import { insertDraftInvoice } from '../../src/db/invoices';
import type { CustomerSnapshot } from '../../src/domain/customer';
import { initialInvoiceState, type InvoiceState } from '../../src/domain/invoice';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sampleDraft } from '../support/invoices';

/**
 * The retry rules of the email activities, run inside MockActivityEnvironment against a real SMTP
 * server on loopback: a permanent refusal must stop Temporal's retries, anything transient must not.
 */

/** What the server answers at RCPT TO, by recipient; everyone else is accepted. */
const REFUSALS: Record<string, { code: number; message: string }> = {
  'unknown@customer.test': { code: 550, message: '5.1.1 Mailbox unavailable' },
  'greylisted@customer.test': { code: 451, message: '4.7.1 Greylisted, try again later' },
  'out-of-sequence@customer.test': { code: 503, message: '5.5.1 Bad sequence of commands' },
};

/** The SDK logs every failed attempt as a warning; here failing is the point. */
const logger = new DefaultLogger('ERROR');

let db: TestDatabase;
let smtp: SMTPServer;
let smtpPort: number;
const received: string[] = [];
/** Each accepted message as it arrived (headers and body), in order. */
const messages: string[] = [];
let invoiceCount = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = REFUSALS[address.address];
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        messages.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, '127.0.0.1', () => resolve());
  });
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await db.drop();
});

function activities(port: number) {
  const deps: MailDeps = {
    sql: db.sql,
    mailer: createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }),
    mailFrom: 'Acme Billing GmbH <billing@acme.test>',
    publicBaseUrl: 'https://billing.example.com',
    approvers: { notify: 'approvers@acme.test', escalateTo: 'cfo@acme.test' },
  };
  return createEmailActivities(deps);
}

/** An issued invoice, stored (deliveries reference it), for a customer at `email`. */
async function issuedInvoice(email: string): Promise<{ state: InvoiceState; customer: CustomerSnapshot }> {
  invoiceCount += 1;
  const customer: CustomerSnapshot = { id: `cus_mail_${invoiceCount}`, name: 'Ada Lovelace', email, locale: 'en', approval: 'never' };
  const now = new Date().toISOString();
  await insertCustomer(db.sql, {
    ...customer,
    currency: 'EUR',
    paymentTermsDays: 30,
    taxRateBps: null,
    dunningPolicyId: null,
    externalId: null,
    createdBy: 'test',
    createdAt: now,
  });
  const draft = sampleDraft(`inv_mail_${invoiceCount}`, { customerId: customer.id }, now);
  await insertDraftInvoice(db.sql, draft);
  const state: InvoiceState = {
    ...initialInvoiceState(draft),
    status: 'open',
    number: `INV-2026-${String(invoiceCount).padStart(6, '0')}`,
    issuedAt: now,
    dueAt: '2026-12-01T00:00:00.000Z',
  };
  return { state, customer };
}

async function sendInvoiceEmailFailure(email: string, port = smtpPort, attempt = 1): Promise<{ error: unknown; invoiceId: string }> {
  const { state, customer } = await issuedInvoice(email);
  const env = new MockActivityEnvironment({ attempt }, { logger });
  const mail = activities(port);
  const error = await env.run(() => mail.sendInvoiceEmail({ state, customer })).then(
    () => {
      throw new Error(`sending to ${email} succeeded, expected a failure`);
    },
    (failure: unknown) => failure,
  );
  return { error, invoiceId: state.draft.id };
}

/** What Temporal does with an activity error: only a non-retryable ApplicationFailure stops the retries. */
function isRetried(error: unknown): boolean {
  return !(error instanceof ApplicationFailure && error.nonRetryable);
}

describe('sending an email', () => {
  test('when the SMTP server answers 550, then the activity fails for good with type delivery_rejected', async () => {
    const { error, invoiceId } = await sendInvoiceEmailFailure('unknown@customer.test', smtpPort, 2);

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ nonRetryable: true, type: DELIVERY_REJECTED });
    expect((error as Error).message).toContain('550');
    expect(await findDelivery(db.sql, invoiceId, 'invoice')).toMatchObject({ status: 'pending', attempts: 2, lastError: expect.stringContaining('550') });
  });

  test('when the SMTP server answers 451, then the activity fails with an error that Temporal retries', async () => {
    const { error, invoiceId } = await sendInvoiceEmailFailure('greylisted@customer.test');

    expect(isRetried(error)).toBe(true);
    expect(error).toMatchObject({ responseCode: 451 });
    expect(await findDelivery(db.sql, invoiceId, 'invoice')).toMatchObject({ status: 'pending', lastError: expect.stringContaining('451') });
  });

  test('when the SMTP server answers 503 (bad sequence of commands), then the error is retried, not taken as a refusal', async () => {
    const { error } = await sendInvoiceEmailFailure('out-of-sequence@customer.test');

    expect(isRetried(error)).toBe(true);
    expect(error).toMatchObject({ responseCode: 503 });
  });

  test('when nothing listens on the SMTP port, then the connection error is retried', async () => {
    const { error, invoiceId } = await sendInvoiceEmailFailure('ada@customer.test', await freePort());

    expect(isRetried(error)).toBe(true);
    expect(error).not.toHaveProperty('responseCode');
    expect(await findDelivery(db.sql, invoiceId, 'invoice')).toMatchObject({ status: 'pending', lastError: expect.any(String) });
  });

  test('when the invoice cannot be rendered (it has no number), then the activity fails for good and sends nothing', async () => {
    const { state, customer } = await issuedInvoice('unrenderable@customer.test');
    const unissued: InvoiceState = { ...state, status: 'draft', number: null, issuedAt: null };
    const error = await new MockActivityEnvironment({ attempt: 1 }, { logger })
      .run(() => activities(smtpPort).sendInvoiceEmail({ state: unissued, customer }))
      .catch((failure: unknown) => failure);

    expect(error).toMatchObject({ nonRetryable: true, type: RENDER_FAILED, message: expect.stringContaining('is not issued') });
    expect(received).not.toContain('unrenderable@customer.test');
    expect(await findDelivery(db.sql, state.draft.id, 'invoice')).toBeNull();
  });

  test('when the server accepts the message, then it is recorded as sent and a retried activity does not send it again', async () => {
    const { state, customer } = await issuedInvoice('ada@customer.test');
    const mail = activities(smtpPort);
    const send = () => mail.sendInvoiceEmail({ state, customer });

    const first: SentMail = await new MockActivityEnvironment({ attempt: 1 }, { logger }).run(send);
    const second: SentMail = await new MockActivityEnvironment({ attempt: 2 }, { logger }).run(send);

    expect(second).toEqual(first);
    expect(first.messageId).toBe(`<${state.draft.id}.invoice@billflow>`);
    expect(received.filter((to) => to === 'ada@customer.test')).toHaveLength(1);
    expect(await findDelivery(db.sql, state.draft.id, 'invoice')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  test('when approvers are asked to approve, then the email links straight to the invoice in their inbox', async () => {
    const { state, customer } = await issuedInvoice('ada@customer.test');
    const pending: InvoiceState = { ...state, status: 'pending_approval', number: null, issuedAt: null };
    await new MockActivityEnvironment({ attempt: 1 }, { logger }).run(() =>
      activities(smtpPort).notifyApprovers({ state: pending, customer, kind: 'request', waitingSince: new Date().toISOString() }),
    );
    expect(received).toContain('approvers@acme.test');
    // Quoted-printable may wrap the line and writes '=' as =3D: undo both before looking for the link.
    const last = (messages[messages.length - 1] ?? '').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(last).toContain(`https://billing.example.com/app/approvals?invoice=${state.draft.id}#invoice-${state.draft.id}`);
  });
});
