import { DomainError } from './errors';

/**
 * ISO 8601 durations as dunning offsets: "-P3D", "P7D", "PT2S", "P1DT12H", "P2W". Years and months
 * have no fixed length, so they are refused rather than guessed: write days.
 */
const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

export class DurationError extends DomainError {
  override name = 'DurationError';
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Ten years either way: a longer offset is a typing accident, and timers need a finite, sane delay. */
export const MAX_DURATION_DAYS = 3650;

/** Milliseconds of a signed ISO 8601 duration. */
export function parseIsoDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match || text.endsWith('T') || /^[+-]?P$/.test(text)) {
    if (/^[+-]?P(\d+Y|\d+M)/.test(text)) throw new DurationError(`"${text}": years and months vary in length; use days (e.g. "P30D")`);
    throw new DurationError(`"${text}" is not an ISO 8601 duration such as "P7D", "-P3D" or "PT2S"`);
  }
  const [, sign, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * 7 * DAY +
    Number(days ?? 0) * DAY +
    Number(hours ?? 0) * HOUR +
    Number(minutes ?? 0) * MINUTE +
    Math.round(Number(seconds ?? 0) * SECOND);
  if (!(ms <= MAX_DURATION_DAYS * DAY)) throw new DurationError(`"${text}" is longer than ${MAX_DURATION_DAYS} days`);
  return sign === '-' ? -ms : ms;
}
