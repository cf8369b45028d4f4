import { insertBillingRun } from '../../src/db/billing-runs';
import { cancelPendingCharge, findCharge, insertCharge } from '../../src/db/charges';
import { insertCustomer } from '../../src/db/customers';
import { billRunGroup } from '../../src/db/run-invoices';
import { createCharge } from '../../src/domain/charge';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * A billing run's step against PostgreSQL: the invoice is recorded in the transaction that claims its
 * charges, so a retried step finds its own work, and a cancel racing it never both win.
 */
let db: TestDatabase;
const now = '2026-11-01T00:00:00.000Z';
const group = { runId: 'run_2026-10', period: '2026-10', customerId: 'cus_run', currency: 'EUR', createdBy: 'olivia', now, numberPrefix: 'RUN' };

beforeAll(async () => {
  db = await createTestDatabase();
  await insertCustomer(db.sql, {
    id: 'cus_run', name: 'Run GmbH', email: 'ap@run.test', currency: 'EUR', locale: 'de', paymentTermsDays: 14, taxRateBps: 1900,
    dunningPolicyId: null, approval: 'policy', externalId: null, createdBy: 'test', createdAt: now,
  });
  await insertBillingRun(db.sql, { id: 'run_2026-10', period: '2026-10', dryRun: false, customerIds: null, createdBy: 'olivia', startedAt: now });
});
afterAll(async () => {
  await db.drop();
});

async function pendingCharge(id: string, period: string, unitPriceMinor: number) {
  return insertCharge(
    db.sql,
    createCharge(
      { customerId: 'cus_run', currency: 'EUR', kind: 'one_off', line: { description: id, quantity: '1', unitPriceMinor, taxRateBps: 1900 }, occurredAt: null, period },
      { id, createdBy: 'olivia', now },
    ),
  );
}

test('when a step is retried, then the second attempt answers the invoice the first recorded, and each charge is billed once', async () => {
  await pendingCharge('chg_a', '2026-09', 1000);
  await pendingCharge('chg_b', '2026-10', 2500);
  await pendingCharge('chg_later', '2026-11', 9900);

  const first = await billRunGroup(db.sql, { ...group, invoiceId: 'inv_run_1' });
  const again = await billRunGroup(db.sql, { ...group, invoiceId: 'inv_run_1' });

  expect(first?.draft).toMatchObject({ id: 'inv_run_1', billingRunId: 'run_2026-10', subtotalMinor: 3500, taxMinor: 665, totalMinor: 4165, paymentTermsDays: 14 });
  expect(again).toEqual(first);
  expect((await findCharge(db.sql, 'chg_a'))?.status).toBe('billed');
  expect((await findCharge(db.sql, 'chg_later'))?.status).toBe('pending');
  const [counts] = await db.sql<{ invoices: number; lines: number; billed: number }[]>`
    select (select count(*)::int from invoices where billing_run_id = 'run_2026-10') as invoices,
           (select count(*)::int from invoice_lines where invoice_id = 'inv_run_1') as lines,
           (select count(*)::int from charges where invoice_id = 'inv_run_1' and billing_run_id = 'run_2026-10') as billed`;
  expect(counts).toEqual({ invoices: 1, lines: 2, billed: 2 });
});

test('when cancels race the step that bills the same charges, then each charge is either billed or cancelled, never both', async () => {
  for (let round = 0; round < 5; round++) {
    const ids = [`chg_race_${round}_1`, `chg_race_${round}_2`];
    for (const id of ids) await pendingCharge(id, '2026-10', 1000);
    const [billed, ...cancels] = await Promise.all([
      billRunGroup(db.sql, { ...group, invoiceId: `inv_race_${round}` }),
      ...ids.map((id) => cancelPendingCharge(db.sql, id, 'olivia', now)),
    ]);
    const charges = await Promise.all(ids.map((id) => findCharge(db.sql, id)));
    for (const [i, charge] of charges.entries()) {
      if (cancels[i]) expect(charge).toMatchObject({ status: 'cancelled', invoiceId: null });
      else expect(charge).toMatchObject({ status: 'billed', invoiceId: `inv_race_${round}` });
    }
    const onInvoice = charges.filter((c) => c?.status === 'billed').length;
    expect(billed?.draft.lines.length ?? 0).toBe(onInvoice);
  }
});

test('when the customer\'s policy lets the invoice through, then the step approves and issues it in the same transaction, as the workflow would have', async () => {
  await pendingCharge('chg_issue_1', '2026-10', 1000);
  const made = await billRunGroup(db.sql, { ...group, invoiceId: 'inv_run_issued' });

  const dueAt = '2026-11-15T00:00:00.000Z';
  expect(made?.issued).toMatchObject({ status: 'open', number: expect.stringMatching(/^RUN-2026-\d{6}$/), issuedAt: now, dueAt, version: 1 });
  expect(made?.issued?.approvals).toEqual([{ principal: 'system', decision: 'auto_approved', at: now, reason: expect.any(String) }]);
  const [row] = await db.sql<{ status: string; number: string; version: number; due_at: Date }[]>`
    select status, number, version, due_at from invoices where id = 'inv_run_issued'`;
  expect(row).toEqual({ status: 'open', number: made?.issued?.number, version: 1, due_at: new Date(dueAt) });
  const timeline = await db.sql<{ type: string; actor: string }[]>`
    select type, actor from audit_events where entity_id = 'inv_run_issued' order by id`;
  expect(timeline).toEqual([
    { type: 'created', actor: 'olivia' },
    { type: 'auto_approved', actor: 'system' },
    { type: 'issued', actor: 'system' },
  ]);
});

test('when the customer wants every invoice approved, then the step records a draft and leaves the rest to its workflow', async () => {
  await insertCustomer(db.sql, {
    id: 'cus_strict', name: 'Strict AG', email: 'ap@strict.test', currency: 'EUR', locale: 'de', paymentTermsDays: 14, taxRateBps: 1900,
    dunningPolicyId: null, approval: 'always', externalId: null, createdBy: 'test', createdAt: now,
  });
  await insertCharge(
    db.sql,
    createCharge(
      { customerId: 'cus_strict', currency: 'EUR', kind: 'one_off', line: { description: 'x', quantity: '1', unitPriceMinor: 500, taxRateBps: 1900 }, occurredAt: null, period: '2026-10' },
      { id: 'chg_strict', createdBy: 'olivia', now },
    ),
  );
  const made = await billRunGroup(db.sql, { ...group, customerId: 'cus_strict', invoiceId: 'inv_run_strict' });

  expect(made).toMatchObject({ draft: { id: 'inv_run_strict' }, issued: null });
  const [row] = await db.sql<{ status: string; number: string | null }[]>`select status, number from invoices where id = 'inv_run_strict'`;
  expect(row).toEqual({ status: 'draft', number: null });
});
