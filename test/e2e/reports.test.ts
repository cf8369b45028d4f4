import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';

/**
 * The receivables reports and the customer statement over real HTTP, against invoices with past
 * issue and due dates (imported from "an earlier system"), paid, written off and voided through the
 * api. Every expected figure is worked out by hand in the comments, from the fixed set below; no
 * figure is computed by the code under test. The set is in CHF, which no other test here uses, and
 * this file has its own database.
 */
const stack = useBillflow();
let app: Billflow;

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The moment the set is built around. Due dates sit an hour off whole days, so counts of days stay put while the test runs. */
const NOW = Date.now();
const at = (ms: number) => new Date(ms).toISOString();

const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const INVOICE_HEADER = 'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description';

/** A CSV answer: status, content type and body as text (app.http reads JSON). */
async function getText(path: string, key: string = TEST_KEYS.viewer): Promise<{ status: number; type: string | null; disposition: string | null; text: string }> {
  const response = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), text: await response.text() };
}

async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.http(method, path, { key: TEST_KEYS.operator, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const ids: Record<string, string> = {};
const customers: Record<'alpha' | 'beta' | 'gamma', string> = { alpha: '', beta: '', gamma: '' };
let voidCreditNote = '';

/**
 * The set (CHF, amounts in minor units; D = day, H = hour, all relative to NOW):
 *
 *   invoice  customer  issued     due          total   what happens
 *   A1       Alpha     NOW-100D   NOW-70D+H    100000  nothing: unpaid
 *   A2       Alpha     NOW-40D    NOW-10D+H     50000  20000 paid before the import (received at the import)
 *   A3       Alpha     NOW-5D     NOW+25D       30000  nothing: not yet due
 *   B1       Beta      NOW-150D   NOW-120D+H   200000  50000 received NOW-20D
 *   B2       Beta      NOW-60D    NOW-45D+H     80000  80000 received NOW-30D (paid, 15 days late)
 *   B3       Beta      NOW-50D    NOW-35D+H     40000  written off now (40000 due)
 *   G1       Gamma     NOW-20D    NOW-1D+H      15000  voided now (credit note of 15000)
 *   G2       Gamma     NOW-80D    NOW-50D+H     60000  65000 received NOW-55D (paid on time, 5000 to credit)
 */
beforeAll(async () => {
  ({ app } = stack());
  const policy = await ok('POST', '/dunning-policies', { name: 'Reports: one reminder, no fees', steps: [{ offset: 'P1D', template: 'friendly' }] });
  const customer = async (key: 'alpha' | 'beta' | 'gamma', name: string, locale: string) => {
    customers[key] = (await ok('POST', '/customers', { name, email: `ap@${key}.test`, currency: 'CHF', locale, dunningPolicyId: policy.id, externalId: `rep-${key}` })).id;
  };
  await customer('alpha', 'Alpha AG', 'en');
  await customer('beta', 'Beta GmbH', 'en');
  await customer('gamma', 'Gamma SA', 'de-CH');

  const row = (key: string, customerKey: string, issued: number, due: number, total: string, paid = '0') =>
    `rep-${key},rep-${customerKey},OLD-${key},${at(issued)},${at(due)},CHF,${total},${paid},Services ${key}`;
  const report = await app.http('POST', '/imports/invoices', {
    key: TEST_KEYS.operator,
    rawBody: csv(
      INVOICE_HEADER,
      row('A1', 'alpha', NOW - 100 * DAY, NOW - 70 * DAY + HOUR, '1000.00'),
      row('A2', 'alpha', NOW - 40 * DAY, NOW - 10 * DAY + HOUR, '500.00', '200.00'),
      row('A3', 'alpha', NOW - 5 * DAY, NOW + 25 * DAY, '300.00'),
      row('B1', 'beta', NOW - 150 * DAY, NOW - 120 * DAY + HOUR, '2000.00'),
      row('B2', 'beta', NOW - 60 * DAY, NOW - 45 * DAY + HOUR, '800.00'),
      row('B3', 'beta', NOW - 50 * DAY, NOW - 35 * DAY + HOUR, '400.00'),
      row('G1', 'gamma', NOW - 20 * DAY, NOW - 1 * DAY + HOUR, '150.00'),
      row('G2', 'gamma', NOW - 80 * DAY, NOW - 50 * DAY + HOUR, '600.00'),
    ),
    headers: { 'content-type': 'text/csv' },
  });
  expect(report.body).toMatchObject({ imported: 8, rejected: [] });
  const listed = await app.http('GET', '/invoices?limit=200', { key: TEST_KEYS.viewer });
  for (const invoice of listed.body.data as { id: string; number: string }[]) ids[invoice.number.replace('OLD-', '')] = invoice.id;

  const pay = (key: string, amountMinor: number, receivedAt: number) =>
    ok('POST', `/invoices/${ids[key]}/payments`, { amountMinor, method: 'bank_transfer', reference: `bank-${key}`, receivedAt: at(receivedAt) });
  await pay('B1', 50_000, NOW - 20 * DAY);
  await pay('B2', 80_000, NOW - 30 * DAY);
  await pay('G2', 65_000, NOW - 55 * DAY);
  await ok('POST', `/invoices/${ids.B3}/write-off`, { reason: 'Customer insolvent' });
  const voided = await ok('POST', `/invoices/${ids.G1}/void`, { reason: 'Billed twice' });
  voidCreditNote = voided.creditNoteNumber ?? (await app.http('GET', `/invoices/${ids.G1}`)).body.creditNoteNumber;
  // The read model has caught up once every status is stored.
  await eventually(async () => {
    const statuses = await Promise.all(['B2', 'B3', 'G1', 'G2'].map(async (key) => (await app.http('GET', `/invoices/${ids[key]}`)).body.status));
    return statuses.join() === 'paid,uncollectible,void,paid' ? true : undefined;
  });
});

describe('aging', () => {
  test('when asked for now, then each customer\'s amount due is in the bucket of its days past due, and the totals add up', async () => {
    const res = await app.http('GET', '/reports/aging?currency=CHF', { key: TEST_KEYS.viewer });
    expect(res.status).toBe(200);
    // A1: 100000 due, 70 days past due (NOW-70D+H, counted up)  → 61-90
    // A2: 50000 - 20000 paid = 30000, 10 days                   → 1-30
    // A3: 30000, due in 25 days                                  → current
    // B1: 200000 - 50000 = 150000, 120 days                      → 90+
    // B2, G2 paid (0 due); B3 written off; G1 void               → none; Gamma has nothing due and is not listed
    expect(res.body).toEqual({
      currency: 'CHF',
      asOf: expect.any(String),
      buckets: { current: 30_000, '1-30': 30_000, '31-60': 0, '61-90': 100_000, '90+': 150_000 },
      customers: [
        { customerId: customers.alpha, name: 'Alpha AG', buckets: { current: 30_000, '1-30': 30_000, '31-60': 0, '61-90': 100_000, '90+': 0 } },
        { customerId: customers.beta, name: 'Beta GmbH', buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 150_000 } },
      ],
    });
    // The same total as the invoices' own amounts due: 100000 + 30000 + 30000 + 150000 = 310000.
    const dues = await Promise.all(['A1', 'A2', 'A3', 'B1'].map(async (key) => (await app.http('GET', `/invoices/${ids[key]}`)).body.amountDueMinor as number));
    expect(dues).toEqual([100_000, 30_000, 30_000, 150_000]);
  });

  test('when asked as of a past moment, then only what had happened by then counts, and the CSV has the same figures', async () => {
    const asOf = at(NOW - 32 * DAY);
    // At NOW-32D: A3 and G1 were not issued yet; no payment but G2's had been received (A2's
    // imported payment counts at the import, B1's at NOW-20D, B2's at NOW-30D); B3 was not written off.
    // A1: 100000, (NOW-32D) - (NOW-70D+H) = 38D-H → 38 days     → 31-60
    // A2: 50000 (nothing paid yet), due after asOf               → current
    // B1: 200000, 88D-H → 88 days                                → 61-90
    // B2: 80000, 13D-H → 13 days                                 → 1-30
    // B3: 40000, 3D-H → 3 days                                   → 1-30
    // G2: 60000 - 60000 applied = 0                              → none
    // Alpha: current 50000, 31-60 100000 (150000); Beta: 1-30 120000, 61-90 200000 (320000); all 470000.
    const res = await app.http('GET', `/reports/aging?currency=CHF&asOf=${encodeURIComponent(asOf)}`, { key: TEST_KEYS.viewer });
    expect(res.body).toEqual({
      currency: 'CHF',
      asOf,
      buckets: { current: 50_000, '1-30': 120_000, '31-60': 100_000, '61-90': 200_000, '90+': 0 },
      customers: [
        { customerId: customers.alpha, name: 'Alpha AG', buckets: { current: 50_000, '1-30': 0, '31-60': 100_000, '61-90': 0, '90+': 0 } },
        { customerId: customers.beta, name: 'Beta GmbH', buckets: { current: 0, '1-30': 120_000, '31-60': 0, '61-90': 200_000, '90+': 0 } },
      ],
    });

    const file = await getText(`/reports/aging?currency=CHF&asOf=${encodeURIComponent(asOf)}&format=csv`);
    expect(file.status).toBe(200);
    expect(file.type).toBe('text/csv; charset=utf-8');
    expect(file.disposition).toBe(`attachment; filename="aging-CHF-${asOf.slice(0, 10)}.csv"`);
    expect(file.text).toBe(
      csv(
        'row,currency,asOf,customerId,name,current,1-30,31-60,61-90,90+,total',
        `customer,CHF,${asOf},${customers.alpha},Alpha AG,50000,0,100000,0,0,150000`,
        `customer,CHF,${asOf},${customers.beta},Beta GmbH,0,120000,0,200000,0,320000`,
        `total,CHF,${asOf},,,50000,120000,100000,200000,0,470000`,
      ),
    );
  });

  test('when asked as of a date before anything was issued, then every bucket is 0 and no customer is listed', async () => {
    const res = await app.http('GET', '/reports/aging?currency=CHF&asOf=2000-01-01', { key: TEST_KEYS.viewer });
    expect(res.body).toEqual({ currency: 'CHF', asOf: '2000-01-01T00:00:00.000Z', buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 }, customers: [] });
  });
});

describe('DSO', () => {
  test('when credit sales of the window are known, then DSO = receivables ÷ sales × days, to one decimal', async () => {
    // Receivables now: 310000 (the aging total).
    // Sales of the last 90 days (issued since NOW-90D, void left out): A2 50000 + A3 30000 + B2 80000
    //   + B3 40000 + G2 60000 = 260000 (A1 at -100D and B1 at -150D are older; G1 is void).
    // DSO = 310000 / 260000 × 90 = 107.307… → 107.3
    const res = await app.http('GET', '/reports/dso?currency=CHF', { key: TEST_KEYS.viewer });
    expect(res.body).toEqual({ currency: 'CHF', days: 90, dso: 107.3, receivablesMinor: 310_000, salesMinor: 260_000 });

    // 30 days: A3 30000 only → 310000 / 30000 × 30 = 310.0
    const month = await app.http('GET', '/reports/dso?currency=CHF&days=30', { key: TEST_KEYS.viewer });
    expect(month.body).toEqual({ currency: 'CHF', days: 30, dso: 310, receivablesMinor: 310_000, salesMinor: 30_000 });
    const file = await getText('/reports/dso?currency=CHF&days=30&format=csv');
    expect(file.text).toBe(csv('currency,days,dso,receivablesMinor,salesMinor', 'CHF,30,310,310000,30000'));
  });

  test('when asked as of a past moment, then receivables are those of then and sales those of the days before it', async () => {
    const asOf = at(NOW - 32 * DAY);
    // Receivables at NOW-32D: 470000, the aging total as of then (see aging above).
    // Sales of [NOW-122D, NOW-32D): A1 100000 (-100D) + A2 50000 (-40D) + B2 80000 (-60D) + B3 40000 (-50D)
    //   + G2 60000 (-80D) = 330000 (B1 at -150D is older; A3 at -5D and G1 at -20D came later).
    // DSO = 470000 / 330000 × 90 = 128.18… → 128.2
    const res = await app.http('GET', `/reports/dso?currency=CHF&asOf=${encodeURIComponent(asOf)}`, { key: TEST_KEYS.viewer });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ currency: 'CHF', days: 90, dso: 128.2, receivablesMinor: 470_000, salesMinor: 330_000 });

    // 30 days, [NOW-62D, NOW-32D): A2 50000 + B2 80000 + B3 40000 = 170000 → 470000 / 170000 × 30 = 82.94… → 82.9
    const month = await app.http('GET', `/reports/dso?currency=CHF&days=30&asOf=${encodeURIComponent(asOf)}`, { key: TEST_KEYS.viewer });
    expect(month.body).toEqual({ currency: 'CHF', days: 30, dso: 82.9, receivablesMinor: 470_000, salesMinor: 170_000 });
    const file = await getText(`/reports/dso?currency=CHF&days=30&asOf=${encodeURIComponent(asOf)}&format=csv`);
    expect(file.text).toBe(csv('currency,days,dso,receivablesMinor,salesMinor', 'CHF,30,82.9,470000,170000'));

    // A date is its 00:00 UTC; before anything was issued there is nothing owed and nothing sold.
    const early = await app.http('GET', '/reports/dso?currency=CHF&asOf=2000-01-01', { key: TEST_KEYS.viewer });
    expect(early.body).toEqual({ currency: 'CHF', days: 90, dso: null, receivablesMinor: 0, salesMinor: 0 });
    // A window reaching back before year 1 starts there rather than failing.
    const first = await app.http('GET', '/reports/dso?currency=CHF&days=3650&asOf=0001-06-01', { key: TEST_KEYS.viewer });
    expect(first.body).toEqual({ currency: 'CHF', days: 3650, dso: null, receivablesMinor: 0, salesMinor: 0 });
  });

  test('when nothing was sold in the window, then dso is null (empty in the CSV)', async () => {
    // Nothing was issued in the last day (A3, the latest, at NOW-5D).
    const res = await app.http('GET', '/reports/dso?currency=CHF&days=1', { key: TEST_KEYS.viewer });
    expect(res.body).toEqual({ currency: 'CHF', days: 1, dso: null, receivablesMinor: 310_000, salesMinor: 0 });
    expect((await getText('/reports/dso?currency=CHF&days=1&format=csv')).text).toBe(csv('currency,days,dso,receivablesMinor,salesMinor', 'CHF,1,,310000,0'));
  });
});

describe('collections', () => {
  test('when asked for a period, then invoiced, collected, outstanding, written off and the late payers are as worked out by hand', async () => {
    const from = at(NOW - 130 * DAY);
    const to = at(NOW + DAY);
    // Invoiced (issued in [from, to), void left out): A1 100000 + A2 50000 + A3 30000 + B2 80000
    //   + B3 40000 + G2 60000 = 360000 (B1 issued at -150D is before; G1 is void).
    // Collected (received in the period): B1 50000 + B2 80000 + G2 65000 = 195000 (A2's 20000 was
    //   collected by the earlier system before the import).
    // Outstanding now of the invoiced ones: A1 100000 + A2 30000 + A3 30000 (B2, G2 paid; B3 written off) = 160000.
    // Written off in the period: B3's 40000.
    // Late (due in the period): A1 unpaid 70 days, A2 unpaid 10 days → Alpha 2, average 40.0;
    //   B1 unpaid 120 days, B2 paid 15 days late → Beta 2, average 67.5; G2 was paid on time, A3 is not due.
    const res = await app.http('GET', `/reports/collections?currency=CHF&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { key: TEST_KEYS.viewer });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      currency: 'CHF',
      from,
      to,
      invoicedMinor: 360_000,
      collectedMinor: 195_000,
      outstandingMinor: 160_000,
      writtenOffMinor: 40_000,
      latePayers: [
        { customerId: customers.beta, name: 'Beta GmbH', lateInvoices: 2, averageDaysLate: 67.5 },
        { customerId: customers.alpha, name: 'Alpha AG', lateInvoices: 2, averageDaysLate: 40 },
      ],
    });

    const file = await getText(`/reports/collections?currency=CHF&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&format=csv`);
    expect(file.text).toBe(
      csv(
        'row,currency,from,to,invoicedMinor,collectedMinor,outstandingMinor,writtenOffMinor,customerId,name,lateInvoices,averageDaysLate',
        `total,CHF,${from},${to},360000,195000,160000,40000,,,,`,
        `late_payer,CHF,${from},${to},,,,,${customers.beta},Beta GmbH,2,67.5`,
        `late_payer,CHF,${from},${to},,,,,${customers.alpha},Alpha AG,2,40.0`,
      ),
    );
  });

  test('when the period holds only one payment, then only it is collected and one late invoice makes no late payer', async () => {
    const from = at(NOW - 31 * DAY);
    const to = at(NOW - 29 * DAY);
    // Only B2's 80000 (received NOW-30D) falls in; nothing was issued, due or written off in it.
    const res = await app.http('GET', `/reports/collections?currency=CHF&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { key: TEST_KEYS.viewer });
    expect(res.body).toEqual({ currency: 'CHF', from, to, invoicedMinor: 0, collectedMinor: 80_000, outstandingMinor: 0, writtenOffMinor: 0, latePayers: [] });
    // [NOW-46D, NOW-44D): B2 is due in it and was paid 15 days late, but it is Beta's only one there.
    const one = await app.http('GET', `/reports/collections?currency=CHF&from=${encodeURIComponent(at(NOW - 46 * DAY))}&to=${encodeURIComponent(at(NOW - 44 * DAY))}`, { key: TEST_KEYS.viewer });
    expect(one.body.latePayers).toEqual([]);
  });
});

describe('customer statement', () => {
  test('when a period is asked, then the opening balance, every entry in time order with the running balance, and the closing balance are shown', async () => {
    const from = at(NOW - 130 * DAY);
    const res = await app.http('GET', `/customers/${customers.beta}/statement?from=${encodeURIComponent(from)}`, { key: TEST_KEYS.viewer });
    expect(res.status).toBe(200);
    // Before the period: B1 issued +200000 → opening 200000.
    // B2 +80000 → 280000; B3 +40000 → 320000; B2 paid -80000 → 240000; B1 paid -50000 → 190000;
    // B3 written off -40000 → 150000 = what B1 still owes.
    expect(res.body).toEqual({
      customerId: customers.beta,
      name: 'Beta GmbH',
      from,
      to: expect.any(String),
      currencies: [
        {
          currency: 'CHF',
          openingBalanceMinor: 200_000,
          entries: [
            { at: at(NOW - 60 * DAY), type: 'invoice', reference: 'OLD-B2', invoiceId: ids.B2, invoiceNumber: 'OLD-B2', amountMinor: 80_000, balanceMinor: 280_000 },
            { at: at(NOW - 50 * DAY), type: 'invoice', reference: 'OLD-B3', invoiceId: ids.B3, invoiceNumber: 'OLD-B3', amountMinor: 40_000, balanceMinor: 320_000 },
            { at: at(NOW - 30 * DAY), type: 'payment', reference: 'bank-B2', invoiceId: ids.B2, invoiceNumber: 'OLD-B2', amountMinor: -80_000, balanceMinor: 240_000 },
            { at: at(NOW - 20 * DAY), type: 'payment', reference: 'bank-B1', invoiceId: ids.B1, invoiceNumber: 'OLD-B1', amountMinor: -50_000, balanceMinor: 190_000 },
            { at: expect.any(String), type: 'write_off', reference: 'OLD-B3', invoiceId: ids.B3, invoiceNumber: 'OLD-B3', amountMinor: -40_000, balanceMinor: 150_000 },
          ],
          closingBalanceMinor: 150_000,
        },
      ],
    });
  });

  test('when a customer paid more than owed, then the balance is negative by their credit, and the CSV shows the same', async () => {
    const res = await app.http('GET', `/customers/${customers.gamma}/statement`, { key: TEST_KEYS.viewer });
    // No from: opening 0. G2 +60000 → 60000; G2 paid 65000 → -5000; G1 +15000 → 10000;
    // G1 voided: its credit note -15000 → -5000, the 5000 over-paid on G2, which is Gamma's credit.
    const [chf] = res.body.currencies;
    expect(res.body.from).toBeNull();
    expect(chf.entries.map((e: any) => [e.type, e.reference, e.amountMinor, e.balanceMinor])).toEqual([
      ['invoice', 'OLD-G2', 60_000, 60_000],
      ['payment', 'bank-G2', -65_000, -5_000],
      ['invoice', 'OLD-G1', 15_000, 10_000],
      ['credit_note', voidCreditNote, -15_000, -5_000],
    ]);
    expect(chf).toMatchObject({ currency: 'CHF', openingBalanceMinor: 0, closingBalanceMinor: -5_000 });
    expect((await app.http('GET', `/customers/${customers.gamma}`, { key: TEST_KEYS.viewer })).body.creditBalances).toEqual({ CHF: 5_000 });

    const to = res.body.to as string;
    const file = await getText(`/customers/${customers.gamma}/statement?to=${encodeURIComponent(to)}&format=csv`);
    expect(file.disposition).toBe(`attachment; filename="statement-start-${to.slice(0, 10)}.csv"`);
    expect(file.text).toBe(
      csv(
        'currency,at,type,reference,invoiceNumber,amountMinor,balanceMinor',
        'CHF,,opening_balance,,,,0',
        `CHF,${at(NOW - 80 * DAY)},invoice,OLD-G2,OLD-G2,60000,60000`,
        `CHF,${at(NOW - 55 * DAY)},payment,bank-G2,OLD-G2,-65000,-5000`,
        `CHF,${at(NOW - 20 * DAY)},invoice,OLD-G1,OLD-G1,15000,10000`,
        `CHF,${chf.entries[3].at},credit_note,${voidCreditNote},OLD-G1,-15000,-5000`,
        `CHF,${to},closing_balance,,,,-5000`,
      ),
    );
  });

  test('when the customer does not exist, then 404; when a date is bad, then 400 naming it', async () => {
    expect((await app.http('GET', '/customers/cus_nobody/statement', { key: TEST_KEYS.viewer })).status).toBe(404);
    expect((await app.http('GET', '/customers/cus%00x/statement', { key: TEST_KEYS.viewer })).status).toBe(404);
    const bad = await app.http('GET', `/customers/${customers.alpha}/statement?from=yesterday`, { key: TEST_KEYS.viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'from', message: expect.stringContaining('YYYY-MM-DD') }]);
    const backwards = await app.http('GET', `/customers/${customers.alpha}/statement?from=2026-02-01&to=2026-01-01`, { key: TEST_KEYS.viewer });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details).toEqual([{ path: 'to', message: 'must be after from' }]);
  });
});

describe('credit notes', () => {
  test('when a voided invoice\'s credit note is asked for by its number, then its facts and a PDF in the customer\'s language are shown', async () => {
    expect(voidCreditNote).toMatch(/^CN-\d{4}-\d{6}$/);
    const res = await app.http('GET', `/credit-notes/${voidCreditNote}`, { key: TEST_KEYS.viewer });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      number: voidCreditNote,
      invoiceId: ids.G1,
      invoiceNumber: 'OLD-G1',
      amountMinor: 15_000,
      appliedMinor: 15_000,
      creditMinor: 0,
      currency: 'CHF',
      reason: 'Billed twice',
      lines: null,
      issuedBy: 'olivia',
      issuedAt: expect.any(String),
      pdfUrl: `/credit-notes/${voidCreditNote}/pdf`,
    });

    const pdf = await fetch(`${app.url}/credit-notes/${voidCreditNote}/pdf`, { headers: { authorization: `Bearer ${TEST_KEYS.viewer}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Compressed over HTTP: the title (document info, not compressed) is in German for Gamma (de-CH).
    expect(bytes.toString('latin1')).toContain(`Gutschrift ${voidCreditNote}`);
  });

  test('when a credit note does not exist, then 404, also for a number no credit note could have', async () => {
    expect((await app.http('GET', '/credit-notes/CN-2026-999999', { key: TEST_KEYS.viewer })).status).toBe(404);
    expect((await app.http('GET', '/credit-notes/CN-2026-999999/pdf', { key: TEST_KEYS.viewer })).status).toBe(404);
    expect((await app.http('GET', '/credit-notes/CN%00', { key: TEST_KEYS.viewer })).status).toBe(404);
  });
});

describe('report requests', () => {
  test.each([
    ['/reports/aging', 'currency', 'is required'],
    ['/reports/aging?currency=ABC', 'currency', 'ISO 4217'],
    ['/reports/aging?currency=CHF&asOf=31.12.2026', 'asOf', 'YYYY-MM-DD'],
    ['/reports/aging?currency=CHF&asOf=0000-01-01', 'asOf', 'YYYY-MM-DD'],
    ['/reports/aging?currency=CHF&format=xml', 'format', ''],
    ['/reports/aging?currency=CHF&asof=2026-01-01', 'asof', 'unknown field'],
    ['/reports/aging?currency=CH%00F', 'currency', ''],
    ['/reports/aging?currency=CHF&asOf=2026-01-01%00', 'asOf', ''],
    ['/reports/dso?currency=CHF&days=0', 'days', ''],
    ['/reports/dso?currency=CHF&days=ninety', 'days', ''],
    ['/reports/dso?currency=CHF&days=3651', 'days', ''],
    ['/reports/dso?currency=CHF&asOf=31.12.2026', 'asOf', 'YYYY-MM-DD'],
    ['/reports/dso?currency=CHF&asOf=0000-01-01', 'asOf', 'YYYY-MM-DD'],
    ['/reports/dso?currency=CHF&asOf=2026-01-01T00:00:00', 'asOf', 'YYYY-MM-DD'],
    ['/reports/dso?currency=CHF&asof=2026-01-01', 'asof', 'unknown field'],
    ['/reports/collections?currency=CHF&from=2026-03-01&to=2026-02-01', 'to', 'must be after from'],
    ['/reports/collections?currency=CHF&from=2026-02-30', 'from', 'YYYY-MM-DD'],
    ['/reports/collections?currency=CHF&to=tomorrow', 'to', 'YYYY-MM-DD'],
  ])('when %s is asked, then 400 names %s', async (path, field, message) => {
    const res = await app.http('GET', path, { key: TEST_KEYS.viewer });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0]).toEqual({ path: field, message: expect.stringContaining(message) });
  });

  test('when asked without an API key, then 401; every role may read the reports', async () => {
    expect((await app.http('GET', '/reports/aging?currency=CHF', { key: null })).status).toBe(401);
    for (const key of Object.values(TEST_KEYS)) {
      const answers = await Promise.all(
        ['/reports/aging?currency=CHF', '/reports/dso?currency=CHF', '/reports/collections?currency=CHF', `/customers/${customers.alpha}/statement`].map(
          async (path) => (await app.http('GET', path, { key })).status,
        ),
      );
      expect(answers).toEqual([200, 200, 200, 200]);
    }
  });

  test('when another currency has no invoices, then its reports are all zero', async () => {
    expect((await app.http('GET', '/reports/aging?currency=JPY', { key: TEST_KEYS.viewer })).body.buckets).toEqual({ current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 });
    expect((await app.http('GET', '/reports/collections?currency=JPY', { key: TEST_KEYS.viewer })).body).toMatchObject({ invoicedMinor: 0, collectedMinor: 0, outstandingMinor: 0, writtenOffMinor: 0, latePayers: [] });
  });
});

/**
 * Refunds and credit notes in the reports, in SEK (no other test here uses it), for one customer:
 *
 *   invoice  issued    due          total   what happens
 *   D1       NOW-40D   NOW-10D+H    100000  100000 received NOW-20D (paid); then refunded 30000 (due again),
 *                                           then a credit note of 50000: 30000 off the amount due, 20000 to credit
 *   D2       NOW-5D    NOW+25D       20000  a credit note by line of 5000 (1 × 5000, no tax)
 */
describe('refunds and credit notes in the reports', () => {
  let delta = '';
  const invoice: Record<string, string> = {};
  let refundedAt = '';
  let d1Note = '';
  let d2Note = '';

  beforeAll(async () => {
    delta = (await ok('POST', '/customers', { name: 'Delta AB', email: 'ap@delta.test', currency: 'SEK', locale: 'de', externalId: 'rep-delta', dunningPolicyId: 'default' })).id;
    const imported = await app.http('POST', '/imports/invoices', {
      key: TEST_KEYS.operator,
      rawBody: csv(
        INVOICE_HEADER,
        `rep-D1,rep-delta,OLD-D1,${at(NOW - 40 * DAY)},${at(NOW - 10 * DAY + HOUR)},SEK,1000.00,0,Licence D1`,
        `rep-D2,rep-delta,OLD-D2,${at(NOW - 5 * DAY)},${at(NOW + 25 * DAY)},SEK,200.00,0,Licence D2`,
      ),
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.body).toMatchObject({ imported: 2, rejected: [] });
    const listed = await app.http('GET', `/invoices?customerId=${delta}`, { key: TEST_KEYS.viewer });
    for (const i of listed.body.data as { id: string; number: string }[]) invoice[i.number.replace('OLD-', '')] = i.id;

    await ok('POST', `/invoices/${invoice.D1}/payments`, { amountMinor: 100_000, method: 'bank_transfer', reference: 'bank-D1', receivedAt: at(NOW - 20 * DAY) });
    const refund = await ok('POST', `/invoices/${invoice.D1}/refunds`, { amountMinor: 30_000, reason: 'Goodwill', paymentReference: 'bank-D1' });
    refundedAt = refund.refund.recordedAt;
    d1Note = (await ok('POST', `/invoices/${invoice.D1}/credit-notes`, { amountMinor: 50_000, reason: 'Discount agreed' })).number;
    d2Note = (await ok('POST', `/invoices/${invoice.D2}/credit-notes`, { lines: [{ description: 'Returned item', quantity: 1, unitPriceMinor: 5_000, taxRateBps: 0 }], reason: 'Returned' })).number;
  });

  test('when refunded and credited, then aging, DSO and collections are as worked out by hand, now and as of the refund', async () => {
    // Now: D1 100000 - 100000 paid + 30000 refunded - 30000 credited = 0; D2 20000 - 5000 = 15000, not yet due.
    const now = await app.http('GET', '/reports/aging?currency=SEK', { key: TEST_KEYS.viewer });
    expect(now.body.buckets).toEqual({ current: 15_000, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 });
    // As of the refund (before either credit note): D1 0 + 30000 refunded = 30000, 10 days past due
    // ((refund ≈ NOW) - (NOW-10D+H) = 10D-H plus the seconds since NOW → 10 days); D2 20000 current.
    const asOfRefund = await app.http('GET', `/reports/aging?currency=SEK&asOf=${encodeURIComponent(refundedAt)}`, { key: TEST_KEYS.viewer });
    expect(asOfRefund.body.customers).toEqual([{ customerId: delta, name: 'Delta AB', buckets: { current: 20_000, '1-30': 30_000, '31-60': 0, '61-90': 0, '90+': 0 } }]);

    // DSO (90 days): receivables 15000; sales D1 100000 + D2 20000 = 120000; 15000 / 120000 × 90 = 11.25 → 11.3.
    expect((await app.http('GET', '/reports/dso?currency=SEK', { key: TEST_KEYS.viewer })).body).toEqual({ currency: 'SEK', days: 90, dso: 11.3, receivablesMinor: 15_000, salesMinor: 120_000 });

    // [NOW-60D, NOW+1D): invoiced 120000; collected 100000 received - 30000 refunded = 70000; outstanding
    // D1 0 + D2 15000 = 15000; nothing written off; D1 was paid before its due date, D2 is not due: no late payers.
    const from = at(NOW - 60 * DAY);
    const to = at(NOW + DAY);
    const collections = await app.http('GET', `/reports/collections?currency=SEK&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { key: TEST_KEYS.viewer });
    expect(collections.body).toEqual({ currency: 'SEK', from, to, invoicedMinor: 120_000, collectedMinor: 70_000, outstandingMinor: 15_000, writtenOffMinor: 0, latePayers: [] });
  });

  test('when refunded and credited, then the statement runs to minus the customer\'s credit', async () => {
    // D1 +100000 → 100000; paid -100000 → 0; D2 +20000 → 20000; refund +30000 → 50000;
    // D1's credit note -50000 → 0; D2's -5000 → -5000 = 15000 owed on D2 - 20000 credit.
    const res = await app.http('GET', `/customers/${delta}/statement`, { key: TEST_KEYS.viewer });
    const [sek] = res.body.currencies;
    expect(sek.entries.map((e: any) => [e.type, e.reference, e.amountMinor, e.balanceMinor])).toEqual([
      ['invoice', 'OLD-D1', 100_000, 100_000],
      ['payment', 'bank-D1', -100_000, 0],
      ['invoice', 'OLD-D2', 20_000, 20_000],
      ['refund', expect.any(String), 30_000, 50_000],
      ['credit_note', d1Note, -50_000, 0],
      ['credit_note', d2Note, -5_000, -5_000],
    ]);
    expect(sek.closingBalanceMinor).toBe(-5_000);
    expect((await app.http('GET', `/customers/${delta}`, { key: TEST_KEYS.viewer })).body.creditBalances).toEqual({ SEK: 20_000 });
  });

  test('when a credit note is read, then its split between the invoice and the credit, and its lines, are shown', async () => {
    expect((await app.http('GET', `/credit-notes/${d1Note}`, { key: TEST_KEYS.viewer })).body).toMatchObject({
      number: d1Note,
      invoiceId: invoice.D1,
      invoiceNumber: 'OLD-D1',
      amountMinor: 50_000,
      appliedMinor: 30_000,
      creditMinor: 20_000,
      currency: 'SEK',
      reason: 'Discount agreed',
      lines: null,
      issuedBy: 'olivia',
    });
    const byLine = await app.http('GET', `/credit-notes/${d2Note}`, { key: TEST_KEYS.viewer });
    expect(byLine.body).toMatchObject({ amountMinor: 5_000, appliedMinor: 5_000, creditMinor: 0, lines: [expect.objectContaining({ description: 'Returned item', quantity: '1', unitPriceMinor: 5_000, totalMinor: 5_000 })] });
    const pdf = await fetch(`${app.url}/credit-notes/${d2Note}/pdf`, { headers: { authorization: `Bearer ${TEST_KEYS.viewer}` } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).toString('latin1')).toContain(`Gutschrift ${d2Note}`);
  });
});
