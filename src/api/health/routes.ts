import type { Connection } from '@temporalio/client';
import { Router } from 'express';
import type { Sql } from '../../db/client';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../outage';

const CHECK_TIMEOUT_MS = 2_000;

interface CheckResult {
  name: string;
  ok: boolean;
  /** For the log only: the callers of /readyz are anonymous, and an error names hosts and ports. */
  error?: unknown;
}

async function check(name: string, probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name, ok: true };
  } catch (error) {
    return { name, ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Unauthenticated: load balancers and orchestrators call these. */
export function healthRoutes(sql: Sql, connection: Connection): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const checks = await Promise.all([
      check('postgres', () => sql`select 1`),
      check('temporal', () => connection.workflowService.getSystemInfo({})),
    ]);
    for (const failed of checks.filter((c) => !c.ok)) req.log.warn({ err: failed.error, check: failed.name }, 'readiness check failed');
    const ready = checks.every((c) => c.ok);
    res
      .status(ready ? 200 : 503)
      .set(ready ? {} : { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) })
      .json({ status: ready ? 'ready' : 'not_ready', checks: checks.map(({ name, ok }) => ({ name, ok })) });
  });
  return router;
}
