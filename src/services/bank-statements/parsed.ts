import { isCurrencyCode, MoneyError, parseDecimalToMinor } from '../../domain/money';
import type { BankLine } from '../../domain/payment-matching';
import { textProblem } from '../../domain/text';
import { AppError, ErrorCode } from '../../errors';

/** A statement line as a parser read it: the bank's line, and what identifies it. */
export interface ParsedLine extends BankLine {
  /** The bank's own reference for the line (CAMT.053 AcctSvcrRef, NtryRef, EndToEndId); null in CSV. */
  bankReference: string | null;
  /** The statement's account (IBAN or other id) when the file names it. */
  account: string | null;
}

/** One problem of a file: the line of the file (1-based) and the field. */
export interface StatementProblem {
  line: number;
  field: string;
  message: string;
}

/** Problems listed in a 400; the file is refused whole either way. */
const REPORTED_PROBLEMS = 100;
const MAX_REFERENCE = 1_000;
const MAX_PAYER = 300;

/**
 * Collects a file's problems while it is read, and refuses the file when there are any: a bad line
 * anywhere means nothing of the file is applied (a statement is all or nothing).
 */
export class Problems {
  readonly list: StatementProblem[] = [];

  add(line: number, field: string, message: string): void {
    if (this.list.length < REPORTED_PROBLEMS) this.list.push({ line, field, message });
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  /** 400 naming each line and field; `problems` repeats them as {line, field, message} like an import's rejections. */
  refusal(): AppError {
    const first = this.list[0] as StatementProblem;
    return new AppError({
      code: ErrorCode.validationFailed,
      message: `line ${first.line}, ${first.field}: ${first.message}; nothing of the statement was applied`,
      details: this.list.map((p) => ({ path: `line ${p.line}.${p.field}`, message: p.message })),
      extra: { problems: this.list },
    });
  }

  /** The date as YYYY-MM-DD if it is a real calendar day. */
  date(line: number, field: string, text: string | undefined): string | null {
    const value = (text ?? '').trim();
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const day = match ? new Date(`${value}T00:00:00Z`) : null;
    if (!match || !day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
      this.add(line, field, value ? `"${value.slice(0, 40)}" is not a date (YYYY-MM-DD)` : 'is required');
      return null;
    }
    return value;
  }

  currency(line: number, field: string, text: string | undefined): string | null {
    const value = (text ?? '').trim();
    if (!isCurrencyCode(value)) {
      this.add(line, field, value ? `"${value.slice(0, 10)}" is not an ISO 4217 currency code` : 'is required');
      return null;
    }
    return value;
  }

  /** A decimal amount in minor units of `currency` (the currency's exponent, no rounding). */
  amount(line: number, field: string, text: string | undefined, currency: string | null): number | null {
    const value = (text ?? '').trim();
    if (!value) {
      this.add(line, field, 'is required');
      return null;
    }
    if (!currency) return null;
    try {
      return parseDecimalToMinor(value, currency);
    } catch (error) {
      if (error instanceof MoneyError) {
        this.add(line, field, error.message);
        return null;
      }
      throw error;
    }
  }

  /** Optional one-line text: empty is null; control characters or NUL refuse the file. */
  text(line: number, field: string, text: string | undefined, kind: 'reference' | 'payer'): string | null {
    const value = (text ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
    if (!value) return null;
    const max = kind === 'reference' ? MAX_REFERENCE : MAX_PAYER;
    if (value.length > max) {
      this.add(line, field, `is longer than ${max} characters`);
      return null;
    }
    const problem = textProblem(value, 'single-line');
    if (problem) {
      this.add(line, field, problem);
      return null;
    }
    return value;
  }
}
