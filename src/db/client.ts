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

/** int8 columns arrive as strings; money must come back as a safe integer or not at all. */
export function toMinor(value: string | number | bigint | null): number {
  const n = typeof value === 'string' ? Number(value) : Number(value ?? 0);
  if (!Number.isSafeInteger(n)) throw new Error(`stored amount ${String(value)} is outside the safe integer range`);
  return n;
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
