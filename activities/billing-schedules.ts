import { insertBillingRun } from '../src/db/billing-runs';
import type { Sql } from '../src/db/client';
import { failPermanentlyOnBadData } from './database-failures';

/** The steps of a scheduled billing run that are not the run itself. */
export function createBillingScheduleActivities({ sql }: { sql: Sql }) {
  return failPermanentlyOnBadData({
    /**
     * Stores the period's run as POST /billing-runs would (`run_<period>`, running, every customer),
     * or finds the one stored before: idempotent on the run's id, so a retry or a manual run of the
     * same period leaves one row. Answers the stored run's status.
     */
    async recordScheduledBillingRun(args: { runId: string; period: string; createdBy: string }): Promise<{ status: string; inserted: boolean }> {
      const { run, inserted } = await insertBillingRun(sql, {
        id: args.runId,
        period: args.period,
        dryRun: false,
        customerIds: null,
        createdBy: args.createdBy,
        startedAt: new Date().toISOString(),
      });
      return { status: run.status, inserted };
    },
  });
}
