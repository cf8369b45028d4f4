import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { monthsOfOwnYear } from '../support/periods';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * The operator's command line (`npm run billflow`) as a child process against a running api, its
 * output piped (not a terminal), as CI sees it: what it prints and how it exits.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});

const month = monthsOfOwnYear();

const ROOT = resolve(__dirname, '../..');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function billflowCli(args: string[], env: Record<string, string | undefined> = {}, onOutput?: (stdout: string, signal: (name: NodeJS.Signals) => void) => void): Promise<Finished> {
  const { BILLFLOW_URL: _url, BILLFLOW_API_KEY: _key, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...inherited, BILLFLOW_URL: app.url, BILLFLOW_API_KEY: TEST_KEYS.operator, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout, (name) => child.kill(name));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function createCustomer(name: string, approval: 'never' | 'always' = 'never'): Promise<string> {
  // `never` (admin only) so the run's invoices are issued and sent without an approver.
  const res = await app.http('POST', '/customers', { key: TEST_KEYS.admin, body: { name, email: `ap@${name.toLowerCase().replace(/\W/g, '')}.test`, currency: 'EUR', approval } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function createCharge(customerId: string, period: string, unitPriceMinor: number): Promise<void> {
  const res = await app.http('POST', '/charges', { key: TEST_KEYS.operator, body: { customerId, description: `Work ${unitPriceMinor}`, quantity: 1, unitPriceMinor, period } });
  expect(res.status).toBe(201);
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

describe('npm run billflow -- run', () => {
  test('when a period is run, then the output names the run and ends with a summary whose counts are the api\'s, and it exits 0', async () => {
    const P = month(1);
    const customer = await createCustomer('Cli Alpha AG');
    await createCharge(customer, P, 10_000);
    await createCharge(customer, P, 2_550);

    const { code, stdout, stderr } = await billflowCli(['run', P, '--customers', customer, '--interval', '0.2']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`Run run_${P} for ${P} started`);
    const run = (await app.http('GET', `/billing-runs/run_${P}`, { key: TEST_KEYS.viewer })).body;
    expect(run).toMatchObject({ status: 'completed', counts: { planned: 1, created: 1, failed: 0 } });
    const c = run.counts as { planned: number; created: number; issued: number; sent: number; failed: number };
    expect(lastLine(stdout)).toMatch(
      new RegExp(`^Run run_${P} completed in \\d+:\\d\\d: planned ${c.planned}, created ${c.created}, issued ${c.issued}, sent ${c.sent}, failed ${c.failed} \\([\\d.]+ invoices/s\\)$`),
    );
    expect(stdout).toContain('Totals: EUR 125.50');

    // The same command again finds the same run (the Idempotency-Key is the arguments), and follows it to the end.
    const again = await billflowCli(['run', P, '--customers', customer]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Run run_${P} for ${P} already exists (completed)`);
  });

  test('when BILLFLOW_API_KEY is not set, then it exits non-zero naming the variable and asks the api nothing', async () => {
    const { code, stdout, stderr } = await billflowCli(['run', month(2)], { BILLFLOW_API_KEY: undefined });
    expect(code).not.toBe(0);
    expect(stderr).toContain('BILLFLOW_API_KEY');
    expect(stdout).toBe('');
    expect((await app.http('GET', `/billing-runs/run_${month(2)}`)).status).toBe(404);
  });

  test('when the period is not a month, then the api\'s 400 message and details are shown and it exits non-zero', async () => {
    const refusal = (await app.http('POST', '/billing-runs', { key: TEST_KEYS.operator, body: { period: `${month(1).slice(0, 4)}-13`, dryRun: false } })).body.error;
    expect(refusal.code).toBe('validation_failed');

    const { code, stderr } = await billflowCli(['run', `${month(1).slice(0, 4)}-13`]);

    expect(code).toBe(3);
    expect(stderr).toContain(`the api answered 400 validation_failed: ${refusal.message as string}`);
    for (const detail of refusal.details as { path: string; message: string }[]) expect(stderr).toContain(`${detail.path}: ${detail.message}`);
  });

  test('when a run is a dry run, then it prints how many invoices it would create and creates none', async () => {
    const P = month(3);
    const customers = [await createCustomer('Cli Beta GmbH'), await createCustomer('Cli Gamma SA')];
    for (const customer of customers) await createCharge(customer, P, 4_200);

    const { code, stdout } = await billflowCli(['run', P, '--dry-run', '--customers', customers.join(','), '--interval', '0.2']);

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Dry run run_${P}_dry_[0-9a-z]+ for ${P} started`));
    expect(stdout).toContain('Previews: 2 invoices would be created');
    expect(lastLine(stdout)).toMatch(/^Dry run run_\S+ completed in \d+:\d\d: planned 2, created 2, issued 0, sent 0, failed 0/);
    const [invoices] = await db.sql<{ n: number }[]>`select count(*)::int as n from invoices where customer_id in ${db.sql(customers)}`;
    expect(invoices?.n).toBe(0);
    const pending = await eventually(async () => (await app.http('GET', '/charges?status=pending&limit=200', { key: TEST_KEYS.viewer })).body.data as { customerId: string }[]);
    expect(pending.filter((ch) => customers.includes(ch.customerId))).toHaveLength(2);
  });

  test('when a run does not exist, then follow shows the api\'s 404 and exits non-zero', async () => {
    const { code, stderr } = await billflowCli(['follow', 'run_1999-01']);
    expect(code).toBe(3);
    expect(stderr).toContain('404 not_found: billing run run_1999-01 does not exist');
  });

  test('when a run ends with an invoice waiting for an approver, then it follows a little longer and says how many are not sent yet', async () => {
    const P = month(4);
    const customers = [await createCustomer('Cli Delta AG'), await createCustomer('Cli Epsilon AG', 'always')];
    for (const customer of customers) await createCharge(customer, P, 1_000);

    const { code, stdout } = await billflowCli(['run', P, '--customers', customers.join(','), '--interval', '0.2']);

    expect(code).toBe(0);
    expect(stdout).toContain('invoices not sent yet; following them a little longer');
    expect(stdout).toContain('Not sent yet: 1 (waiting for an approver');
    expect(lastLine(stdout)).toMatch(new RegExp(`^Run run_${P} completed in \\d+:\\d\\d: planned 2, created 2, issued 1, sent 1, failed 0`));
  });

  test('when Ctrl-C stops following, then it says the run goes on, exits 130, and the run is not cancelled', async () => {
    const P = month(5);
    const customer = await createCustomer('Cli Zeta AG', 'always');
    await createCharge(customer, P, 1_000);

    // One Ctrl-C only: a second one ends the process at once, as Node does by default.
    let interrupted = false;
    const { code, stdout } = await billflowCli(['run', P, '--customers', customer, '--interval', '0.2'], {}, (out, signal) => {
      if (!interrupted && out.includes('not sent yet; following')) signal('SIGINT');
      interrupted ||= out.includes('not sent yet; following');
    });

    expect(code).toBe(130);
    expect(lastLine(stdout)).toBe(`Stopped following run_${P}: the run was not cancelled and goes on. Follow it again: npm run billflow -- follow run_${P}`);
    expect((await app.http('GET', `/billing-runs/run_${P}`, { key: TEST_KEYS.viewer })).body.status).toBe('completed');
  });
});
