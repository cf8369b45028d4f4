import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * PostgreSQL restarting (or a failover, or an administrator) ends connections in the middle of
 * transactions. Each such transaction must fail with an error its caller can handle, and the
 * process and its pool must carry on: postgres.js 3.4.9 instead throws from a timer and the
 * process dies, or leaves the pool waiting forever (see patches/README.md). The scenario runs in
 * a process of its own, so that dying shows as an exit code.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

test('when the server ends a connection inside a transaction, again and again, then each transaction fails with CONNECTION_CLOSED and the process and pool carry on', async () => {
  const child = path.join(__dirname, '../support/connection-loss-child.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [child, db.url], { timeout: 60_000 });
  expect(JSON.parse(stdout)).toEqual({ outcomes: ['CONNECTION_CLOSED', 'CONNECTION_CLOSED', 'CONNECTION_CLOSED', 'CONNECTION_CLOSED'], after: 1 });
});
