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
const group = { runId: 'run_2026-10', period: '2026-10', customerId: 'cus_run', currency: 'EUR', createdBy: 'olivia', now };

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

  expect(first).toMatchObject({ id: 'inv_run_1', billingRunId: 'run_2026-10', subtotalMinor: 3500, taxMinor: 665, totalMinor: 4165, paymentTermsDays: 14 });
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
    expect(billed?.lines.length ?? 0).toBe(onInvoice);
  }
});
