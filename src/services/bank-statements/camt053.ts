import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type ParsedLine, Problems } from './parsed';

/**
 * Reads an ISO 20022 CAMT.053 bank-to-customer statement (any version: namespaces are dropped)
 * with fast-xml-parser. Each booked entry (Ntry) is a line; an entry with several transactions
 * (NtryDtls/TxDtls) is a line per transaction. Money in is CdtDbtInd CRDT, money out DBIT (a
 * negative amount). The remittance text is RmtInf/Ustrd and the structured creditor references
 * (Strd/CdtrRefInf/Ref); the payer is the debtor (RltdPties/Dbtr/Nm or Dbtr/Pty/Nm). A line's
 * identity is the bank's reference (AcctSvcrRef, else NtryRef, else EndToEndId). Problems name the
 * line of the file where the entry starts and the element.
 */

type Node = Record<string, unknown>;

const ARRAYS = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd', 'Strd', 'CdtrRefInf']);
const META = XMLParser.getMetaDataSymbol() as unknown as string;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  captureMetaData: true,
  isArray: (name) => ARRAYS.has(name),
});

const asNode = (value: unknown): Node | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined);
const asList = (value: unknown): Node[] => (Array.isArray(value) ? value.map(asNode).filter((n): n is Node => n !== undefined) : []);

/** The text of a leaf element (or of its #text when it has attributes). */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const node = asNode(value);
  const inner = node?.['#text'];
  return typeof inner === 'string' || typeof inner === 'number' ? String(inner) : undefined;
}

function path(node: Node | undefined, ...names: string[]): unknown {
  let value: unknown = node;
  for (const name of names) value = asNode(value)?.[name];
  return value;
}

const usable = (ref: string | undefined) => (ref && ref.trim() && ref.trim().toUpperCase() !== 'NOTPROVIDED' ? ref.trim() : undefined);

export function parseCamt053Statement(xml: string): ParsedLine[] {
  const problems = new Problems();
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    problems.add(valid.err.line, '(xml)', `is not well-formed XML: ${valid.err.msg}`);
    throw problems.refusal();
  }
  const lineStarts = [0];
  for (let i = xml.indexOf('\n'); i !== -1; i = xml.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (node: Node): number => {
    const start = (node[META] as { startIndex?: number } | undefined)?.startIndex ?? 0;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= start) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };

  const document = asNode(asNode(parser.parse(xml) as unknown)?.Document);
  const statement = asNode(document?.BkToCstmrStmt);
  if (!statement) {
    problems.add(1, 'Document/BkToCstmrStmt', 'is missing: the file is not a CAMT.053 statement');
    throw problems.refusal();
  }
  const lines: ParsedLine[] = [];
  for (const stmt of asList(statement.Stmt)) {
    const account = usable(text(path(stmt, 'Acct', 'Id', 'IBAN'))) ?? usable(text(path(stmt, 'Acct', 'Id', 'Othr', 'Id'))) ?? null;
    for (const entry of asList(stmt.Ntry)) {
      const at = lineOf(entry);
      const status = text(path(entry, 'Sts', 'Cd')) ?? text(entry.Sts);
      // Pending and information-only entries are not money booked yet: the statement that books them brings them.
      if (status !== undefined && status.trim().toUpperCase() !== 'BOOK') continue;
      const entryAmount = asNode(entry.Amt) ?? (typeof entry.Amt === 'string' ? { '#text': entry.Amt } : undefined);
      const entryCurrency = problems.currency(at, 'Ntry/Amt@Ccy', text(entryAmount?.['@Ccy']));
      const entrySign = sign(problems, at, 'Ntry/CdtDbtInd', text(entry.CdtDbtInd));
      const entryMinor = problems.amount(at, 'Ntry/Amt', text(entryAmount), entryCurrency);
      const date =
        text(path(entry, 'BookgDt', 'Dt')) !== undefined || text(path(entry, 'BookgDt', 'DtTm')) !== undefined
          ? problems.date(at, 'Ntry/BookgDt', dateOf(entry, 'BookgDt'))
          : problems.date(at, 'Ntry/BookgDt', dateOf(entry, 'ValDt'));
      const entryRef = usable(text(entry.AcctSvcrRef)) ?? usable(text(entry.NtryRef));
      const transactions = asList(entry.NtryDtls).flatMap((details) => asList(details.TxDtls));
      if (entryCurrency === null || entrySign === null || entryMinor === null || date === null) continue;
      if (entryMinor < 0) {
        problems.add(at, 'Ntry/Amt', 'must not be negative (CdtDbtInd says the direction)');
        continue;
      }
      const parts = transactions.length > 0 ? transactions : [undefined];
      for (const [i, tx] of parts.entries()) {
        const txAt = tx ? lineOf(tx) : at;
        let amountMinor = entryMinor;
        let currency = entryCurrency;
        let direction = entrySign;
        if (tx && parts.length > 1) {
          const txAmount = asNode(path(tx, 'Amt')) ?? asNode(path(tx, 'AmtDtls', 'TxAmt', 'Amt'));
          if (!txAmount) {
            problems.add(txAt, 'TxDtls/Amt', 'is required when an entry has several transactions');
            continue;
          }
          const c = problems.currency(txAt, 'TxDtls/Amt@Ccy', text(txAmount['@Ccy']));
          const a = problems.amount(txAt, 'TxDtls/Amt', text(txAmount), c);
          const d = text(tx.CdtDbtInd) === undefined ? entrySign : sign(problems, txAt, 'TxDtls/CdtDbtInd', text(tx.CdtDbtInd));
          if (c === null || a === null || d === null) continue;
          amountMinor = a;
          currency = c;
          direction = d;
        }
        const reference = problems.text(txAt, 'RmtInf', remittanceOf(tx), 'reference');
        const party = direction < 0 ? 'Cdtr' : 'Dbtr';
        const payer = problems.text(
          txAt,
          `RltdPties/${party}/Nm`,
          text(path(tx, 'RltdPties', party, 'Nm')) ?? text(path(tx, 'RltdPties', party, 'Pty', 'Nm')),
          'payer',
        );
        const txRef = usable(text(path(tx, 'Refs', 'AcctSvcrRef'))) ?? usable(text(path(tx, 'Refs', 'EndToEndId'))) ?? usable(text(path(tx, 'Refs', 'TxId')));
        const bankReference =
          parts.length === 1 ? (entryRef ?? txRef ?? null) : entryRef ? `${entryRef}/${txRef ?? String(i + 1)}` : (txRef ?? null);
        lines.push({ date, amountMinor: direction * amountMinor, currency, reference, payer, bankReference, account });
      }
    }
  }
  if (problems.any) throw problems.refusal();
  if (lines.length === 0) {
    problems.add(1, 'Ntry', 'has no booked entries');
    throw problems.refusal();
  }
  return lines;
}

function sign(problems: Problems, line: number, field: string, indicator: string | undefined): 1 | -1 | null {
  const value = (indicator ?? '').trim().toUpperCase();
  if (value === 'CRDT') return 1;
  if (value === 'DBIT') return -1;
  problems.add(line, field, value ? `"${value.slice(0, 10)}" is neither CRDT nor DBIT` : 'is required');
  return null;
}

/** The booking (or value) date's day; a date-time keeps its day as written. */
function dateOf(entry: Node, element: 'BookgDt' | 'ValDt'): string | undefined {
  return text(path(entry, element, 'Dt')) ?? text(path(entry, element, 'DtTm'))?.slice(0, 10);
}

/** Unstructured remittance lines and structured creditor references, as one text. */
function remittanceOf(tx: Node | undefined): string | undefined {
  const info = asNode(path(tx, 'RmtInf'));
  if (!info) return undefined;
  const parts: string[] = [];
  for (const line of Array.isArray(info.Ustrd) ? info.Ustrd : []) {
    const t = text(line);
    if (t) parts.push(t);
  }
  for (const structured of asList(info.Strd)) {
    for (const ref of asList(structured.CdtrRefInf)) {
      const t = text(ref.Ref);
      if (t) parts.push(t);
    }
    const additional = text(structured.AddtlRmtInf);
    if (additional) parts.push(additional);
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}
