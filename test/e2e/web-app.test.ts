import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import type { TestDatabase } from '../support/database';
import { Visitor } from '../support/visitor';

/**
 * The pages under /app over real HTTP (no browser), against the real stack: sign-in into a session
 * cookie, CSRF tokens on every form, and the approvals inbox deciding through the invoice workflow.
 */
const stack = useBillflow();
let db: TestDatabase;
let app: Billflow;
beforeAll(() => {
  ({ db, app } = stack());
});



const csrfOf = (html: string): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the page has no CSRF token');
  return token;
};

async function signedIn(key: string): Promise<{ visitor: Visitor; csrf: string; inbox: string }> {
  const visitor = new Visitor(() => app.url);
  const form = await visitor.get('/app/login');
  const login = await visitor.post('/app/login', { _csrf: csrfOf(form.html), apiKey: key });
  expect(login.status).toBe(303);
  expect(login.location).toBe('/app/approvals');
  const inbox = await visitor.get('/app/approvals');
  expect(inbox.status).toBe(200);
  return { visitor, csrf: csrfOf(inbox.html), inbox: inbox.html };
}

async function customer(name: string): Promise<string> {
  const res = await app.http('POST', '/customers', {
    key: TEST_KEYS.operator,
    body: { name, email: `ap-${Math.random().toString(36).slice(2, 8)}@customer.test`, currency: 'EUR', taxRateBps: 1900, approval: 'always' },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** An invoice waiting for approval, created by the holder of `key`. */
async function pendingInvoice(customerId: string, description: string, key: string = TEST_KEYS.operator): Promise<string> {
  const res = await app.http('POST', '/invoices', { key, body: { customerId, lines: [{ description, quantity: '3', unitPrice: '120.00' }] } });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  await eventually(async () => ((await invoiceNow(id)).status === 'pending_approval' ? true : undefined));
  return id;
}

const invoiceNow = async (id: string) => (await app.http('GET', `/invoices/${id}`, { key: TEST_KEYS.viewer })).body;

describe('sign-in', () => {
  test('when a person signs in with a valid key, then a session cookie (HttpOnly, SameSite, no key in it) shows who they are', async () => {
    const visitor = new Visitor(() => app.url);
    const form = await visitor.get('/app/login');
    expect(form.status).toBe(200);
    expect(form.html).toContain('<html lang="en">');
    expect(form.html).toMatch(/<label for="api-key">API key<\/label>/);

    const wrong = await visitor.post('/app/login', { _csrf: csrfOf(form.html), apiKey: 'not_a_key' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('That API key is not valid.');
    expect(visitor.cookies.has('billflow_session')).toBe(false);

    const right = await visitor.post('/app/login', { _csrf: csrfOf(wrong.html), apiKey: TEST_KEYS.approver });
    expect(right.status).toBe(303);
    const cookie = right.setCookies.find((c) => c.startsWith('billflow_session=')) ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TEST_KEYS.approver);
    const stored = await db.sql<{ principal: string; role: string }[]>`select principal, role from web_sessions`;
    expect(JSON.stringify(stored)).not.toContain(TEST_KEYS.approver);

    const inbox = await visitor.get('/app/approvals');
    expect(inbox.status).toBe(200);
    expect(inbox.html).toMatch(/Signed in as <strong>arthur<\/strong> \(approver\)/);
  });

  test('when a sign-in posts without the form token, then it is refused and no session starts', async () => {
    const visitor = new Visitor(() => app.url);
    await visitor.get('/app/login');
    const refused = await visitor.post('/app/login', { apiKey: TEST_KEYS.approver });
    expect(refused.status).toBe(403);
    expect(visitor.cookies.has('billflow_session')).toBe(false);
  });

  test('when nobody is signed in, then the inbox sends them to sign in and a post is refused', async () => {
    const visitor = new Visitor(() => app.url);
    const page = await visitor.get('/app/approvals');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/app/login');
    expect((await visitor.post('/app/approvals/inv_x/approve', { _csrf: 'x' })).status).toBe(401);
  });

  test('when a person signs out, then the old session cookie no longer opens the inbox or acts', async () => {
    const { visitor, csrf } = await signedIn(TEST_KEYS.approver);
    const old = visitor.cookies.get('billflow_session') ?? '';
    const out = await visitor.post('/app/logout', { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/app/login');
    expect(visitor.cookies.has('billflow_session')).toBe(false);

    const replay = new Visitor(() => app.url);
    replay.cookies.set('billflow_session', old);
    expect((await replay.get('/app/approvals')).location).toBe('/app/login');
    const c = await customer('Signed Out GmbH');
    const id = await pendingInvoice(c, 'After sign-out');
    expect((await replay.post(`/app/approvals/${id}/approve`, { _csrf: csrf })).status).toBe(401);
    expect((await invoiceNow(id)).status).toBe('pending_approval');
  });
});

describe('approvals inbox', () => {
  test('when an approver approves one invoice and rejects another with a reason, then the api shows the new states', async () => {
    const c = await customer('Inbox Werke AG');
    const first = await pendingInvoice(c, 'Consulting first');
    const second = await pendingInvoice(c, 'Consulting second');
    const { visitor, csrf, inbox } = await signedIn(TEST_KEYS.approver);

    expect(inbox.indexOf(first)).toBeGreaterThan(-1);
    expect(inbox.indexOf(first)).toBeLessThan(inbox.indexOf(second));
    expect(inbox).toContain('Inbox Werke AG');
    expect(inbox).toContain('EUR 428.40');
    expect(inbox).toContain('Consulting first');
    expect(inbox).toMatch(/<dt>Created by<\/dt><dd>olivia<\/dd>/);
    expect(inbox).toContain(`action="/app/approvals/${first}/approve"`);

    const noReason = await visitor.post(`/app/approvals/${second}/reject`, { _csrf: csrf, reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toMatch(/was not changed: .*reason is required/);

    const approved = await visitor.post(`/app/approvals/${first}/approve`, { _csrf: csrf, comment: 'fine' });
    expect(approved.status).toBe(200);
    expect(approved.html).toMatch(new RegExp(`Invoice ${first} approved: it is now`));
    expect(approved.html).not.toContain(`action="/app/approvals/${first}/approve"`);

    const rejected = await visitor.post(`/app/approvals/${second}/reject`, { _csrf: csrf, reason: 'wrong rate' });
    expect(rejected.status).toBe(200);
    expect(rejected.html).toMatch(new RegExp(`Invoice ${second} rejected: it is now rejected`));

    const a = await eventually(async () => {
      const body = await invoiceNow(first);
      return body.number ? body : undefined;
    });
    expect(a.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'approved', reason: 'fine' })]);
    const b = await invoiceNow(second);
    expect(b.status).toBe('rejected');
    expect(b.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'rejected', reason: 'wrong rate' })]);

    const late = await visitor.post(`/app/approvals/${second}/approve`, { _csrf: csrf });
    expect(late.status).toBe(409);
    expect(late.html).toContain(`Invoice ${second} was not changed`);
  });

  test('when a post carries no or a wrong CSRF token, then it is refused and the invoice stays as it was', async () => {
    const c = await customer('Csrf KG');
    const id = await pendingInvoice(c, 'Guarded');
    const { visitor, csrf } = await signedIn(TEST_KEYS.approver);
    expect((await visitor.post(`/app/approvals/${id}/approve`, {})).status).toBe(403);
    expect((await visitor.post(`/app/approvals/${id}/approve`, { _csrf: `${csrf}x` })).status).toBe(403);
    const other = await signedIn(TEST_KEYS.admin);
    expect((await visitor.post(`/app/approvals/${id}/approve`, { _csrf: other.csrf })).status).toBe(403);
    expect((await visitor.post('/app/logout', { _csrf: 'wrong' })).status).toBe(403);
    const now = await invoiceNow(id);
    expect(now.status).toBe('pending_approval');
    expect(now.approvals).toEqual([]);
  });

  test('when the creator opens the inbox, then their own invoice has no approve button and approving it anyway is refused', async () => {
    const c = await customer('Own Work SE');
    const id = await pendingInvoice(c, 'Made by ada', TEST_KEYS.admin);
    const { visitor, csrf, inbox } = await signedIn(TEST_KEYS.admin);
    expect(inbox).toContain(id);
    expect(inbox).not.toContain(`action="/app/approvals/${id}/approve"`);
    expect(inbox).toContain(`action="/app/approvals/${id}/reject"`);
    expect(inbox).toContain('You created this invoice');

    const refused = await visitor.post(`/app/approvals/${id}/approve`, { _csrf: csrf });
    expect(refused.status).toBe(403);
    expect(refused.html).toMatch(/created this invoice and may not approve it/);
    expect((await invoiceNow(id)).status).toBe('pending_approval');
  });

  test('when a viewer opens the inbox, then it sees the invoices without buttons and a post anyway is refused', async () => {
    const c = await customer('Viewer Ltd');
    const id = await pendingInvoice(c, 'Only looked at');
    const { visitor, csrf, inbox } = await signedIn(TEST_KEYS.viewer);
    expect(inbox).toContain(id);
    expect(inbox).not.toContain('action="/app/approvals/');
    expect(inbox).toContain('may view this invoice but not decide');

    const refused = await visitor.post(`/app/approvals/${id}/approve`, { _csrf: csrf });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain(`Invoice ${id} was not changed`);
    expect((await invoiceNow(id)).approvals).toEqual([]);
  });

  test('when a customer name or line holds markup, then the inbox shows it as text', async () => {
    const c = await customer('<img src=x onerror=alert(1)> & Co');
    const id = await pendingInvoice(c, '<script>alert(1)</script>');
    const { inbox } = await signedIn(TEST_KEYS.approver);
    expect(inbox).toContain(id);
    expect(inbox).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; Co');
    expect(inbox).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(inbox).not.toContain('<script>');
  });

  test('when two approves are posted at once, then the invoice is approved once and the other is refused', async () => {
    const c = await customer('Twice GmbH');
    const id = await pendingInvoice(c, 'Double click');
    const arthur = await signedIn(TEST_KEYS.approver);
    const ada = await signedIn(TEST_KEYS.admin);
    const answers = await Promise.all([
      arthur.visitor.post(`/app/approvals/${id}/approve`, { _csrf: arthur.csrf }),
      ada.visitor.post(`/app/approvals/${id}/approve`, { _csrf: ada.csrf }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const done = await eventually(async () => {
      const body = await invoiceNow(id);
      return body.number ? body : undefined;
    });
    expect(done.approvals.filter((a: { decision: string }) => a.decision === 'approved')).toHaveLength(1);
  });
});

// Last: it spends the address's failed-authentication budget, which the api shares.
describe('failed sign-ins', () => {
  test('when an address fails to sign in too often, then it is refused even with a valid key, as the api refuses it', async () => {
    const visitor = new Visitor(() => app.url);
    let form = await visitor.get('/app/login');
    const budget = app.config.rateLimit.authFailuresPerMinute;
    // Earlier tests spent some of the budget already: guess until refused, never beyond it.
    let guesses = 0;
    while (guesses <= budget) {
      form = await visitor.post('/app/login', { _csrf: csrfOf(form.html), apiKey: `guess_${guesses}` });
      guesses += 1;
      if (form.status !== 401) break;
    }
    expect(form.status).toBe(429);
    expect(guesses).toBeLessThanOrEqual(budget);
    const limited = await visitor.post('/app/login', { _csrf: csrfOf(form.html), apiKey: TEST_KEYS.approver });
    expect(limited.status).toBe(429);
    expect(limited.html).toContain('Too many failed sign-ins');
    expect(visitor.cookies.has('billflow_session')).toBe(false);
    expect((await app.http('GET', '/customers', { key: 'still_guessing' })).status).toBe(429);
  });
});
