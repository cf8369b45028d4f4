import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureSchemathesis, ensureTemporalCli, ensureTestServer } from '../../scripts/provision/tools';
import { freePort } from '../../scripts/stack/ports';
import { startEmbeddedPostgres } from '../../scripts/stack/postgres';
import { startStripeMock } from '../../scripts/stack/stripe-mock';
import { startTemporalDevServer } from '../../scripts/stack/temporal';
import { TEST_ENV } from './test-env';

/**
 * Starts the servers every test file shares: the real Temporal dev server (in memory) and a real
 * PostgreSQL cluster (embedded, throwaway; or TEST_DATABASE_URL's server), and provisions the
 * time-skipping server and schemathesis. Their addresses reach the test files through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const say = (line: string) => process.stderr.write(`\n[test setup] ${line}`);
  await ensureTemporalCli(say);
  process.env[TEST_ENV.timeSkippingServer] = await ensureTestServer(say);
  // Only test/e2e/api-fuzz.test.ts needs it; it calls ensureSchemathesis again and fails with the reason.
  await ensureSchemathesis(say).catch((error: unknown) => say(`schemathesis is not available: ${(error as Error).message}`));

  const temporal = await startTemporalDevServer({ ip: '127.0.0.1', port: await freePort(), namespace: 'default', ui: false, say });
  process.env[TEST_ENV.temporalAddress] = temporal.address;
  const stops: (() => Promise<void>)[] = [temporal.stop];

  // Payment tests talk to stripe-mock, never to Stripe's live API.
  const stripeMock = await startStripeMock({ port: await freePort(), say });
  process.env[TEST_ENV.stripeMock] = stripeMock.url;
  stops.push(stripeMock.stop);

  if (process.env.TEST_DATABASE_URL) {
    process.env[TEST_ENV.databaseAdminUrl] = process.env.TEST_DATABASE_URL;
  } else {
    // As root, postgres runs as its own user and must be able to reach its data directory (when
    // it cannot, say under a private TMPDIR, the throwaway cluster goes to a scratch folder).
    const dir = await mkdtemp(path.join(tmpdir(), 'billflow-test-'));
    await chmod(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'billflow_test', fast: true, throwaway: true, say });
    process.env[TEST_ENV.databaseAdminUrl] = pg.url;
    stops.push(() => rm(dir, { recursive: true, force: true }), pg.stop);
  }
  (globalThis as { billflowTestStops?: typeof stops }).billflowTestStops = stops;
}
