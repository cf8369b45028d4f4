import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Bank reconciliation over real HTTP against PostgreSQL and Temporal: a CSV and a CAMT.053
 * statement with exact, partial, over, multi-invoice, payer-matched, unmatched and outgoing lines,
 * each uploaded twice at once and then again, leave every invoice's balance and every customer's
 * credit as computed by hand; a malformed file is a 400 that applies nothing; the queue's match and
 * ignore, each clicked twice at once, act once; a worker restarted while a statement is applied
 * records no payment twice.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

let unique = 0;
const keys = () => `r${(unique += 1)}${Math.random().toString(36).slice(2, 7)}`;
const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function importCsv(kind: string, body: string): Promise<void> {
  const res = await app.http('POST', `/imports/${kind}`, { key: TEST_KEYS.operator, rawBody: body, headers: { 'content-type': 'text/csv' } });
  expect(res.status).toBe(200);
  expect(res.body.rejectedRows).toBe(0);
}

interface Book {
  k: string;
  /** Invoice number of each short name. */
  number: (name: string) => string;
  customer: (name: string) => string;
}

/**
 * Customers Acme GmbH, Globex Ltd and Initech Inc (names made unique per test) and open invoices:
 * exact 100.00, partial 200.00, over 80.00, M1 30.00 (issued 10 Jan) and M2 40.00 (issued 5 Jan),
 * Globex's G1 123.45, Initech's U1 55.55.
 */
async function seedBook(): Promise<Book> {
  const k = keys();
  await importCsv(
    'customers',
    csv(
      'externalId,name,email,currency,paymentTermsDays,taxRateBps,locale,approval',
      `${k}-acme,Acme ${k} GmbH,ap@acme-${k}.test,EUR,30,0,en,policy`,
      `${k}-globex,Globex ${k} Ltd,ap@globex-${k}.test,EUR,30,0,en,policy`,
      `${k}-initech,Initech ${k} Inc,ap@initech-${k}.test,EUR,30,0,en,policy`,
    ),
  );
  const due = inDays(30);
  const invoice = (name: string, customer: string, issued: string, total: string) => `${k}-${name},${k}-${customer},OLD-${k}-${name}-0001,${issued},${due},EUR,${total},0,Services`;
  await importCsv(
    'invoices',
    csv(
      'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description',
      invoice('exact', 'acme', '2026-01-01', '100.00'),
      invoice('partial', 'acme', '2026-01-02', '200.00'),
      invoice('over', 'acme', '2026-01-03', '80.00'),
      invoice('m1', 'acme', '2026-01-10', '30.00'),
      invoice('m2', 'acme', '2026-01-05', '40.00'),
      invoice('g1', 'globex', '2026-01-04', '123.45'),
      invoice('u1', 'initech', '2026-01-04', '55.55'),
    ),
  );
  return { k, number: (name) => `OLD-${k}-${name}-0001`, customer: (name) => `${k}-${name}` };
}

/** The balances a correct reconciliation leaves (minor units): paid per invoice, credit per customer. */
async function balances(book: Book) {
  const invoices = await db.sql<{ number: string; status: string; amount_paid_minor: string; payments: number }[]>`
    select i.number, i.status, i.amount_paid_minor,
           (select count(*)::int from payments p where p.invoice_id = i.id and p.reference like 'bank:%') as payments
    from invoices i
    where i.number like ${`OLD-${book.k}-%`}`;
  const credits = await db.sql<{ external_id: string; credit: string }[]>`
    select c.external_id, coalesce(sum(cc.amount_minor), 0) as credit
    from customers c
    left join customer_credits cc on cc.customer_id = c.id
    where c.external_id like ${`${book.k}-%`}
    group by c.external_id`;
  return {
    invoices: Object.fromEntries(invoices.map((i) => [i.number.split('-')[2], { status: i.status, paid: Number(i.amount_paid_minor), payments: i.payments }])),
    credits: Object.fromEntries(credits.map((c) => [c.external_id.split('-')[1], Number(c.credit)])),
  };
}

/** What the seven lines of each statement leave, worked out by hand. */
const EXPECTED = {
  invoices: {
    exact: { status: 'paid', paid: 10000, payments: 1 },
    partial: { status: 'open', paid: 5000, payments: 1 },
    over: { status: 'paid', paid: 8000, payments: 1 },
    // 80.00 for "m1 and m2": the older m2 takes its 40.00, m1 its 30.00 and the 10.00 left over.
    m2: { status: 'paid', paid: 4000, payments: 1 },
    m1: { status: 'paid', paid: 3000, payments: 1 },
    g1: { status: 'paid', paid: 12345, payments: 1 },
    u1: { status: 'open', paid: 0, payments: 0 },
  },
  // Over-payments: 20.00 on "over", 10.00 on m1.
  credits: { acme: 3000, globex: 0, initech: 0 },
};

function csvStatement(book: Book): string {
  return csv(
    'date,amount,currency,reference,payer',
    `2026-02-01,100.00,EUR,Invoice ${book.number('exact')},Acme ${book.k} GmbH`,
    `2026-02-01,50.00,EUR,"Part of ${book.number('partial')}, rest follows",Acme ${book.k} GmbH`,
    `2026-02-02,100.00,EUR,${book.number('over')}.,ACME ${book.k}`,
    `2026-02-02,80.00,EUR,"${book.number('m1')} and ${book.number('m2')}",Acme ${book.k} GmbH`,
    `2026-02-03,123.45,EUR,,"globex ${book.k}, Limited"`,
    `2026-02-03,55.55,EUR,thanks for everything,Somebody Else`,
    `2026-02-04,-12.00,EUR,Bank fees,`,
  );
}

function camtStatement(book: Book): string {
  const entry = (ref: string, amount: string, indicator: 'CRDT' | 'DBIT', date: string, details: string) => `
      <Ntry>
        <NtryRef>${ref}</NtryRef>
        <Amt Ccy="EUR">${amount}</Amt>
        <CdtDbtInd>${indicator}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${date}</Dt></BookgDt>
        <ValDt><Dt>${date}</Dt></ValDt>
        <AcctSvcrRef>${book.k}-${ref}</AcctSvcrRef>
        <NtryDtls>${details}</NtryDtls>
      </Ntry>`;
  const tx = (payer: string | null, remittance: string, extra = '') => `
          <TxDtls>
            ${extra}
            ${payer ? `<RltdPties><Dbtr><Pty><Nm>${payer}</Nm></Pty></Dbtr></RltdPties>` : ''}
            ${remittance}
          </TxDtls>`;
  const ustrd = (text: string) => `<RmtInf><Ustrd>${text}</Ustrd></RmtInf>`;
  const strd = (ref: string) => `<RmtInf><Strd><CdtrRefInf><Ref>${ref}</Ref></CdtrRefInf></Strd></RmtInf>`;
  // Entry 4 carries two transactions (the exact payment and the over-payment), each its own line.
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${book.k}</MsgId><CreDtTm>2026-02-05T08:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${book.k}-stmt</Id>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
      ${entry('E1', '50.00', 'CRDT', '2026-02-01', tx(`Acme ${book.k} GmbH`, strd(book.number('partial'))))}
      ${entry('E2', '80.00', 'CRDT', '2026-02-02', tx(`Acme ${book.k} GmbH`, ustrd(`Rechnungen ${book.number('m2')} / ${book.number('m1')}`)))}
      ${entry('E3', '123.45', 'CRDT', '2026-02-03', tx(`Globex ${book.k} Ltd.`, ustrd('Payment')))}
      ${entry(
        'E4',
        '200.00',
        'CRDT',
        '2026-02-03',
        tx(`Acme ${book.k} GmbH`, ustrd(`Invoice ${book.number('exact')}`), '<Refs><EndToEndId>E2E-1</EndToEndId></Refs><Amt Ccy="EUR">100.00</Amt>') +
          tx(`Acme ${book.k} GmbH`, ustrd(`Invoice ${book.number('over')}`), '<Refs><EndToEndId>E2E-2</EndToEndId></Refs><Amt Ccy="EUR">100.00</Amt>'),
      )}
      ${entry('E5', '55.55', 'CRDT', '2026-02-04', tx('Somebody Else', ustrd('thanks for everything')))}
      ${entry('E6', '12.00', 'DBIT', '2026-02-04', '<TxDtls><RltdPties><Cdtr><Nm>The Bank</Nm></Cdtr></RltdPties>' + ustrd('Fees') + '</TxDtls>')}
    </Stmt>
  </BkToCstmrStmt>
</Document>`;
}

const upload = (body: string, type: string, key: string = TEST_KEYS.operator) => app.http('POST', '/bank-statements', { key, rawBody: body, headers: { 'content-type': type } });

async function settled(statementId: string): Promise<void> {
  await eventually(async () => {
    const res = await app.http('GET', `/bank-statements/${statementId}`, { key: TEST_KEYS.viewer });
    return res.body.status === 'done' ? true : undefined;
  }, 60_000);
}

/** Uploads `body` twice at once, then once more: one upload takes every line, the others find duplicates. */
async function uploadThreeTimes(body: string, type: string, lines: number, counts: { matched: number; unmatched: number; ignored: number }) {
  const twice = await Promise.all([upload(body, type), upload(body, type)]);
  for (const res of twice) expect(res.status).toBe(200);
  const [first, second] = twice.map((r) => r.body).sort((a, b) => a.duplicates - b.duplicates);
  expect(first).toEqual({ id: expect.stringMatching(/^bst_/), lines, ...counts, duplicates: 0 });
  expect(second).toEqual({ id: expect.stringMatching(/^bst_/), lines, matched: 0, unmatched: 0, ignored: 0, duplicates: lines });
  await settled(first.id);
  const again = await upload(body, type);
  expect(again.body).toEqual({ id: expect.stringMatching(/^bst_/), lines, matched: 0, unmatched: 0, ignored: 0, duplicates: lines });
  return first.id as string;
}

describe('uploading statements', () => {
  test('when a CSV statement is uploaded twice at once and then again, then each line is applied once and every balance and credit is right', async () => {
    const book = await seedBook();
    const id = await uploadThreeTimes(csvStatement(book), 'text/csv', 7, { matched: 5, unmatched: 1, ignored: 1 });
    await settled(id);
    expect(await balances(book)).toEqual(EXPECTED);
    const statement = (await app.http('GET', `/bank-statements/${id}`, { key: TEST_KEYS.viewer })).body;
    expect(statement).toMatchObject({ status: 'done', lines: 7, matched: 5, progress: { applied: 5, unmatched: 1, ignored: 1, matched: 0, new: 0 } });
    // The payment is the bank's, on the line's booking date, by transfer.
    const [payment] = await db.sql<{ reference: string; method: string; recorded_by: string; received_at: Date }[]>`
      select p.reference, p.method, p.recorded_by, p.received_at from payments p join invoices i on i.id = p.invoice_id where i.number = ${book.number('exact')}`;
    expect(payment).toMatchObject({ reference: expect.stringMatching(/^bank:bsl_/), method: 'bank_transfer', recorded_by: 'system:bank' });
    expect(payment?.received_at.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  test('when a CAMT.053 statement is uploaded twice at once and then again, then each line (two transactions of one entry are two) is applied once and every balance is right', async () => {
    const book = await seedBook();
    const id = await uploadThreeTimes(camtStatement(book), 'application/xml', 7, { matched: 5, unmatched: 1, ignored: 1 });
    await settled(id);
    expect(await balances(book)).toEqual(EXPECTED);
  });

  test('when several lines, in one statement and in the next uploaded at once after it, name the same invoices, then each pays what the lines before it left due', async () => {
    const book = await seedBook();
    const names = `${book.number('m1')} ${book.number('m2')}`;
    // m2 (40.00) is older than m1 (30.00): 40.00 pays m2, then 10.00 and 20.00 pay m1, not m2 again.
    const first = await upload(csv('date,amount,currency,reference,payer', `2026-02-01,40.00,EUR,${names},`, `2026-02-01,10.00,EUR,${names},`), 'text/csv');
    const second = await upload(csv('date,amount,currency,reference,payer', `2026-02-02,20.00,EUR,${names},`), 'text/csv');
    expect([first.body.matched, second.body.matched]).toEqual([2, 1]);
    await settled(first.body.id);
    await settled(second.body.id);
    const { invoices, credits } = await balances(book);
    expect(invoices.m2).toEqual({ status: 'paid', paid: 4000, payments: 1 });
    expect(invoices.m1).toEqual({ status: 'paid', paid: 3000, payments: 2 });
    expect(credits.acme).toBe(0);
  });

  test('when a file is malformed anywhere, then it is a 400 naming the line and the field, and nothing of it is stored or applied', async () => {
    const book = await seedBook();
    const good = csvStatement(book).split('\r\n');
    const badAmount = [...good.slice(0, 3), `2026-02-02,12.345,EUR,${book.number('over')},Acme`, ...good.slice(4)].join('\r\n');
    const statementsBefore = await db.sql<{ n: number }[]>`select count(*)::int as n from bank_statements`;
    const refusals = [
      { body: badAmount, type: 'text/csv', line: 4, field: 'amount' },
      { body: good.join('\r\n').replace('2026-02-03,123.45', '2026-02-30,123.45'), type: 'text/csv', line: 6, field: 'date' },
      { body: good.join('\r\n').replace('55.55,EUR', '55.55,EURO'), type: 'text/csv', line: 7, field: 'currency' },
      { body: good.join('\r\n').replace('date,amount', 'day,amount'), type: 'text/csv', line: 1, field: 'day' },
      { body: camtStatement(book).replace('<Amt Ccy="EUR">80.00</Amt>', '<Amt Ccy="EUR">80,00</Amt>'), type: 'application/xml', field: 'Ntry/Amt' },
      { body: camtStatement(book).replace('</Stmt>', ''), type: 'application/xml', field: '(xml)' },
    ];
    for (const refusal of refusals) {
      const res = await upload(refusal.body, refusal.type);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      const problem = res.body.error.problems[0];
      expect(problem.field).toBe(refusal.field);
      if (refusal.line) expect(problem.line).toBe(refusal.line);
      expect(res.body.error.message).toContain('nothing of the statement was applied');
    }
    const statementsAfter = await db.sql<{ n: number }[]>`select count(*)::int as n from bank_statements`;
    expect(statementsAfter[0]?.n).toBe(statementsBefore[0]?.n);
    expect((await balances(book)).invoices.exact).toEqual({ status: 'open', paid: 0, payments: 0 });
    // Neither JSON nor another type is a statement; a viewer may not upload.
    expect((await upload('{}', 'application/json')).status).toBe(415);
    expect((await upload(csvStatement(book), 'text/csv', TEST_KEYS.viewer)).status).toBe(403);
  });
});

describe('the queue of unmatched lines', () => {
  test('when two people match the same line at once, then it is applied once; when two ignore another at once, one succeeds and the other is told', async () => {
    const book = await seedBook();
    const k = book.k;
    const res = await upload(
      csv('date,amount,currency,reference,payer', `2026-03-01,55.55,EUR,thanks ${k},Somebody Else`, `2026-03-02,9.99,EUR,refund? ${k},Nobody`),
      'text/csv',
    );
    expect(res.body).toMatchObject({ lines: 2, matched: 0, unmatched: 2 });
    const queue = (await app.http('GET', '/reconciliation/unmatched?limit=1000', { key: TEST_KEYS.viewer })).body as any[];
    const thanks = queue.find((l) => l.reference === `thanks ${k}`);
    const nobody = queue.find((l) => l.reference === `refund? ${k}`);
    expect(thanks).toMatchObject({ date: '2026-03-01', amountMinor: 5555, currency: 'EUR', payer: 'Somebody Else', reason: expect.any(String) });
    const [u1] = await db.sql<{ id: string }[]>`select id from invoices where number = ${book.number('u1')}`;
    expect(thanks.candidates).toContainEqual({ invoiceId: u1?.id, number: book.number('u1'), status: 'open', amountDueMinor: 5555, reason: 'same_amount' });

    expect((await app.http('POST', `/reconciliation/unmatched/${thanks.lineId}/match`, { key: TEST_KEYS.viewer, body: { invoiceIds: [u1?.id] } })).status).toBe(403);
    expect((await app.http('POST', `/reconciliation/unmatched/${thanks.lineId}/match`, { key: TEST_KEYS.operator, body: { invoiceIds: ['inv_nope'] } })).status).toBe(400);
    const matches = await Promise.all(
      [0, 1].map(() => app.http('POST', `/reconciliation/unmatched/${thanks.lineId}/match`, { key: TEST_KEYS.operator, body: { invoiceIds: [u1?.id] } })),
    );
    expect(matches.map((m) => m.status).sort()).toEqual([200, 409]);
    const won = matches.find((m) => m.status === 200)?.body;
    expect(won).toEqual({ lineId: thanks.lineId, status: 'applied', payments: [{ invoiceId: u1?.id, amountMinor: 5555, status: 'applied', message: null }] });
    expect((await balances(book)).invoices.u1).toEqual({ status: 'paid', paid: 5555, payments: 1 });

    const ignores = await Promise.all(
      [0, 1].map(() => app.http('POST', `/reconciliation/unmatched/${nobody.lineId}/ignore`, { key: TEST_KEYS.operator, body: { reason: 'a test transfer' } })),
    );
    expect(ignores.map((m) => m.status).sort()).toEqual([200, 409]);
    const after = (await app.http('GET', '/reconciliation/unmatched?limit=1000', { key: TEST_KEYS.viewer })).body as any[];
    expect(after.map((l) => l.lineId)).not.toContain(thanks.lineId);
    expect(after.map((l) => l.lineId)).not.toContain(nobody.lineId);
    expect((await app.http('POST', `/reconciliation/unmatched/${nobody.lineId}/match`, { key: TEST_KEYS.operator, body: { invoiceIds: [u1?.id] } })).status).toBe(409);
    expect((await app.http('POST', '/reconciliation/unmatched/bsl_unknown/ignore', { key: TEST_KEYS.operator, body: { reason: 'x' } })).status).toBe(404);
  });
});

describe('a worker restart', () => {
  test('when the worker restarts while a statement is being applied, then every line is applied once', async () => {
    const k = keys();
    const count = 30;
    await importCsv('customers', csv('externalId,name,email,currency,paymentTermsDays,taxRateBps,locale,approval', `${k}-c,Restart ${k} AG,ap@${k}.test,EUR,30,0,en,policy`));
    await importCsv(
      'invoices',
      csv(
        'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description',
        ...Array.from({ length: count }, (_, i) => `${k}-${i},${k}-c,OLD-${k}-${i}-0001,2026-01-01,${inDays(30)},EUR,${10 + i}.00,0,Services`),
      ),
    );
    const statement = csv('date,amount,currency,reference,payer', ...Array.from({ length: count }, (_, i) => `2026-02-01,${10 + i}.00,EUR,OLD-${k}-${i}-0001,Restart ${k}`));
    const res = await upload(statement, 'text/csv');
    expect(res.body).toMatchObject({ lines: count, matched: count });
    await app.restartWorker();
    await settled(res.body.id);
    const rows = await db.sql<{ status: string; payments: number }[]>`
      select i.status, (select count(*)::int from payments p where p.invoice_id = i.id) as payments
      from invoices i where i.number like ${`OLD-${k}-%`}`;
    expect(rows).toHaveLength(count);
    for (const row of rows) expect(row).toEqual({ status: 'paid', payments: 1 });
  }, 120_000);
});
