import { parseIsoDuration } from './duration';
import { divideRoundHalfAwayFromZero } from './lines';
import { toSafeNumber } from './money';

export const REMINDER_TEMPLATES = ['friendly', 'firm', 'final', 'collections'] as const;
export type ReminderTemplate = (typeof REMINDER_TEMPLATES)[number];

export interface LateFee {
  /** A share of the amount due, in basis points (200 = 2 %). */
  percentBps?: number;
  /** A fixed fee in minor units of the invoice's currency. */
  amountMinor?: number;
}

export interface DunningStep {
  /** ISO 8601 duration relative to the due date; negative is before it. */
  offset: string;
  template: ReminderTemplate;
  lateFee?: LateFee;
}

export interface DunningPolicy {
  id: string;
  name: string;
  steps: DunningStep[];
}

/** Used when neither the invoice nor its customer names a policy. */
export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  id: 'default',
  name: 'Default: reminder 3 days before, then friendly, firm, final notice and collections',
  steps: [
    { offset: '-P3D', template: 'friendly' },
    { offset: 'P1D', template: 'friendly' },
    { offset: 'P7D', template: 'firm' },
    { offset: 'P14D', template: 'final', lateFee: { percentBps: 200 } },
    { offset: 'P30D', template: 'collections' },
  ],
};

export interface ScheduledStep extends DunningStep {
  /** Position in the policy, 0-based; dunningLevel becomes index + 1 once this step is sent. */
  index: number;
  at: number;
}

/** The policy's steps as points in time (epoch ms) for a due date, in order. */
export function scheduleDunning(policy: DunningPolicy, dueAtMs: number): ScheduledStep[] {
  return sortSteps(policy.steps).map((step, index) => ({ ...step, index, at: dueAtMs + parseIsoDuration(step.offset) }));
}

/** Steps in the order they fire; equal offsets keep their given order. */
export function sortSteps(steps: readonly DunningStep[]): DunningStep[] {
  return steps
    .map((step, i) => ({ step, i, ms: parseIsoDuration(step.offset) }))
    .sort((a, b) => a.ms - b.ms || a.i - b.i)
    .map(({ step }) => step);
}

/** The late fee a step charges on `amountDueMinor`, rounded half away from zero. */
export function lateFeeMinor(fee: LateFee | undefined, amountDueMinor: number): number {
  if (!fee || amountDueMinor <= 0) return 0;
  const percent = fee.percentBps ? divideRoundHalfAwayFromZero(BigInt(amountDueMinor) * BigInt(fee.percentBps), 10_000n) : 0n;
  return toSafeNumber(percent + BigInt(fee.amountMinor ?? 0), 'late fee');
}
