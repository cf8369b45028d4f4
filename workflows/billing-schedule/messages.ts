import type { InvoiceSettings } from '../invoice/messages';

/**
 * The input of a billing schedule's action, fixed when the schedule is created: the period is not
 * in it, because it depends on when the schedule fires.
 */
export interface ScheduledBillingRunInput {
  scheduleName: string;
  /** The schedule's IANA time zone: the month just ended is read on its calendar. */
  timeZone: string;
  /** Who created the schedule: its runs' creator. */
  createdBy: string;
  settings: InvoiceSettings;
  /**
   * For tests only (the time-skipping server has no Schedules): the instant to bill as if the
   * schedule had fired then. A schedule's own runs leave it out and use their scheduled time.
   */
  scheduledAt?: string;
}

export interface ScheduledBillingRunResult {
  runId: string;
  period: string;
  /** `started`: this run billed the period; `already-billed`: another run has or had it. */
  outcome: 'started' | 'already-billed';
}
