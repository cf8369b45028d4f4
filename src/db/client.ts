import postgres from 'postgres';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** One postgres.js instance per process; close it with `sql.end()` on shutdown. */
export function createSql(databaseUrl: string, options: { max?: number } = {}): Sql {
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connection: { application_name: 'billflow' },
  });
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
