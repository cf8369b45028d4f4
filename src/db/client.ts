import postgres from 'postgres';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** One postgres.js instance per process; close it with `sql.end()` on shutdown. */
export function createSql(databaseUrl: string, options: { max?: number } = {}): Sql {
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connection: { application_name: 'billflow' },
    types: {
      // Timestamps and dates, read as ISO 8601 (see parseTimestamp); written as postgres.js does.
      timestamp: { to: 1184, from: [1082, 1114, 1184], serialize: (x: Date | string) => (x instanceof Date ? x : new Date(x)).toISOString(), parse: parseTimestamp },
    },
  });
}

/**
 * PostgreSQL's text form of a timestamp ("0020-02-29 10:00:00.5+00", "44-03-15 00:00:00+00 BC") is
 * not ISO 8601, and V8's fallback parser misreads some of it (the years 0013 to 0031 are Invalid
 * Date), which would fail every read of a row that holds one. It is rewritten as ISO 8601 first.
 */
export function parseTimestamp(text: string): Date {
  const m = /^(\d{4,})-(\d\d)-(\d\d)(?: (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::(\d\d))?(?::\d\d)?)?( BC)?$/.exec(text);
  if (!m) return new Date(text);
  const [, y, month, day, time, offsetHours, offsetMinutes, bc] = m as unknown as [string, string, string, string, string | undefined, string | undefined, string | undefined, string | undefined];
  // ISO years: 1 BC is year 0, 2 BC is -1; beyond 0000–9999 they take a sign and six digits.
  const year = bc ? 1 - Number(y) : Number(y);
  const isoYear = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
  if (time === undefined) return new Date(`${isoYear}-${month}-${day}T00:00:00Z`);
  return new Date(`${isoYear}-${month}-${day}T${time}${offsetHours ?? '+00'}:${offsetMinutes ?? '00'}`);
}

/**
 * int8 columns arrive as strings. Check constraints keep new amounts within 2^53, but a row stored
 * before they existed may exceed it: such a value is returned as the nearest number rather than
 * failing the read, so one bad row never makes an invoice, a customer or a whole list unreadable.
 */
export function toMinor(value: string | number | bigint | null): number {
  return typeof value === 'string' ? Number(value) : Number(value ?? 0);
}

/**
 * A write the database layer refuses for good (a credit balance that would exceed 2^53). Activities
 * turn it into a non-retryable failure, so the command that asked for it is refused.
 */
export class RefusedWrite extends Error {
  override readonly name = 'RefusedWrite';
}

export function toIso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Postgres error code for a unique violation. */
export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === UNIQUE_VIOLATION;
}
