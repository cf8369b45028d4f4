import {
  type Client,
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleSummary,
  ServiceError,
} from '@temporalio/client';
import { scheduledBillingRunWorkflow } from '../../workflows/billing-schedule/workflow';
import type { Config } from '../config';
import type { Person } from '../domain/actor';
import { canonicalTimeZone } from '../domain/billing-period';
import { AppError, ErrorCode, notFound, validationError } from '../errors';
import { billingScheduleId } from '../temporal/workflow-ids';

/** A schedule's name: its id in Temporal is `billing-schedule:<name>`. */
export const SCHEDULE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A later firing waits for the run in flight (one is buffered, more are dropped): two runs never
 * overlap, and a run that outlasts a month still has the next month billed once it ends. SKIP would
 * drop that month's firing instead. Billing a period twice is impossible either way: the run's
 * workflow id is the period's.
 */
export const BILLING_SCHEDULE_OVERLAP = ScheduleOverlapPolicy.BUFFER_ONE;
/** A firing missed while Temporal was down is taken when it is back, if within this window. */
const CATCHUP_WINDOW = '7 days';

/**
 * Recurring billing runs, kept by Temporal as Schedules (nothing of them is stored in PostgreSQL):
 * each fires on `dayOfMonth` at `hour`:00 in `timeZone` and bills the month just ended there. The
 * schedule's own settings travel in its memo, which listing returns.
 */
export interface BillingScheduleService {
  /** 400 naming `timeZone` for a zone that is not one; 409 when the name is taken. */
  create(request: BillingScheduleRequest): Promise<BillingSchedule>;
  /** Every billing schedule, by name. Listing is eventually consistent: a new one appears within moments. */
  list(): Promise<BillingSchedule[]>;
  /** Fires the schedule now: bills the month just ended; 404 when no such schedule. */
  trigger(name: string): Promise<void>;
  /** 404 when no such schedule. Runs it started go on. */
  remove(name: string): Promise<void>;
}

export interface BillingScheduleRequest {
  name: string;
  dayOfMonth: number;
  hour: number;
  timeZone: string;
  by: Person;
}

export interface BillingSchedule {
  name: string;
  dayOfMonth: number;
  hour: number;
  timeZone: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  paused: boolean;
}

interface ScheduleMemo {
  name: string;
  dayOfMonth: number;
  hour: number;
  timeZone: string;
}

function memoOf(summary: Pick<ScheduleSummary, 'memo'>): ScheduleMemo | null {
  const memo = summary.memo?.billingSchedule as Partial<ScheduleMemo> | undefined;
  if (!memo || typeof memo.name !== 'string' || typeof memo.dayOfMonth !== 'number' || typeof memo.hour !== 'number' || typeof memo.timeZone !== 'string') return null;
  return { name: memo.name, dayOfMonth: memo.dayOfMonth, hour: memo.hour, timeZone: memo.timeZone };
}

function scheduleOf(memo: ScheduleMemo, summary: Pick<ScheduleSummary, 'state' | 'info'>): BillingSchedule {
  const last = summary.info.recentActions[summary.info.recentActions.length - 1];
  return {
    ...memo,
    nextRunAt: summary.info.nextActionTimes[0]?.toISOString() ?? null,
    lastRunAt: last ? last.takenAt.toISOString() : null,
    paused: summary.state.paused,
  };
}

/** gRPC's INVALID_ARGUMENT, as src/api/outage.ts names its statuses (the SDK wraps it in a ServiceError's cause). */
const GRPC_INVALID_ARGUMENT = 3;

function isInvalidArgument(error: unknown): boolean {
  if (!(error instanceof ServiceError) || !isGrpcServiceError(error.cause)) return false;
  const status: number = error.cause.code;
  return status === GRPC_INVALID_ARGUMENT;
}

export function createBillingScheduleService(client: Client, config: Pick<Config, 'temporal' | 'approval' | 'invoiceNumberPrefix'>): BillingScheduleService {
  /** A name that could not be a schedule's is answered as one that is not there. */
  const handleOf = (name: string) => {
    if (!SCHEDULE_NAME.test(name)) throw notFound('billing schedule', name);
    return client.schedule.getHandle(billingScheduleId(name));
  };

  const unknownAs404 = (name: string) => (error: unknown) => {
    if (error instanceof ScheduleNotFoundError) throw notFound('billing schedule', name);
    throw error;
  };

  return {
    async create(request) {
      const timeZone = canonicalTimeZone(request.timeZone);
      if (!timeZone) throw validationError('timeZone', `"${request.timeZone}" is not an IANA time zone such as Europe/Berlin`);
      const memo: ScheduleMemo = { name: request.name, dayOfMonth: request.dayOfMonth, hour: request.hour, timeZone };
      try {
        const handle = await client.schedule.create({
          scheduleId: billingScheduleId(request.name),
          spec: { calendars: [{ dayOfMonth: request.dayOfMonth, hour: request.hour, minute: 0 }], timezone: timeZone },
          action: {
            type: 'startWorkflow',
            workflowType: scheduledBillingRunWorkflow,
            // Temporal appends the firing's time to this id; the run's own id is the period's.
            workflowId: billingScheduleId(request.name),
            taskQueue: config.temporal.taskQueue,
            args: [
              {
                scheduleName: request.name,
                timeZone,
                createdBy: request.by.principal,
                settings: { approvalEscalationAfter: config.approval.escalationAfter, numberPrefix: config.invoiceNumberPrefix },
              },
            ],
          },
          policies: { overlap: BILLING_SCHEDULE_OVERLAP, catchupWindow: CATCHUP_WINDOW },
          memo: { billingSchedule: memo },
        });
        return scheduleOf(memo, await handle.describe());
      } catch (error) {
        if (error instanceof ScheduleAlreadyRunning) {
          throw new AppError({ code: ErrorCode.conflict, message: `billing schedule ${request.name} exists already` });
        }
        // Temporal's time zone data may lack a zone that Node's has.
        if (isInvalidArgument(error)) throw validationError('timeZone', `"${request.timeZone}" is not a time zone Temporal knows`);
        throw error;
      }
    },

    async list() {
      const schedules: BillingSchedule[] = [];
      for await (const summary of client.schedule.list()) {
        if (!summary.scheduleId.startsWith(billingScheduleId(''))) continue;
        const memo = memoOf(summary);
        if (memo) schedules.push(scheduleOf(memo, summary));
      }
      return schedules.sort((a, b) => a.name.localeCompare(b.name));
    },

    async trigger(name) {
      // The schedule's own overlap policy (a trigger's default would be ALLOW_ALL): a trigger while a
      // run is in flight waits for it, so two runs never overlap.
      await handleOf(name).trigger(BILLING_SCHEDULE_OVERLAP).catch(unknownAs404(name));
    },

    async remove(name) {
      await handleOf(name).delete().catch(unknownAs404(name));
    },
  };
}
