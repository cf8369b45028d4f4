import fc from 'fast-check';
import { addIntervals, amountLine, parsePlanInterval, periodAt, periodOf, type Plan, planChange, prorate, unusedCredit } from '../../src/domain/subscription';
import { currentPeriod, newSubscription } from '../../src/domain/subscription-state';

const plan = (over: Partial<Plan> = {}): Plan => ({ code: 'basic', name: 'Basic', currency: 'EUR', unitPriceMinor: 3000, interval: 'P1M', taxRateBps: 1900, trialDays: 0, ...over });
const MONTH = parsePlanInterval('P1M');

describe('billing periods follow the calendar', () => {
  test('when a monthly plan starts on 31 January, then February ends its period on its last day and March comes back to the 31st', () => {
    const anchor = '2027-01-31T09:00:00.000Z';
    expect([0, 1, 2, 3].map((i) => addIntervals(anchor, MONTH, i))).toEqual([
      '2027-01-31T09:00:00.000Z',
      '2027-02-28T09:00:00.000Z',
      '2027-03-31T09:00:00.000Z',
      '2027-04-30T09:00:00.000Z',
    ]);
  });

  test('when the year is a leap year, then 31 January + P1M is 29 February, and a yearly plan from 29 February lands on 28 February, back on the 29th in the next leap year', () => {
    expect(addIntervals('2028-01-31T00:00:00.000Z', MONTH, 1)).toBe('2028-02-29T00:00:00.000Z');
    const yearly = parsePlanInterval('P1Y');
    expect([1, 2, 3, 4].map((i) => addIntervals('2028-02-29T00:00:00.000Z', yearly, i).slice(0, 10))).toEqual(['2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
  });

  test('when a quarterly plan starts on 30 November, then its periods run to 28 February, 30 May and 30 August', () => {
    const quarter = parsePlanInterval('P3M');
    expect([1, 2, 3].map((i) => addIntervals('2026-11-30T00:00:00.000Z', quarter, i).slice(0, 10))).toEqual(['2027-02-28', '2027-05-30', '2027-08-30']);
  });

  test('when intervals are given, then only calendar months, years and whole seconds are accepted', () => {
    expect(parsePlanInterval('PT30S')).toEqual({ seconds: 30 });
    expect(parsePlanInterval('P1Y')).toEqual({ months: 12 });
    for (const bad of ['P1D', 'P0M', 'PT0S', 'P1W', '1M', 'PT1.5S', '']) expect(() => parsePlanInterval(bad)).toThrow(/interval/);
  });

  test('for any anchor and instant after it, then the period found contains the instant and periods meet end to start', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        fc.constantFrom('P1M', 'P3M', 'P1Y', 'PT3600S'),
        (anchorDate, offset, text) => {
          const interval = parsePlanInterval(text);
          const anchor = anchorDate.toISOString();
          const at = new Date(anchorDate.getTime() + offset).toISOString();
          const period = periodAt(anchor, interval, at);
          expect(Date.parse(period.start)).toBeLessThanOrEqual(Date.parse(at));
          expect(Date.parse(period.end)).toBeGreaterThan(Date.parse(at));
          expect(periodOf(anchor, interval, period.index + 1).start).toBe(period.end);
        },
      ),
    );
  });
});

describe('proration by seconds left', () => {
  test('when half of the period is left, then each line is half its price, rounded half away from zero', () => {
    expect(prorate(1001, 5, 10)).toBe(501);
    expect(prorate(-1001, 5, 10)).toBe(-501);
    expect(amountLine('x', -1000, 1900)).toMatchObject({ netMinor: -1000, taxMinor: -190, totalMinor: -1190, quantity: '-1', unitPriceMinor: 1000 });
  });

  test('when a customer upgrades half-way through a 30-day month, then the invoice credits half the old plan and charges half the new one', () => {
    const period = { index: 0, start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' };
    const change = planChange({ from: plan(), to: plan({ code: 'pro', name: 'Pro', unitPriceMinor: 9000 }), period, at: '2026-11-16T00:00:00.000Z' });
    expect(change.credit).toMatchObject({ netMinor: -1500, taxMinor: -285, totalMinor: -1785 });
    expect(change.charge).toMatchObject({ netMinor: 4500, taxMinor: 855, totalMinor: 5355 });
    expect(change.netMinor).toBe(3570);
    expect(unusedCredit(plan(), period, '2026-11-16T00:00:00.000Z')).toMatchObject({ totalMinor: -1785 });
  });

  test('when the plans bill in different currencies, then the change is refused naming planCode', () => {
    const period = periodOf('2026-11-01T00:00:00.000Z', MONTH, 0);
    expect(() => planChange({ from: plan(), to: plan({ code: 'usd', currency: 'USD' }), period, at: period.start })).toThrow(expect.objectContaining({ path: 'planCode' }));
  });

  test('for any prices and change instant, then credit and charge are the exact prorations, and the period never costs more than the dearer plan', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 30 * 86_400 }),
        (oldPrice, newPrice, secondsIn) => {
          const period = { index: 0, start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' };
          const at = new Date(Date.parse(period.start) + secondsIn * 1000).toISOString();
          const change = planChange({ from: plan({ unitPriceMinor: oldPrice, taxRateBps: 0 }), to: plan({ code: 'other', unitPriceMinor: newPrice, taxRateBps: 0 }), period, at });
          const left = 30 * 86_400 - secondsIn;
          // Exactly rounded: |2 × (x × whole − price × left)| ≤ whole, half away from zero.
          for (const [line, price] of [[change.credit, -oldPrice], [change.charge, newPrice]] as const) {
            expect(Math.abs(2 * (line.netMinor * 30 * 86_400 - price * left))).toBeLessThanOrEqual(30 * 86_400);
          }
          expect(change.netMinor).toBe(change.credit.totalMinor + change.charge.totalMinor);
          // Paid in advance on the old plan, then the difference: at most the dearer plan's price.
          expect(oldPrice + change.netMinor).toBeLessThanOrEqual(Math.max(oldPrice, newPrice));
          expect(oldPrice + change.netMinor).toBeGreaterThanOrEqual(Math.min(oldPrice, newPrice));
        },
      ),
    );
  });
});

describe('a new subscription', () => {
  test('when it has a trial, then it is trialing until the trial ends and its periods count from there', () => {
    const s = newSubscription({ id: 'sub_1', customerId: 'cus_1', plan: plan({ trialDays: 14 }), startAt: '2027-01-17T09:00:00.000Z', trialDays: 14, createdBy: 'olivia' });
    expect(s).toMatchObject({ status: 'trialing', trialEnd: '2027-01-31T09:00:00.000Z', anchor: '2027-01-31T09:00:00.000Z', nextIndex: 0 });
    expect(currentPeriod(s)).toEqual({ start: '2027-01-17T09:00:00.000Z', end: '2027-01-31T09:00:00.000Z' });
  });

  test('when trial days are not a whole number of days, then it is refused naming trialDays', () => {
    expect(() => newSubscription({ id: 's', customerId: 'c', plan: plan(), startAt: '2027-01-01T00:00:00.000Z', trialDays: 1.5, createdBy: 'o' })).toThrow(expect.objectContaining({ path: 'trialDays' }));
  });
});
