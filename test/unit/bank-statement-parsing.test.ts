import { AppError } from '../../src/errors';
import { identifyLines, parseStatement } from '../../src/services/bank-statements';

function refusal(run: () => unknown): { message: string; problems: { line: number; field: string; message: string }[] } {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return { message: error.message, problems: error.extra.problems as never };
    throw error;
  }
  throw new Error('expected a refusal');
}

const CSV = ['date,amount,currency,reference,payer', '2026-02-01,100.00,EUR,INV-2026-000001,Acme GmbH', '2026-02-01,-12.5,EUR,Fees,', '2026-02-02,1000,JPY,"a, b",'].join('\n');

describe('CSV statements', () => {
  test('when the file is good, then every line is read with its amount in minor units of its currency, money out negative', () => {
    expect(parseStatement('csv', CSV)).toEqual([
      { date: '2026-02-01', amountMinor: 10000, currency: 'EUR', reference: 'INV-2026-000001', payer: 'Acme GmbH', bankReference: null, account: null },
      { date: '2026-02-01', amountMinor: -1250, currency: 'EUR', reference: 'Fees', payer: null, bankReference: null, account: null },
      { date: '2026-02-02', amountMinor: 1000, currency: 'JPY', reference: 'a, b', payer: null, bankReference: null, account: null },
    ]);
  });

  test.each([
    ['a bad amount', CSV.replace('100.00', '100.001'), 2, 'amount'],
    ['an amount with a comma', CSV.replace('-12.5', '"-12,5"'), 3, 'amount'],
    ['a day that does not exist', CSV.replace('2026-02-02', '2026-02-30'), 4, 'date'],
    ['a currency that is not ISO 4217', CSV.replace('JPY', 'YEN'), 4, 'currency'],
    ['a wrong header', CSV.replace('payer', 'name'), 1, 'name'],
    ['a NUL in a reference', CSV.replace('Fees', 'Fe\u0000es'), 3, 'reference'],
    ['a quote opening mid-file (not CSV at all)', '{"a": 1}\n', 1, '(file)'],
  ])('when the file has %s, then it is refused naming the line and field', (_what, text, line, field) => {
    const { message, problems } = refusal(() => parseStatement('csv', text));
    expect(problems[0]).toMatchObject({ line, field });
    expect(message).toContain('nothing of the statement was applied');
  });
});

const camt = (entries: string) => `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
${entries}
</Stmt></BkToCstmrStmt></Document>`;

describe('CAMT.053 statements', () => {
  test('when entries are credits, debits and an entry of two transactions, then each transaction is a line with its reference, payer and identity', () => {
    const lines = parseStatement(
      'camt.053',
      camt(`
<Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-02-01</Dt></BookgDt><AcctSvcrRef>REF-1</AcctSvcrRef>
  <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties><RmtInf><Ustrd>INV-2026-000001</Ustrd><Ustrd>thanks</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><DtTm>2026-02-02T10:00:00+01:00</DtTm></BookgDt><NtryRef>N-2</NtryRef></Ntry>
<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts><BookgDt><Dt>2026-02-02</Dt></BookgDt></Ntry>
<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><ValDt><Dt>2026-02-03</Dt></ValDt><AcctSvcrRef>REF-3</AcctSvcrRef><NtryDtls>
  <TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs><Amt Ccy="EUR">10.00</Amt><RltdPties><Dbtr><Pty><Nm>Globex</Nm></Pty></Dbtr></RltdPties><RmtInf><Strd><CdtrRefInf><Ref>INV-2026-000002</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
  <TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs><Amt Ccy="EUR">20.00</Amt></TxDtls>
</NtryDtls></Ntry>`),
    );
    const account = 'DE89370400440532013000';
    expect(lines).toEqual([
      { date: '2026-02-01', amountMinor: 10000, currency: 'EUR', reference: 'INV-2026-000001 thanks', payer: 'Acme GmbH', bankReference: 'REF-1', account },
      { date: '2026-02-02', amountMinor: -1200, currency: 'EUR', reference: null, payer: null, bankReference: 'N-2', account },
      { date: '2026-02-03', amountMinor: 1000, currency: 'EUR', reference: 'INV-2026-000002', payer: 'Globex', bankReference: 'REF-3/E1', account },
      { date: '2026-02-03', amountMinor: 2000, currency: 'EUR', reference: null, payer: null, bankReference: 'REF-3/E2', account },
    ]);
  });

  test.each([
    ['XML that is not well-formed', camt('<Ntry><Amt Ccy="EUR">1.00</Amt>'), '(xml)'],
    ['an amount with a comma', camt('<Ntry><Amt Ccy="EUR">1,00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-02-01</Dt></BookgDt></Ntry>'), 'Ntry/Amt'],
    ['no currency', camt('<Ntry><Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-02-01</Dt></BookgDt></Ntry>'), 'Ntry/Amt@Ccy'],
    ['no direction', camt('<Ntry><Amt Ccy="EUR">1.00</Amt><BookgDt><Dt>2026-02-01</Dt></BookgDt></Ntry>'), 'Ntry/CdtDbtInd'],
    ['no date', camt('<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>'), 'Ntry/BookgDt'],
    ['another document', '<Document><Other/></Document>', 'Document/BkToCstmrStmt'],
  ])('when the file has %s, then it is refused naming the element', (_what, xml, field) => {
    expect(refusal(() => parseStatement('camt.053', xml)).problems[0]).toMatchObject({ field, line: expect.any(Number) });
  });

  test('when a bad amount is on line 5 of the file, then the problem names line 5', () => {
    const xml = camt('\n<Ntry>\n<Amt Ccy="EUR">x</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-02-01</Dt></BookgDt></Ntry>');
    expect(refusal(() => parseStatement('camt.053', xml)).problems[0]).toMatchObject({ line: 5, field: 'Ntry/Amt' });
  });
});

describe('line identity', () => {
  test('when two identical lines are in one file, then they are two lines, and the same file again gives the same ids', () => {
    const text = ['date,amount,currency,reference,payer', '2026-02-01,10.00,EUR,x,y', '2026-02-01,10.00,EUR,x,y'].join('\n');
    const first = identifyLines(parseStatement('csv', text)).map((l) => l.id);
    expect(new Set(first).size).toBe(2);
    expect(identifyLines(parseStatement('csv', text)).map((l) => l.id)).toEqual(first);
  });

  test('when a line has a bank reference, then that is its identity, scoped by account', () => {
    const base = { date: '2026-02-01', amountMinor: 1, currency: 'EUR', reference: null, payer: null, bankReference: 'R1' };
    const [a] = identifyLines([{ ...base, account: 'A' }]);
    const [b] = identifyLines([{ ...base, amountMinor: 2, account: 'A' }]);
    const [c] = identifyLines([{ ...base, account: 'B' }]);
    expect(a?.id).toBe(b?.id);
    expect(a?.id).not.toBe(c?.id);
  });
});
