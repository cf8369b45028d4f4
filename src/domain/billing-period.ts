/**
 * The month a scheduled billing run bills: the month before the one the schedule fired in, as a
 * person in the schedule's time zone reads the calendar. Pure and deterministic for its input, so a
 * workflow may call it: Intl's time zone data is fixed for a given worker build.
 */

/** `YYYY-MM` of the month before the local month of `instant` in `timeZone` (an IANA name). */
export function previousPeriod(instant: Date, timeZone: string): string {
  const { year, month } = localMonth(instant, timeZone);
  const [y, m] = month === 1 ? [year - 1, 12] : [year, month - 1];
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

/** The calendar year and month (1 to 12) that `instant` falls in, read in `timeZone`. */
export function localMonth(instant: Date, timeZone: string): { year: number; month: number } {
  if (Number.isNaN(instant.getTime())) throw new RangeError('the instant is not a valid date');
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', calendar: 'gregory', numberingSystem: 'latn' }).formatToParts(instant);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  if (!Number.isInteger(year) || !Number.isInteger(month)) throw new RangeError(`cannot read the month of ${instant.toISOString()} in ${timeZone}`);
  return { year, month };
}

/**
 * The IANA name Intl resolves `timeZone` to (`utc` → `UTC`, `US/Pacific` → `America/Los_Angeles`),
 * or null when it names no time zone. Offsets such as `+01:00` are refused: a schedule follows a
 * place's daylight saving changes, which an offset cannot.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(timeZone)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
