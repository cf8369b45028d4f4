import { randomBytes } from 'node:crypto';
import { previousPeriod } from '../../src/domain/billing-period';
import { billingScheduleId } from '../../src/temporal/workflow-ids';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';

/**
 * Billing schedules over real HTTP against the Temporal dev server's real Schedules: refusals, roles,
 * the next firing in the schedule's time zone, a trigger that bills the month just ended, delete.
 * Every test file shares the one Temporal server: this file's schedule names carry a suffix of its own.
 */
const stack = useBillflow();
let app: Billflow;
let db: TestDatabase;
beforeAll(() => {
  ({ app, db } = stack());
});

const SUFFIX = randomBytes(3).toString('hex');
const named = (name: string) => `${name}-${SUFFIX}`;
const created: string[] = [];

/** Deletes what a describe made (inside it: useBillflow's afterAll stops the api before a top-level one would run). */
async function deleteCreated(): Promise<void> {
  for (const name of created.splice(0)) await app.http('DELETE', `/billing-schedules/${name}`, { key: TEST_KEYS.operator });
}

const create = async (body: Record<string, unknown>, key: string = TEST_KEYS.operator) => {
  const res = await app.http('POST', '/billing-schedules', { key, body });
  if (res.status === 201) created.push(res.body.name as string);
  return res;
};
const list = async (key: string = TEST_KEYS.viewer) => {
  const res = await app.http('GET', '/billing-schedules', { key });
  expect(res.status).toBe(200);
  return res.body.data as any[];
};
const trigger = (name: string, key: string = TEST_KEYS.operator) => app.http('POST', `/billing-schedules/${name}/trigger`, { key });
const remove = (name: string, key: string = TEST_KEYS.operator) => app.http('DELETE', `/billing-schedules/${name}`, { key });

/** The local wall-clock time of an instant in a time zone, as `YYYY-MM-DD hh:mm:ss`. */
const localTime = (iso: string, timeZone: string) => new Date(iso).toLocaleString('sv-SE', { timeZone });

describe('creating a billing schedule', () => {
  afterAll(deleteCreated);

  test.each([
    ['an unknown time zone', 'timeZone', 'IANA time zone', { timeZone: 'Mars/Olympus' }],
    ['an offset for a time zone', 'timeZone', 'IANA time zone', { timeZone: '+01:00' }],
    ['day 29', 'dayOfMonth', '<=28', { dayOfMonth: 29 }],
    ['day 0', 'dayOfMonth', '>=1', { dayOfMonth: 0 }],
    ['hour 24', 'hour', '<=23', { hour: 24 }],
    ['an hour with minutes', 'hour', 'expected int', { hour: 6.5 }],
    ['a name with capitals', 'name', 'lowercase', { name: 'Monthly' }],
    ['a NUL in the name', 'name', 'NUL', { name: 'monthly\u0000' }],
    ['a NUL in the time zone', 'timeZone', 'NUL', { timeZone: 'Europe/Berlin\u0000' }],
    ['a name starting with a dash', 'name', 'lowercase', { name: '-monthly' }],
    ['no time zone', 'timeZone', 'is required', { timeZone: undefined }],
    ['an unknown field', 'cron', 'unknown field', { cron: '0 6 1 * *' }],
  ])('when it has %s, then 400 names %s and no schedule is made', async (_what, path, message, change) => {
    const name = named('refused');
    const res = await create({ name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin', ...change });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toContainEqual({ path, message: expect.stringContaining(message) });
    expect((await trigger(name)).status).toBe(404);
  });

  test('when a viewer or an approver writes, then 403; both may read', async () => {
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.approver]) {
      expect((await create({ name: named('forbidden'), dayOfMonth: 1, timeZone: 'UTC' }, key)).status).toBe(403);
      expect((await trigger(named('forbidden'), key)).status).toBe(403);
      expect((await remove(named('forbidden'), key)).status).toBe(403);
      await list(key);
    }
  });

  test('when a schedule is created, then it fires next on its day and hour in its time zone, lists, and its name cannot be taken again', async () => {
    const name = named('berlin');
    const res = await create({ name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/billing-schedules/${name}`);
    expect(res.body).toMatchObject({ name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin', paused: false });
    expect(res.body.lastRunAt).toBeUndefined();
    // 06:00 on the 1st in Berlin: 05:00 UTC in winter, 04:00 in summer.
    expect(localTime(res.body.nextRunAt, 'Europe/Berlin')).toMatch(/^\d{4}-\d{2}-01 06:00:00$/);
    const next = Date.parse(res.body.nextRunAt);
    expect(next).toBeGreaterThan(Date.now());
    expect(next).toBeLessThanOrEqual(Date.now() + 32 * 86_400_000);

    const listed = await eventually(async () => (await list()).find((s) => s.name === name));
    expect(listed).toEqual({ name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin', nextRunAt: res.body.nextRunAt, paused: false });

    const again = await create({ name, dayOfMonth: 15, timeZone: 'UTC' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  test('when a schedule fires on the 1st at 06:00 in Berlin, then each of Temporal\'s next firings is at 06:00 there, across the daylight-saving changes', async () => {
    const name = named('dst');
    expect((await create({ name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin' })).status).toBe(201);
    // The real Schedule's own calendar, as the dev server computes it: its next firings.
    const { info } = await app.temporal.client.schedule.getHandle(billingScheduleId(name)).describe();
    const firings = info.nextActionTimes.map((at) => at.toISOString());
    expect(firings.length).toBeGreaterThanOrEqual(6);
    for (const at of firings) expect(localTime(at, 'Europe/Berlin')).toMatch(/^\d{4}-\d{2}-01 06:00:00$/);
    // One firing a month, each a month after the one before, and each billing the month it follows.
    const months = firings.map((at) => at.slice(0, 7));
    expect(new Set(months).size).toBe(months.length);
    for (let i = 1; i < firings.length; i++) expect(previousPeriod(new Date(firings[i] as string), 'Europe/Berlin')).toBe(months[i - 1]);
    // Summer and winter time both among them: 04:00 UTC in summer (CEST), 05:00 UTC in winter (CET).
    const utcHours = new Set(firings.map((at) => at.slice(11, 16)));
    expect(utcHours).toEqual(new Set(['04:00', '05:00']));
  });

  test('when the hour is left out and the zone is spelled loosely, then it fires at midnight in the zone Intl names', async () => {
    const res = await create({ name: named('tokyo'), dayOfMonth: 28, timeZone: 'Asia/Tokyo' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ hour: 0, timeZone: 'Asia/Tokyo' });
    expect(localTime(res.body.nextRunAt, 'Asia/Tokyo')).toMatch(/^\d{4}-\d{2}-28 00:00:00$/);
    const utc = await create({ name: named('utc'), dayOfMonth: 2, hour: 3, timeZone: 'utc' });
    expect(utc.status).toBe(201);
    expect(utc.body.timeZone).toBe('UTC');
    expect(utc.body.nextRunAt).toMatch(/^\d{4}-\d{2}-02T03:00:00\.000Z$/);
  });
});

describe('triggering and deleting a billing schedule', () => {
  afterAll(deleteCreated);

  test('when a schedule is triggered, then a run of the month just ended in its time zone appears, and the schedule shows it ran', async () => {
    const name = named('trigger');
    expect((await create({ name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin' })).status).toBe(201);
    const before = Date.now();
    const res = await trigger(name);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ name, triggered: true });

    // A trigger fires now (a month end may fall between `before` and the firing: either month is right).
    const periods = new Set([previousPeriod(new Date(before), 'Europe/Berlin'), previousPeriod(new Date(), 'Europe/Berlin')]);
    const run = await eventually(async () => {
      for (const period of periods) {
        const found = await app.http('GET', `/billing-runs/run_${period}`, { key: TEST_KEYS.viewer });
        if (found.status === 200) return found.body;
      }
      return undefined;
    }, 30_000);
    expect(periods.has(run.period)).toBe(true);
    expect(run).toMatchObject({ id: `run_${run.period}`, dryRun: false });
    expect(['running', 'completed']).toContain(run.status);

    const listed = await eventually(async () => (await list()).find((s) => s.name === name && s.lastRunAt));
    expect(Date.parse(listed.lastRunAt)).toBeGreaterThanOrEqual(before - 1_000);
  });

  test('when five creates of one name and then five triggers arrive at once, then one schedule is made, and the triggers bill the month once', async () => {
    const name = named('race');
    const body = { name, dayOfMonth: 1, hour: 6, timeZone: 'Europe/Berlin' };
    const creates = await Promise.all(Array.from({ length: 5 }, () => create(body)));
    expect(creates.map((c) => c.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await list()).filter((s) => s.name === name)).toHaveLength(1);

    const period = previousPeriod(new Date(), 'Europe/Berlin');
    const triggers = await Promise.all(Array.from({ length: 5 }, () => trigger(name)));
    expect(triggers.map((t) => t.status)).toEqual([202, 202, 202, 202, 202]);
    await eventually(async () => ((await app.http('GET', `/billing-runs/run_${period}`, { key: TEST_KEYS.viewer })).status === 200 ? true : undefined), 30_000);
    const [runs] = await db.sql<{ n: number }[]>`select count(*)::int as n from billing_runs where period = ${period} and not dry_run`;
    expect(runs?.n).toBe(1);
  });

  test('when a schedule is deleted, then it no longer lists and trigger and delete answer 404', async () => {
    const name = named('deleted');
    expect((await create({ name, dayOfMonth: 5, timeZone: 'UTC' })).status).toBe(201);
    await eventually(async () => (await list()).find((s) => s.name === name));
    const res = await remove(name);
    expect(res.status).toBe(204);
    await eventually(async () => ((await list()).some((s) => s.name === name) ? undefined : true));
    for (const answer of [await trigger(name), await remove(name)]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
  });

  test('when a schedule does not exist, or its name could not be one, then 404', async () => {
    for (const name of [named('nobody'), 'Not%20A%20Name', '-x']) {
      for (const res of [await trigger(name), await remove(name)]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
    expect((await trigger(named('nobody'))).body.error.message).toBe(`billing schedule ${named('nobody')} does not exist`);
  });
});
