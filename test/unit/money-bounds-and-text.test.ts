import fc from 'fast-check';
import postgres from 'postgres';
import { ApplicationFailure } from '@temporalio/common';
import { classifyDatabaseError } from '../../activities/database-failures';
import { RefusedWrite } from '../../src/db/client';
import { parseIsoDuration } from '../../src/domain/duration';
import { DomainError } from '../../src/domain/errors';
import { initialInvoiceState, splitPayment } from '../../src/domain/invoice';
import { priceLines } from '../../src/domain/lines';
import { MAX_AMOUNT_MINOR, parseDecimalToMinor } from '../../src/domain/money';
import { findUnstorableText, storableText, textProblem } from '../../src/domain/text';
import { sampleDraft, TOTAL } from '../support/invoices';

describe('the largest amount billflow accepts', () => {
  const line = (over: object) => ({ description: 'x', quantity: '1', unitPriceMinor: 1, taxRateBps: 0, ...over });
  test.each([
    [[line({ quantity: '100000000000000000000' })], 'lines.0.quantity'],
    [[line({ unitPriceMinor: MAX_AMOUNT_MINOR + 1 })], 'lines.0.unitPriceMinor'],
    [[line({ quantity: '2', unitPriceMinor: 6e14 })], 'lines.0.quantity'],
    [[line({ unitPriceMinor: MAX_AMOUNT_MINOR, taxRateBps: 1900 })], 'lines.0.taxRateBps'],
    [[line({ unitPriceMinor: 6e14 }), line({ unitPriceMinor: 6e14 })], 'lines'],
  ])('when lines are %j, then the refusal names %s', (lines, path) => {
    const error = (() => {
      try {
        priceLines(lines, false);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).path).toBe(path);
  });

  test('when the largest amount is priced, then it is accepted exactly', () => {
    expect(priceLines([line({ unitPriceMinor: MAX_AMOUNT_MINOR })], false)[0]?.totalMinor).toBe(MAX_AMOUNT_MINOR);
    expect(parseDecimalToMinor('10000000000000.00', 'EUR')).toBe(MAX_AMOUNT_MINOR);
    expect(() => parseDecimalToMinor('10000000000000.01', 'EUR')).toThrow(/10\^15/);
  });

  test('when a dunning offset is longer than ten years, then it is refused', () => {
    expect(parseIsoDuration('P3650D')).toBe(3650 * 86_400_000);
    expect(() => parseIsoDuration('P3651D')).toThrow(/3650 days/);
    expect(() => parseIsoDuration('P99999999999D')).toThrow(/3650 days/);
  });
});

describe('payments split against the balance', () => {
  test('when any sequence of payments is applied, then applied never exceeds the total and applied + credit equals what was received', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 * TOTAL }), { maxLength: 8 }), (amounts) => {
        const state = initialInvoiceState(sampleDraft('inv_1'));
        let credit = 0;
        for (const amount of amounts) {
          const split = splitPayment(state, amount);
          expect(split.appliedMinor + split.creditMinor).toBe(amount);
          state.amountPaidMinor += split.appliedMinor;
          credit += split.creditMinor;
        }
        expect(state.amountPaidMinor).toBeLessThanOrEqual(TOTAL);
        expect(state.amountPaidMinor + credit).toBe(amounts.reduce((a, b) => a + b, 0));
      }),
    );
  });
});

describe('text billflow stores', () => {
  test.each([
    ['r\u0000', 'single-line', /NUL/],
    ['Acme \ud800', 'single-line', /lone UTF-16 surrogate/],
    ['Acme \u202Egnp.exe', 'single-line', /bidirectional/],
    ['Acme\r\nBcc: x', 'single-line', /single line/],
    ['Acme\u001b[31m', 'multi-line', /U\+001B/],
  ] as const)('when text is %j (%s), then it is refused', (text, kind, problem) => {
    expect(textProblem(text, kind)).toMatch(problem);
  });

  test('when text is acceptable, then it is stored in NFC, multi-line CR LF as LF, emoji and accents kept', () => {
    expect(storableText('Cafe\u0301 😀', 'single-line')).toBe('Café 😀');
    expect(storableText('line 1\r\nline 2\tend', 'multi-line')).toBe('line 1\nline 2\tend');
  });

  test('when a body holds NUL anywhere, then the first such field is named, keys included', () => {
    expect(findUnstorableText({ lines: [{ description: 'ok' }, { description: 'x\u0000' }] })).toEqual({ path: 'lines.1.description', message: 'contains a NUL character' });
    expect(findUnstorableText({ ['k\u0000']: 1 })?.path).toBe('k\u0000');
    expect(findUnstorableText({ a: ['fine', 1, null] })).toBeNull();
  });
});

describe('database failures', () => {
  const pgError = (code: string) => Object.assign(Object.create(postgres.PostgresError.prototype) as Error, { code, message: `pg ${code}` });

  test.each([
    ['22021', 'validation_failed'],
    ['23514', 'validation_failed'],
    ['42703', 'internal'],
  ])('when PostgreSQL answers %s, then the activity fails for good with type %s', (code, type) => {
    const failure = classifyDatabaseError(pgError(code));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, nonRetryable: true });
  });

  test('when the failure is transient (a lost connection, a serialisation failure), then it is left to retries', () => {
    for (const error of [pgError('40001'), pgError('57P01'), Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })]) {
      expect(classifyDatabaseError(error)).toBe(error);
    }
  });

  test('when a credit balance would pass 2^53, then the refusal is permanent', () => {
    expect(classifyDatabaseError(new RefusedWrite('too much credit'))).toMatchObject({ type: 'validation_failed', nonRetryable: true });
  });
});
