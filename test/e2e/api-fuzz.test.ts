import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureSchemathesis } from '../../scripts/provision/tools';
import { type Billflow, startBillflow, TEST_KEYS } from '../support/billflow';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * schemathesis, a property-based API fuzzer, against the api's own `/openapi.json`: every operation
 * gets requests generated from the document, valid ones and invalid ones (wrong types, missing and
 * unknown fields, out-of-range values, malformed bodies), and every answer must be no 5xx and match
 * the document: a documented status code, content type, headers and body. An invalid request that
 * the api accepts fails too (`negative_data_rejection`): the document must not be stricter than the
 * api, and the `describeChecks` of src/api/openapi.ts keep it from being looser.
 *
 * Bounded and reproducible: a fixed seed and at most MAX_EXAMPLES cases per operation and phase
 * (BILLFLOW_FUZZ_SEED and BILLFLOW_FUZZ_EXAMPLES override them for a longer hunt by hand).
 * Path and body ids come from a dictionary of seeded resources part of the time, so requests reach
 * real customers, invoices and policies rather than only 404s.
 */
const SEED = Number(process.env.BILLFLOW_FUZZ_SEED ?? 20_261_124);
const MAX_EXAMPLES = Number(process.env.BILLFLOW_FUZZ_EXAMPLES ?? 50);
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
  'negative_data_rejection',
];
/**
 * A guard against a run that hangs, not a speed target: the whole run is killed past this. With 64
 * operations it takes 140 to 150 s on two cores (more operations, more time: 150 s was too tight).
 */
const RUN_TIMEOUT_MS = Number(process.env.BILLFLOW_FUZZ_TIMEOUT_MS ?? 360_000);

let db: TestDatabase;
let app: Billflow;

beforeAll(async () => {
  db = await createTestDatabase();
  // The fuzzer writes thousands of times a minute with one key, and sends bad keys on purpose:
  // under the default limits most of its requests would be answered 429 and test nothing else.
  app = await startBillflow({
    sql: db.sql,
    databaseUrl: db.url,
    env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1000000' },
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

interface Seeded {
  customers: string[];
  invoices: string[];
  policies: string[];
  charges: string[];
  runs: string[];
}

async function create(pathname: string, body: object): Promise<string> {
  const res = await app.http('POST', pathname, { key: TEST_KEYS.admin, body });
  if (res.status !== 201) throw new Error(`seeding ${pathname} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function startRun(body: object): Promise<string> {
  const res = await app.http('POST', '/billing-runs', { key: TEST_KEYS.admin, body });
  if (res.status !== 202) throw new Error(`seeding /billing-runs answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Customers with each approval rule, invoices of each (drafts awaiting approval and issued ones), charges, and billing runs. */
async function seed(): Promise<Seeded> {
  const policy = await create('/dunning-policies', { name: 'fuzz', steps: [{ offset: 'P7D', template: 'friendly' }] });
  const customers = [
    await create('/customers', { name: 'Fuzz Always GmbH', email: 'always@fuzz.test', currency: 'EUR', approval: 'always', dunningPolicyId: policy }),
    await create('/customers', { name: 'Fuzz Never Ltd', email: 'never@fuzz.test', currency: 'GBP', approval: 'never' }),
  ];
  const invoices: string[] = [];
  for (const customerId of customers) {
    for (const unitPrice of ['120.00', '9.99']) {
      invoices.push(await create('/invoices', { customerId, lines: [{ description: 'Consulting', quantity: '2.5', unitPrice }] }));
    }
  }
  const charges: string[] = [];
  for (const customerId of customers) {
    for (const kind of ['one_off', 'time', 'usage']) {
      charges.push(await create('/charges', { customerId, kind, description: `Fuzz ${kind}`, quantity: '3', unitPriceMinor: 2500 }));
    }
  }
  // A dry run that previews the charges, and a real run of a period before them (it bills none, so
  // the charges stay pending for the fuzzer's cancels).
  const runs = [await startRun({ period: new Date().toISOString().slice(0, 7), dryRun: true }), await startRun({ period: '2001-01' })];
  return { customers, invoices, policies: [policy, 'default'], charges, runs };
}

/** schemathesis.toml: dictionaries of the seeded ids, bound to the parameters that name them. */
function configToml(seeded: Seeded): string {
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const bind = (dictionary: string, probability: number) => `{ dictionary = "${dictionary}", probability = ${probability} }`;
  return [
    '[cache]',
    'enabled = false',
    '[dictionaries.customer-ids]',
    `values = ${list(seeded.customers)}`,
    '[dictionaries.invoice-ids]',
    `values = ${list(seeded.invoices)}`,
    '[dictionaries.policy-ids]',
    `values = ${list(seeded.policies)}`,
    '[dictionaries.charge-ids]',
    `values = ${list(seeded.charges)}`,
    '[dictionaries.run-ids]',
    `values = ${list(seeded.runs)}`,
    '[parameters]',
    `"body.customerId" = ${bind('customer-ids', 0.7)}`,
    `"query.customerId" = ${bind('customer-ids', 0.5)}`,
    `"body.dunningPolicyId" = ${bind('policy-ids', 0.7)}`,
    ...[
      ['^/invoices/\\{id\\}', 'invoice-ids'],
      ['^/customers/\\{id\\}$', 'customer-ids'],
      ['^/dunning-policies/\\{id\\}$', 'policy-ids'],
      ['^/charges/\\{id\\}', 'charge-ids'],
      ['^/billing-runs/\\{id\\}', 'run-ids'],
    ].flatMap(([pattern, dictionary]) => [
      '[[operations]]',
      `include-path-regex = ${JSON.stringify(pattern)}`,
      `parameters = { "path.id" = ${bind(dictionary as string, 0.7)} }`,
    ]),
    '',
  ].join('\n');
}

interface RunReport {
  exit_code: number;
  operations: { selected: number; tested: number; errored: number };
  test_cases: { generated: number; with_failures: number };
  errors: unknown[];
  warnings: { rate_limited?: string[] };
}

function runSchemathesis(python: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'schemathesis.cli', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', PYTHONIOENCODING: 'utf-8', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: RUN_TIMEOUT_MS,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('when schemathesis fuzzes every operation of /openapi.json, then no answer is a 5xx and every answer matches the document', async () => {
  const python = await ensureSchemathesis((line) => process.stderr.write(`[api-fuzz] ${line}\n`));
  const seeded = await seed();
  const dir = await mkdtemp(path.join(tmpdir(), 'billflow-fuzz-'));
  try {
    await writeFile(path.join(dir, 'schemathesis.toml'), configToml(seeded));
    const reportPath = path.join(dir, 'report.json');
    const started = Date.now();
    const { code, output } = await runSchemathesis(
      python,
      [
        '--config-file', path.join(dir, 'schemathesis.toml'),
        'run', `${app.url}/openapi.json`,
        '--header', `Authorization: Bearer ${TEST_KEYS.admin}`,
        '--checks', CHECKS.join(','),
        '--mode', 'all',
        '--max-examples', String(MAX_EXAMPLES),
        '--seed', String(SEED),
        '--generation-database', 'none',
        '--request-timeout', '20',
        '--no-color',
        '--report', 'json',
        '--report-json-path', reportPath,
      ],
      dir,
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    if (code === null) throw new Error(`schemathesis did not finish within ${RUN_TIMEOUT_MS / 1000} s:\n${output}`);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as RunReport;
    process.stderr.write(
      `[api-fuzz] ${report.test_cases.generated} requests over ${report.operations.tested} operations in ${seconds} s (seed ${SEED}, ${MAX_EXAMPLES} examples per operation and phase)\n`,
    );
    if (code !== 0) throw new Error(`schemathesis found responses that are 5xx or do not match /openapi.json (exit ${code}):\n${output}`);
    expect(report.errors).toEqual([]);
    expect(report.warnings.rate_limited ?? []).toEqual([]);
    expect(report.operations).toMatchObject({ errored: 0, tested: report.operations.selected });
    expect(report.operations.selected).toBeGreaterThanOrEqual(20);
    expect(report.test_cases.generated).toBeGreaterThan(report.operations.selected * MAX_EXAMPLES);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, RUN_TIMEOUT_MS + 60_000);
