import fc from 'fast-check';
import { canonicalTimeZone, localMonth, previousPeriod } from '../../src/domain/billing-period';

/** The month a scheduled billing run bills: the one before the month it fires in, on the schedule's calendar. */

describe('previousPeriod', () => {
  test.each([
    // Month ends in Berlin, summer (UTC+2) and winter (UTC+1).
    ['the last second of March in Berlin (summer time)', '2026-03-31T21:59:59Z', 'Europe/Berlin', '2026-02'],
    ['the first second of April in Berlin, still March in UTC', '2026-03-31T22:00:00Z', 'Europe/Berlin', '2026-03'],
    ['the last second of October in Berlin (winter time again)', '2026-10-31T22:59:59Z', 'Europe/Berlin', '2026-09'],
    ['the first second of November in Berlin, still October in UTC', '2026-10-31T23:00:00Z', 'Europe/Berlin', '2026-10'],
    // The DST changes themselves stay in their month.
    ['just before the spring change in Berlin (2026-03-29 02:00 CET)', '2026-03-29T00:59:59Z', 'Europe/Berlin', '2026-02'],
    ['just after the spring change in Berlin (03:00 CEST)', '2026-03-29T01:00:00Z', 'Europe/Berlin', '2026-02'],
    ['the repeated hour of the autumn change in Berlin (first 02:30 CEST)', '2026-10-25T00:30:00Z', 'Europe/Berlin', '2026-09'],
    ['the repeated hour of the autumn change in Berlin (second 02:30 CET)', '2026-10-25T01:30:00Z', 'Europe/Berlin', '2026-09'],
    // Year end.
    ['New Year in Berlin, still 31 December in UTC', '2026-12-31T23:00:00Z', 'Europe/Berlin', '2026-12'],
    ['the same instant in UTC', '2026-12-31T23:00:00Z', 'UTC', '2026-11'],
    ['January in UTC', '2027-01-01T00:00:00Z', 'UTC', '2026-12'],
    ['New Year in Auckland, half a day before UTC', '2026-12-31T11:00:00Z', 'Pacific/Auckland', '2026-12'],
    ['still December in New York, already January in UTC', '2027-01-01T04:59:59Z', 'America/New_York', '2026-11'],
    // Elsewhere: a half-hour offset, a month of 29 days.
    ['March in Kolkata, still February in UTC (leap year)', '2028-02-29T18:30:00Z', 'Asia/Kolkata', '2028-02'],
    ['the 1st at 06:00 Berlin, a schedule\'s firing', '2026-11-01T05:00:00Z', 'Europe/Berlin', '2026-10'],
  ])('when the schedule fires at %s, then it bills the month before', (_when, instant, timeZone, period) => {
    expect(previousPeriod(new Date(instant), timeZone)).toBe(period);
  });

  test('when the instant is not a date or the time zone is unknown, then it throws', () => {
    expect(() => previousPeriod(new Date('nonsense'), 'UTC')).toThrow(RangeError);
    expect(() => previousPeriod(new Date('2026-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
  });

  const ZONES = ['Europe/Berlin', 'UTC', 'America/New_York', 'America/Los_Angeles', 'Pacific/Auckland', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Kiritimati'];
  const instant = fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });
  const zone = fc.constantFrom(...ZONES);

  test('for any instant and time zone, then the period is the month before the local month of that instant', () => {
    fc.assert(
      fc.property(instant, zone, (at, timeZone) => {
        // The local date read another way: Swedish formats as "YYYY-MM-DD hh:mm:ss".
        const [year, month] = at.toLocaleString('sv-SE', { timeZone }).slice(0, 7).split('-').map(Number) as [number, number];
        const before = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
        expect(previousPeriod(at, timeZone)).toBe(before);
      }),
    );
  });

  test('for any two instants in one time zone, then the later never bills an earlier month', () => {
    fc.assert(
      fc.property(instant, instant, zone, (a, b, timeZone) => {
        const [first, second] = a <= b ? [a, b] : [b, a];
        expect(previousPeriod(first, timeZone) <= previousPeriod(second, timeZone)).toBe(true);
      }),
    );
  });

  test('for any instant, then the local month is within a day of the UTC month', () => {
    fc.assert(
      fc.property(instant, zone, (at, timeZone) => {
        const local = localMonth(at, timeZone);
        const candidates = [-1, 0, 1].map((days) => new Date(at.getTime() + days * 86_400_000)).map((d) => ({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 }));
        expect(candidates).toContainEqual(local);
      }),
    );
  });
});

describe('canonicalTimeZone', () => {
  test.each([
    ['Europe/Berlin', 'Europe/Berlin'],
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['US/Pacific', 'America/Los_Angeles'],
  ])('when the time zone is %s, then it is %s', (given, canonical) => {
    expect(canonicalTimeZone(given)).toBe(canonical);
  });

  test.each(['Mars/Olympus', '+01:00', '', 'Europe/Berlin ', 'x'.repeat(65)])('when the time zone is %j, then it is none', (given) => {
    expect(canonicalTimeZone(given)).toBeNull();
  });
});
