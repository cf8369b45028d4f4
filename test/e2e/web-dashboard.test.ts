import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import { Visitor } from '../support/visitor';

/**
 * The receivables dashboard (/app/dashboard) over real HTTP, signed in as a viewer: its figures are
 * the reports api's for the same currency (GET /reports/aging, /reports/dso, /reports/collections),
 * and the few that are easy to work out by hand are checked by hand too. The set is in NOK, which no
 * other test uses, and this file has its own database.
 *
 *   invoice  issued     due          total   what happens
 *   N1       NOW-40D    NOW-10D+H    100000  nothing: unpaid, 10 days late
 *   N2       NOW-100D   NOW-70D+H     50000  nothing: unpaid, 70 days late
 *   N3       NOW-20D    NOW+10D       30000  30000 received NOW-2D (paid)
 *   N4       NOW-200D   NOW-170D+H    25000  nothing: unpaid, due before the late payers' 90 days
 */
const stack = useBillflow();
let app: Billflow;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.now();
const at = (ms: number) => new Date(ms).toISOString();
const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

async function api(path: string): Promise<any> {
  const res = await app.http('GET', path, { key: TEST_KEYS.viewer });
  expect(res.status).toBe(200);
  return res.body;
}

async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.http(method, path, { key: TEST_KEYS.operator, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

interface Row {
  /** The row's data- attributes, and a DSO cell's data-dso. */
  attrs: Record<string, string>;
  /** The data-minor of each money cell, in order. */
  minor: number[];
  cells: string[];
}

/** The body rows of the table with this id: their data- attributes, money cells and cell texts. */
function rowsOf(html: string, id: string): Row[] {
  const table = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (table === undefined) throw new Error(`the page has no table #${id}`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map(([, attrText = '', inner = '']) => ({
    attrs: Object.fromEntries([...`${attrText} ${/data-dso="[^"]*"/.exec(inner)?.[0] ?? ''}`.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map(([, k = '', v = '']) => [k, v])),
    minor: [...inner.matchAll(/data-minor="(-?\d+)"/g)].map(([, v]) => Number(v)),
    cells: [...inner.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(([, text = '']) => text.trim()),
  }));
}

let customerId = '';
let viewer: Visitor;

beforeAll(async () => {
  ({ app } = stack());
  const policy = await ok('POST', '/dunning-policies', { name: 'Dashboard: one reminder', steps: [{ offset: 'P1D', template: 'friendly' }] });
  customerId = (await ok('POST', '/customers', { name: 'Nordlys AS', email: 'ap@nordlys.test', currency: 'NOK', locale: 'en', dunningPolicyId: policy.id, externalId: 'dash-nordlys' }))
    .id as string;
  const row = (key: string, issued: number, due: number, total: string) => `dash-${key},dash-nordlys,OLD-${key},${at(issued)},${at(due)},NOK,${total},0,Services ${key}`;
  const report = await app.http('POST', '/imports/invoices', {
    key: TEST_KEYS.operator,
    rawBody: csv(
      'externalId,customerExternalId,number,issuedAt,dueAt,currency,total,amountPaid,description',
      row('N1', NOW - 40 * DAY, NOW - 10 * DAY + HOUR, '1000.00'),
      row('N2', NOW - 100 * DAY, NOW - 70 * DAY + HOUR, '500.00'),
      row('N3', NOW - 20 * DAY, NOW + 10 * DAY, '300.00'),
      row('N4', NOW - 200 * DAY, NOW - 170 * DAY + HOUR, '250.00'),
    ),
    headers: { 'content-type': 'text/csv' },
  });
  expect(report.body).toMatchObject({ imported: 4, rejected: [] });
  const listed = await api(`/invoices?limit=200&customerId=${customerId}`);
  const n3 = (listed.data as { id: string; number: string }[]).find((invoice) => invoice.number === 'OLD-N3');
  await ok('POST', `/invoices/${n3?.id}/payments`, { amountMinor: 30_000, method: 'bank_transfer', reference: 'bank-N3', receivedAt: at(NOW - 2 * DAY) });
  await eventually(async () => ((await api(`/invoices/${n3?.id}`)).status === 'paid' ? true : undefined));
  viewer = await Visitor.signedIn(() => app.url, TEST_KEYS.viewer);
});

describe('the receivables dashboard', () => {
  test('when a viewer opens it for NOK, then aging, DSO, invoiced and collected, and late payers are the reports api\'s figures', async () => {
    const page = await viewer.request('GET', '/app/dashboard?currency=NOK');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Receivables in NOK</h1>');

    // Aging by hand: N1 100000 at 10 days (1-30), N2 50000 at 70 days (61-90), N4 25000 at 170 days (90+), N3 paid.
    const aging = await api('/reports/aging?currency=NOK');
    expect(aging.buckets).toEqual({ current: 0, '1-30': 100_000, '31-60': 0, '61-90': 50_000, '90+': 25_000 });
    const agingRows = rowsOf(page.html, 'aging-figures');
    expect(agingRows.map((r) => [r.attrs.bucket, r.minor[0]])).toEqual([
      ...Object.entries(aging.buckets as Record<string, number>),
      ['total', 175_000],
    ]);
    expect(agingRows[1]?.cells[1]).toBe('NOK 1,000.00');

    // DSO: six month ends, oldest first, the last one now; each is the api's DSO (90 days) as of the row's moment.
    const dsoRows = rowsOf(page.html, 'dso-figures');
    expect(dsoRows).toHaveLength(6);
    for (const row of dsoRows) {
      const dso = await api(`/reports/dso?currency=NOK&asOf=${encodeURIComponent(row.attrs.to ?? '')}`);
      expect(dso.days).toBe(90);
      expect({ month: row.cells[0], dso: row.attrs.dso, minor: row.minor }).toEqual({
        month: row.cells[0],
        dso: dso.dso === null ? '' : String(dso.dso),
        minor: [dso.receivablesMinor, dso.salesMinor],
      });
    }
    // The earlier months are figures of their own (N4, issued NOW-200D, is a sale of the oldest months' windows), not now's again.
    expect(dsoRows.slice(0, 5).some((row) => row.attrs.dso !== '')).toBe(true);
    expect(new Set(dsoRows.map((row) => `${row.attrs.dso} ${row.minor.join()}`)).size).toBeGreaterThan(1);
    const last = dsoRows[5];
    // Receivables now: 175000 (N3 is paid); sales in the last 90 days: N1 100000 + N3 30000.
    expect(last?.minor).toEqual([175_000, 130_000]);
    // 175000 ÷ 130000 × 90 = 121.15… → 121.2 days.
    expect(last?.attrs.dso).toBe('121.2');
    expect(last?.cells[2]).toBe('121.2 days');
    for (const row of dsoRows.slice(0, 5)) expect(new Date(row.attrs.to ?? '').getUTCDate()).toBe(1);

    // Invoiced and collected, month by month, as GET /reports/collections over the same month.
    const monthRows = rowsOf(page.html, 'collections-figures');
    expect(monthRows).toHaveLength(6);
    for (const [i, row] of monthRows.entries()) {
      const current = i === monthRows.length - 1;
      const report = await api(`/reports/collections?currency=NOK&from=${encodeURIComponent(row.attrs.from ?? '')}${current ? '' : `&to=${encodeURIComponent(row.attrs.to ?? '')}`}`);
      expect(row.minor).toEqual([report.invoicedMinor, report.collectedMinor, report.outstandingMinor, report.writtenOffMinor]);
    }
    // All six months together: N1, N2 and N3 issued (180000), only N4 (NOW-200D) before them; N3's 30000 collected.
    const sum = (k: number) => monthRows.reduce((total, row) => total + (row.minor[k] ?? 0), 0);
    expect([sum(0), sum(1)]).toEqual([180_000, 30_000]);

    // Late payers over the 90 days up to now: N1 (10 days) and N2 (70 days), 40 on average.
    const collections = await api('/reports/collections?currency=NOK');
    expect(collections.latePayers).toEqual([{ customerId, name: 'Nordlys AS', lateInvoices: 2, averageDaysLate: 40 }]);
    expect(rowsOf(page.html, 'late-payers').map((r) => [r.attrs.customer, ...r.cells])).toEqual(
      (collections.latePayers as { customerId: string; name: string; lateInvoices: number; averageDaysLate: number }[]).map((p) => [
        p.customerId,
        p.name,
        String(p.lateInvoices),
        String(p.averageDaysLate),
      ]),
    );
  });

  test('when it is opened, then each chart is an SVG image drawn by ECharts with its figures in the alternative text, and the page links itself in the nav', async () => {
    const page = await viewer.request('GET', '/app/dashboard?currency=NOK');
    for (const id of ['aging-chart', 'dso-chart', 'collections-chart']) {
      const [, src, alt] = new RegExp(`<figure class="chart" id="${id}"><img src="data:image/svg\\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"`).exec(page.html) ?? [];
      expect(alt).toMatch(/\. .+: .+/);
      const svg = Buffer.from(src ?? '', 'base64').toString('utf8');
      expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 480 240"/);
      expect(svg).not.toMatch(/<script|on\w+=/i);
    }
    // The aging chart's axis reads in bucket names; the collections chart has a legend of its two series.
    const svgOf = (id: string) => Buffer.from(new RegExp(`id="${id}"><img src="data:image/svg\\+xml;base64,([^"]+)"`).exec(page.html)?.[1] ?? '', 'base64').toString('utf8');
    expect(svgOf('aging-chart')).toContain('>Over 90 days</text>');
    expect(svgOf('collections-chart')).toMatch(/>Invoiced<\/text>[\s\S]*>Collected<\/text>/);
    expect(page.html).toContain('<nav aria-label="Main">');
    expect(page.html).toContain('href="/app/dashboard"');
    expect(page.html).not.toContain('<script');
  });

  test('when the currency is typed in lower case in the selector, then it is that currency; an unknown one is a 400 page', async () => {
    const lower = await viewer.request('GET', '/app/dashboard?currency=nok');
    expect(lower.status).toBe(200);
    expect(lower.html).toContain('<h1>Receivables in NOK</h1>');
    expect(lower.html).toMatch(/<form method="get" action="\/app\/dashboard"[\s\S]*name="currency" value="NOK"/);

    const other = await viewer.request('GET', '/app/dashboard');
    expect(other.html).toContain('<h1>Receivables in EUR</h1>');
    expect(rowsOf(other.html, 'aging-figures').every((r) => r.minor[0] === 0)).toBe(true);

    const wrong = await viewer.request('GET', '/app/dashboard?currency=XYZ');
    expect(wrong.status).toBe(400);
  });

  test('when nobody is signed in, then the dashboard sends them to sign in', async () => {
    const page = await new Visitor(() => app.url).request('GET', '/app/dashboard?currency=NOK');
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/app/login?next=${encodeURIComponent('/app/dashboard?currency=NOK')}`);
  });
});
