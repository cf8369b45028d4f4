import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { createApp, listen, type RunningApi } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { createSql, type Sql } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { freePort } from '../../scripts/stack/ports';
import { type RunningPostgres, startEmbeddedPostgres } from '../../scripts/stack/postgres';
import { type Billflow, startBillflow, TEST_KEYS } from '../support/billflow';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Outages against real servers: a PostgreSQL of this file's own that the test stops and starts
 * again, a network fault between billflow and PostgreSQL (a proxy the test cuts), and a Temporal
 * client pointed at a closed port (test/unit/outage.test.ts has the other
 * ways the SDK reports an unreachable Temporal).
 */
const customerBody = { name: 'Outage GmbH', email: 'ap@outage.test', currency: 'EUR' };
const policyBody = { name: 'Outage policy', steps: [{ offset: 'P7D', template: 'friendly' }] };

/**
 * Holds a create between its claim and its insert: `lock table` from a connection of the test's own
 * that stays idle in its transaction, until `release`. POST /dunning-policies is used because its
 * insert is a single statement: an insert inside sql.begin would, on the connection's death, hit
 * postgres.js's crash on closed connections (porsager/postgres#1208) and take the test process down.
 */
async function holdInserts(url: string, table: string) {
  const holder = postgres(url, { max: 1, onnotice: () => undefined });
  const watcher = postgres(url, { max: 1, onnotice: () => undefined });
  await holder.unsafe(`begin; lock table ${table} in access exclusive mode`);
  return {
    /** Until billflow's insert waits for the lock: it has claimed its key by then. */
    untilWaiting: () =>
      eventually(async () => {
        const waiting = await watcher`
          select 1
          from pg_stat_activity
          where application_name = 'billflow'
            and wait_event_type = 'Lock'
            and query like ${`%insert into ${table}%`}`;
        return waiting.length > 0 ? true : undefined;
      }),
    release: () => Promise.all([holder.unsafe('rollback').catch(() => undefined), holder.end({ timeout: 0 }), watcher.end({ timeout: 0 })]),
  };
}

function expectUnavailable(res: { status: number; body: any; headers: Headers }, what: string): void {
  expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status: 503, code: 'unavailable' });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('when PostgreSQL stops and starts again', () => {
  let dir: string;
  let port: number;
  let pg: RunningPostgres | undefined;
  let sql: Sql;
  let app: Billflow;

  const startPostgres = async () => {
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port, database: 'billflow_outage', fast: true });
    return pg;
  };

  beforeAll(async () => {
    // As root, postgres runs as its own user and must be able to reach its data directory.
    dir = await mkdtemp(path.join(tmpdir(), 'billflow-outage-'));
    await chmod(dir, 0o755);
    port = await freePort();
    const { url } = await startPostgres();
    sql = createSql(url, { max: 5 });
    await migrate(sql);
    app = await startBillflow({ sql, databaseUrl: url });
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await sql?.end({ timeout: 5 });
    await pg?.stop();
    if (pg) await rm(pg.dataDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  test('when the database stops in the middle of an idempotent create, then 503 with Retry-After, everything answers 503 meanwhile, /readyz names no address, and after the restart the same Idempotency-Key creates at once', async () => {
    const headers = { 'idempotency-key': 'outage-restart-1' };
    const hold = await holdInserts(pg!.url, 'dunning_policies');
    const pending = app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: policyBody, headers });
    await hold.untilWaiting();
    await pg!.stop();
    await hold.release();
    expectUnavailable(await pending, 'the interrupted create');

    for (const [method, url, body] of [
      ['GET', '/customers', undefined],
      ['GET', '/customers/cus_anything', undefined],
      ['GET', '/invoices/inv_anything', undefined],
      ['POST', '/customers', customerBody],
      ['POST', '/dunning-policies', policyBody],
    ] as const) {
      expectUnavailable(await app.http(method, url, { key: TEST_KEYS.operator, body }), `${method} ${url}`);
    }
    const ready = await app.http('GET', '/readyz', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual([
      { name: 'postgres', ok: false },
      { name: 'temporal', ok: true },
    ]);
    expect(JSON.stringify(ready.body)).not.toMatch(/ECONN|127\.0\.0\.1|\d{4,5}/);

    await startPostgres();
    const created = await eventually(async () => {
      const res = await app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: policyBody, headers });
      return res.status === 503 ? undefined : res;
    });
    expect(created.status).toBe(201);
    const again = await app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: policyBody, headers });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(created.body.id);
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from dunning_policies where name = ${policyBody.name}`;
    expect(row?.n).toBe(1);
    expect((await app.http('GET', '/readyz', { key: null })).status).toBe(200);
  }, 120_000);
});

/** A TCP proxy to PostgreSQL that can be cut (connections dropped, new ones refused) and restored, as a network fault would. */
async function cuttableProxy(target: number): Promise<{ port: number; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const serve = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect({ host: '127.0.0.1', port: target });
        for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
          sockets.add(a);
          a.pipe(b);
          a.on('error', () => b.destroy());
          a.on('close', () => {
            sockets.delete(a);
            b.destroy();
          });
        }
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  let server: Server | null = await serve(0);
  const port = (server.address() as AddressInfo).port;
  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = null;
  };
  return { port, cut, restore: async () => void (server = await serve(port)), close: cut };
}

describe('when the network to PostgreSQL fails while the database stays up', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let sql: Sql;
  let app: Billflow;

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await cuttableProxy(Number(direct.port));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    sql = createSql(viaProxy.toString(), { max: 5 });
    app = await startBillflow({ sql, databaseUrl: viaProxy.toString() });
  });

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await sql?.end({ timeout: 0 });
    await db?.drop();
  });

  test('when the connection drops in the middle of an idempotent create, then 503, and once the network is back the same Idempotency-Key creates at once (no 409 "in progress")', async () => {
    const headers = { 'idempotency-key': 'outage-network-1' };
    const hold = await holdInserts(db.url, 'dunning_policies');
    const pending = app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: policyBody, headers });
    await hold.untilWaiting();
    await proxy.cut();
    expectUnavailable(await pending, 'the interrupted create');
    expectUnavailable(await app.http('GET', '/customers', { key: TEST_KEYS.operator }), 'GET /customers');
    await hold.release();

    await proxy.restore();
    const created = await eventually(async () => {
      const res = await app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: policyBody, headers });
      return res.status === 503 ? undefined : res;
    });
    expect(created.status).toBe(201);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from dunning_policies where id = ${created.body.id}`;
    expect(row?.n).toBe(1);
    const conflict = await app.http('POST', '/dunning-policies', { key: TEST_KEYS.operator, body: { ...policyBody, name: 'Other' }, headers });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
  });
});

describe('when Temporal cannot be reached', () => {
  let db: TestDatabase;
  const apis: RunningApi[] = [];
  const connections: Connection[] = [];

  /** The api with a client whose Temporal is at `address`; no gRPC retries, so each call fails at once. */
  async function apiWithTemporalAt(address: string): Promise<RunningApi> {
    const connection = Connection.lazy({ address, interceptors: [] });
    connections.push(connection);
    const config = loadConfig({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: address, BILLFLOW_API_KEYS: `${TEST_KEYS.operator}:operator:olivia`, LOG_LEVEL: 'silent' });
    const api = await listen(createApp({ config, sql: db.sql, temporal: { client: new Client({ connection }), connection }, logger: createLogger('silent') }), 0, '127.0.0.1');
    apis.push(api);
    return api;
  }

  async function http(api: RunningApi, method: string, url: string, body?: unknown) {
    const res = await fetch(`${api.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${TEST_KEYS.operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const api of apis) await api.close();
    for (const connection of connections) await connection.close();
    await db.drop();
  });

  test('when the Temporal port is closed, then creating an invoice and reading one that only Temporal knows answer 503 with Retry-After, and /readyz says only "not ok"', async () => {
    const api = await apiWithTemporalAt(`127.0.0.1:${await freePort()}`);
    const customer = await http(api, 'POST', '/customers', customerBody);
    expect(customer.status).toBe(201);

    const invoice = await http(api, 'POST', '/invoices', { customerId: customer.body.id, lines: [{ description: 'x', quantity: 1, unitPriceMinor: 100 }] });
    expect(invoice.status).toBe(503);
    expect(invoice.body.error.code).toBe('unavailable');
    expect(Number(invoice.headers.get('retry-after'))).toBeGreaterThan(0);

    const read = await http(api, 'GET', '/invoices/inv_only_in_temporal');
    expect(read.status).toBe(503);

    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      checks: [
        { name: 'postgres', ok: true },
        { name: 'temporal', ok: false },
      ],
    });
  });
});
