// The sync parser's own CsvError: csv-parse's main entry is a different module with its own class.
import { CsvError, parse } from 'csv-parse/sync';
import { type ParsedLine, Problems } from './parsed';

/** The columns of a CSV statement, in any order, each once. */
export const CSV_COLUMNS = ['date', 'amount', 'currency', 'reference', 'payer'] as const;

/**
 * Reads a CSV bank statement (`date,amount,currency,reference,payer`; amount a decimal string in
 * the currency, negative for money out). Throws 400 naming every bad line and field (the header is
 * line 1); a file with any problem is refused whole.
 */
export function parseCsvStatement(text: string): ParsedLine[] {
  const problems = new Problems();
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: false }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines ?? 1;
    problems.add(line, '(file)', `is not valid CSV: ${error.message}`);
    throw problems.refusal();
  }
  const [header, ...rows] = records;
  if (!header) {
    problems.add(1, '(header)', `is missing: the file needs the header ${CSV_COLUMNS.join(',')}`);
    throw problems.refusal();
  }
  const names = header.record.map((name) => name.trim().toLowerCase());
  const index = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) problems.add(1, name || '(header)', `is not a column of a statement (columns: ${CSV_COLUMNS.join(', ')})`);
    else if (index.has(name)) problems.add(1, name, 'is a column twice in the header');
    else index.set(name, i);
  }
  for (const column of CSV_COLUMNS) if (!index.has(column)) problems.add(1, column, 'is missing from the header');
  if (problems.any) throw problems.refusal();

  const cell = (record: string[], column: (typeof CSV_COLUMNS)[number]) => record[index.get(column) as number];
  const lines: ParsedLine[] = [];
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length !== names.length) {
      problems.add(line, '(row)', `has ${record.length} fields; the header has ${names.length}`);
      continue;
    }
    const date = problems.date(line, 'date', cell(record, 'date'));
    const currency = problems.currency(line, 'currency', cell(record, 'currency'));
    const amountMinor = problems.amount(line, 'amount', cell(record, 'amount'), currency);
    const reference = problems.text(line, 'reference', cell(record, 'reference'), 'reference');
    const payer = problems.text(line, 'payer', cell(record, 'payer'), 'payer');
    if (date === null || currency === null || amountMinor === null) continue;
    lines.push({ date, amountMinor, currency, reference, payer, bankReference: null, account: null });
  }
  if (problems.any) throw problems.refusal();
  if (lines.length === 0) {
    problems.add(2, '(file)', 'has no lines');
    throw problems.refusal();
  }
  return lines;
}
