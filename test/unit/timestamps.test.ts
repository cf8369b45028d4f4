import { isoTimestamp } from '../../src/api/validation';
import { parseTimestamp } from '../../src/db/client';

describe("PostgreSQL's timestamps as billflow reads them", () => {
  test.each([
    ['2026-03-01 10:00:00.123+00', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01 10:00:00+05:30', '2026-03-01T04:30:00.000Z'],
    // V8's own parser answers Invalid Date for the years 0013 to 0031 in this form.
    ['0020-02-29 00:00:00+00', '0020-02-29T00:00:00.000Z'],
    ['0013-01-01 12:00:00-02', '0013-01-01T14:00:00.000Z'],
    ['0001-01-01 00:00:00+00 BC', '0000-01-01T00:00:00.000Z'],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
  ])('when PostgreSQL sends %s, then it is %s', (text, iso) => {
    expect(parseTimestamp(text).toISOString()).toBe(iso);
  });

  test('when a timestamp is given with a year before 0001 or after 9999 in UTC, then it is refused; the years in between are taken', () => {
    expect(isoTimestamp.safeParse('0000-12-31T23:00:00Z').success).toBe(false);
    expect(isoTimestamp.safeParse('9999-12-31T23:00:00-05:00').success).toBe(false);
    expect(isoTimestamp.safeParse('0020-02-29T00:00:00Z').success).toBe(true);
    expect(isoTimestamp.safeParse('9999-12-31T23:59:59Z').success).toBe(true);
  });
});
