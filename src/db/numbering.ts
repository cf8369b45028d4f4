import type { Tx } from './client';

/**
 * Takes the next number of `series` (e.g. "INV-2026" → "INV-2026-000042"). Must run inside the
 * transaction that stores the number: the row lock serialises issuers, and a rollback returns the
 * number, so a series never has gaps and never reuses a number.
 */
export async function takeNextNumber(tx: Tx, series: string): Promise<string> {
  await tx`
    insert into numbering_series (series)
    values (${series})
    on conflict (series) do nothing`;
  const [row] = await tx<{ last_value: string }[]>`
    update numbering_series
    set last_value = last_value + 1
    where series = ${series}
    returning last_value`;
  return `${series}-${String(row?.last_value ?? '').padStart(6, '0')}`;
}

/** The series of a document issued at `isoTime`: one per prefix and calendar year (UTC). */
export function seriesFor(prefix: string, isoTime: string): string {
  return `${prefix}-${new Date(isoTime).getUTCFullYear()}`;
}
