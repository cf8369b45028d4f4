import type { BillingSchedule } from '../../services/billing-schedules';

/** A billing schedule as API.md shows it; `lastRunAt` only once it has fired. */
export interface BillingScheduleView {
  name: string;
  dayOfMonth: number;
  hour: number;
  timeZone: string;
  nextRunAt: string | null;
  lastRunAt?: string;
  paused: boolean;
}

export function billingScheduleView(s: BillingSchedule): BillingScheduleView {
  return {
    name: s.name,
    dayOfMonth: s.dayOfMonth,
    hour: s.hour,
    timeZone: s.timeZone,
    nextRunAt: s.nextRunAt,
    ...(s.lastRunAt ? { lastRunAt: s.lastRunAt } : {}),
    paused: s.paused,
  };
}
