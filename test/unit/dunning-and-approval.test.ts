import { decideApproval } from '../../src/domain/approval';
import { DurationError, parseIsoDuration } from '../../src/domain/duration';
import { DEFAULT_DUNNING_POLICY, lateFeeMinor, scheduleDunning } from '../../src/domain/dunning';
import { allowedStatuses, INVOICE_STATUSES, isAllowed, isTerminal } from '../../src/domain/invoice';

const DAY = 86_400_000;

describe('ISO 8601 durations', () => {
  test.each([
    ['P7D', 7 * DAY],
    ['-P3D', -3 * DAY],
    ['PT2S', 2000],
    ['PT1.5S', 1500],
    ['P1DT12H', 1.5 * DAY],
    ['P2W', 14 * DAY],
    ['PT90M', 90 * 60_000],
  ])('when "%s" is parsed, then it is %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  test.each(['P', 'PT', '7D', 'P1M', 'P1Y', 'P-1D', 'soon'])('when "%s" is parsed, then it is refused', (text) => {
    expect(() => parseIsoDuration(text)).toThrow(DurationError);
  });

  test('when a month is given, then the message says to use days', () => {
    expect(() => parseIsoDuration('P1M')).toThrow(/use days/);
  });
});

describe('dunning', () => {
  test('when the default policy is scheduled, then its steps fall before and after the due date in order', () => {
    const due = Date.parse('2026-12-31T00:00:00Z');
    const steps = scheduleDunning(DEFAULT_DUNNING_POLICY, due);
    expect(steps.map((s) => (s.at - due) / DAY)).toEqual([-3, 1, 7, 14, 30]);
    expect(steps.map((s) => s.template)).toEqual(['friendly', 'friendly', 'firm', 'final', 'collections']);
    expect(steps.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
  });

  test('when steps are given out of order, then they are scheduled by offset', () => {
    const steps = scheduleDunning({ id: 'p', name: 'p', steps: [{ offset: 'PT6S', template: 'final' }, { offset: 'PT2S', template: 'friendly' }] }, 0);
    expect(steps.map((s) => [s.template, s.at])).toEqual([
      ['friendly', 2000],
      ['final', 6000],
    ]);
  });

  test.each([
    [{ percentBps: 200 }, 26350, 527],
    [{ percentBps: 250 }, 100, 3], // 2.5 → 3, half away from zero
    [{ amountMinor: 500 }, 100, 500],
    [{ percentBps: 100, amountMinor: 500 }, 10000, 600],
    [undefined, 10000, 0],
    [{ amountMinor: 500 }, 0, 0],
  ])('when late fee %p applies to %i due, then it is %i', (fee, due, expected) => {
    expect(lateFeeMinor(fee, due)).toBe(expected);
  });
});

describe('approval policy', () => {
  const base = { invoice: 'policy' as const, customer: 'policy' as const, currency: 'EUR' };
  test.each([
    [{ ...base, totalMinor: 500_000 }, false, /within/],
    [{ ...base, totalMinor: 500_001 }, true, /above/],
    [{ ...base, currency: 'SEK', totalMinor: 1 }, true, /no auto-approval threshold for SEK/],
    [{ ...base, customer: 'always' as const, invoice: 'auto' as const, totalMinor: 1 }, true, /customer requires/],
    [{ ...base, customer: 'never' as const, totalMinor: 10_000_000 }, false, /needs no approval/],
    [{ ...base, invoice: 'required' as const, customer: 'never' as const, totalMinor: 1 }, true, /requested/],
    // "auto" follows the customer's rule: it never waives an approval the rule requires.
    [{ ...base, invoice: 'auto' as const, totalMinor: 10_000_000 }, true, /above/],
    [{ ...base, invoice: 'auto' as const, totalMinor: 1 }, false, /within/],
  ])('when %p, then approval required is %s', (args, required, reason) => {
    const decision = decideApproval(args);
    expect(decision.required).toBe(required);
    expect(decision.reason).toMatch(reason);
  });
});

describe('invoice states', () => {
  test('when an invoice is final, then no command applies to it but what settles a paid one (refunds, credit notes, chargebacks)', () => {
    for (const status of INVOICE_STATUSES.filter(isTerminal)) {
      for (const command of ['approve', 'reject', 'recordPayment', 'void', 'writeOff', 'recordPaymentFailure'] as const) {
        expect(isAllowed(command, status)).toBe(false);
      }
      for (const command of ['dispute', 'refund', 'creditNote'] as const) {
        expect(isAllowed(command, status)).toBe(status === 'paid');
      }
    }
  });

  test.each([
    ['approve', ['pending_approval']],
    ['recordPayment', ['open', 'overdue', 'disputed']],
    ['writeOff', ['overdue', 'disputed']],
    ['dispute', ['open', 'overdue', 'paid']],
    ['refund', ['open', 'overdue', 'disputed', 'paid']],
    ['creditNote', ['open', 'overdue', 'disputed', 'paid']],
  ] as const)('when %s is sent, then it is allowed only in %p', (command, statuses) => {
    expect(allowedStatuses(command)).toEqual(statuses);
  });
});
