import { loadConfig } from '../../src/config';
import { keyMatcher } from '../../src/api/auth';
import { apiHost } from '../../scripts/dev-stack';
import { type Billflow, startBillflow, TEST_KEYS } from '../support/billflow';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The api's defences over real HTTP. Limits are counted per api process, so each test that spends
 * a budget starts a billflow of its own (on this file's database).
 */
let db: TestDatabase;
const running: Billflow[] = [];

async function billflow(env: Record<string, string> = {}): Promise<Billflow> {
  const app = await startBillflow({ sql: db.sql, databaseUrl: db.url, env });
  running.push(app);
  return app;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const app of running) await app.stop();
  await db?.drop();
});

const customerBody = { name: 'Secure AG', email: 'ap@secure.test', currency: 'EUR' };

describe('headers', () => {
  test('when customers and invoices are read, then the answers carry nosniff, a same-origin CSP and Cache-Control: no-store', async () => {
    const app = await billflow();
    const created = await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: customerBody });
    for (const path of [`/customers/${created.body.id}`, '/customers', '/invoices', '/invoices/inv_missing', '/invoices/inv_missing/pdf']) {
      const res = await app.http('GET', path, { key: TEST_KEYS.viewer });
      expect({ path, nosniff: res.headers.get('x-content-type-options'), cache: res.headers.get('cache-control') }).toEqual({ path, nosniff: 'nosniff', cache: 'no-store' });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/https:|http:|\*|unsafe-inline|unsafe-eval/);
    }
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect((await app.http('GET', '/customers', { key: 'wrong-key-123' })).headers.get('cache-control')).toBe('no-store');
  });

  test('when a request sends an X-Request-Id, then a safe one is echoed and anything else is replaced by a UUID', async () => {
    const app = await billflow();
    const safe = await app.http('GET', '/healthz', { key: null, headers: { 'x-request-id': 'trace-42.a:b_c' } });
    expect(safe.headers.get('x-request-id')).toBe('trace-42.a:b_c');
    for (const unsafe of ['<script>alert(1)</script>', 'a'.repeat(129), 'two words', '"quoted"']) {
      const res = await app.http('GET', '/healthz', { key: null, headers: { 'x-request-id': unsafe } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});

describe('rate limits', () => {
  test('when one address fails authentication 20 times within a minute, then it gets 429 with Retry-After, even with a valid key', async () => {
    const app = await billflow();
    const failures = await Promise.all(Array.from({ length: 20 }, (_, i) => app.http('GET', '/customers', { key: `wrong-key-${i}` })));
    expect(failures.map((f) => f.status)).toEqual(Array(20).fill(401));

    for (const key of ['wrong-key-again', TEST_KEYS.admin, null]) {
      const res = await app.http('GET', '/customers', { key });
      expect(res.status).toBe(429);
      expect(res.body.error).toMatchObject({ code: 'rate_limited', details: [] });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    expect((await app.http('GET', '/healthz', { key: null })).status).toBe(200);
  });

  test('when a valid key makes many requests at once, then none of them counts as a failure', async () => {
    const app = await billflow({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' });
    const reads = await Promise.all(Array.from({ length: 50 }, () => app.http('GET', '/customers?limit=1', { key: TEST_KEYS.viewer })));
    expect(reads.every((r) => r.status === 200)).toBe(true);
  });

  test("when a browser asks for /favicon.ico on every page, then it is not a failed sign-in: the address keeps its budget", async () => {
    const app = await billflow({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' });
    const icons = await Promise.all(Array.from({ length: 10 }, () => app.http('GET', '/favicon.ico', { key: null })));
    expect(icons.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 204));
    expect((await app.http('GET', '/customers?limit=1', { key: TEST_KEYS.viewer })).status).toBe(200);
  });

  test('when one key sends more writes than its budget, then the excess gets 429 with Retry-After, reads still pass, and other keys still write', async () => {
    const app = await billflow({ RATE_LIMIT_WRITES_PER_MINUTE: '5' });
    const writes = [];
    for (let i = 0; i < 7; i++) writes.push(await app.http('POST', '/customers', { key: TEST_KEYS.operator, body: { ...customerBody, name: `Budget ${i}` } }));
    expect(writes.map((w) => w.status)).toEqual([201, 201, 201, 201, 201, 429, 429]);
    const limited = writes[6]!;
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const [stored] = await db.sql<{ n: number }[]>`select count(*)::int as n from customers where name like 'Budget %'`;
    expect(stored?.n).toBe(5);

    expect((await app.http('GET', '/customers', { key: TEST_KEYS.operator })).status).toBe(200);
    expect((await app.http('POST', '/customers', { key: TEST_KEYS.admin, body: { ...customerBody, name: 'Other key' } })).status).toBe(201);
  });
});

describe('API keys', () => {
  test('when a key differs from a valid one by a prefix, a suffix, its case or one character, then 401', async () => {
    const app = await billflow();
    for (const key of [TEST_KEYS.operator.slice(0, -1), `${TEST_KEYS.operator}x`, TEST_KEYS.operator.toUpperCase(), `${TEST_KEYS.operator.slice(0, -1)}Y`]) {
      expect((await app.http('GET', '/customers', { key })).status).toBe(401);
    }
    expect((await app.http('GET', '/customers', { key: TEST_KEYS.operator })).status).toBe(200);
  });

  test('when keys are matched, then only the exact key matches, whatever its position among the configured keys', () => {
    const keys = loadConfig({ BILLFLOW_API_KEYS: 'aaaaaaaa1:admin:a,bbbbbbbb2:viewer:b,aaaaaaaa1x:viewer:c' }).apiKeys;
    const match = keyMatcher(keys);
    expect(['aaaaaaaa1', 'bbbbbbbb2', 'aaaaaaaa1x', 'aaaaaaaa', 'nothing'].map(match)).toEqual([0, 1, 2, -1, -1]);
  });
});

describe('npm start', () => {
  test('when HOST is not set, then the api listens on loopback only; HOST opens it up', () => {
    const keys = { BILLFLOW_API_KEYS: 'k_dev_12345:admin:dev' };
    expect(apiHost(loadConfig(keys))).toBe('127.0.0.1');
    expect(apiHost(loadConfig({ ...keys, HOST: '0.0.0.0' }))).toBe('0.0.0.0');
  });
});
