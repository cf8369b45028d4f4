import { approvalInboxPath } from '../../src/web/app/links';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import type { TestDatabase } from '../support/database';
import { csrfOf, Visitor } from '../support/visitor';

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

const signedIn = (key: string) => Visitor.signedIn(() => app.url, key);

/** The inbox's page as `visitor` sees it now (at `query`, such as ?invoice=<id>). */
async function inboxOf(visitor: Visitor, query = ''): Promise<string> {
  const page = await visitor.get(`/app/approvals${query}`);
  expect(page.status).toBe(200);
  return page.html;
}

/** The ids of the invoices the inbox shows, in order (each is an <article> with its anchor). */
const inboxOrder = (html: string): string[] => [...html.matchAll(/<article class="[^"]*" id="invoice-([^"]+)"/g)].map(([, id = '']) => id);

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
    expect(right.location).toBe('/app/approvals');
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
    expect(page.location).toBe('/app/login?next=%2Fapp%2Fapprovals');
    expect((await visitor.post('/app/approvals/inv_x/approve', { _csrf: 'x' })).status).toBe(401);
  });

  test('when a person signs out, then the old session cookie no longer opens the inbox or acts', async () => {
    const visitor = await signedIn(TEST_KEYS.approver);
    const { csrf } = visitor;
    const old = visitor.cookies.get('billflow_session') ?? '';
    const out = await visitor.post('/app/logout', { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/app/login');
    expect(visitor.cookies.has('billflow_session')).toBe(false);

    const replay = new Visitor(() => app.url);
    replay.cookies.set('billflow_session', old);
    expect((await replay.get('/app/approvals')).location).toBe('/app/login?next=%2Fapp%2Fapprovals');
    const c = await customer('Signed Out GmbH');
    const id = await pendingInvoice(c, 'After sign-out');
    expect((await replay.post(`/app/approvals/${id}/approve`, { _csrf: csrf })).status).toBe(401);
    expect((await invoiceNow(id)).status).toBe('pending_approval');
  });
});

describe('the page asked for before sign-in', () => {
  test('when a page under /app is opened without a session, then sign-in carries its path and query and leads back to it', async () => {
    const visitor = new Visitor(() => app.url);
    const asked = await visitor.get('/app/invoices?status=open&limit=5');
    expect(asked.status).toBe(303);
    expect(asked.location).toBe(`/app/login?next=${encodeURIComponent('/app/invoices?status=open&limit=5')}`);

    const form = await visitor.get(asked.location!);
    expect(form.status).toBe(200);
    expect(form.html).toContain('<input type="hidden" name="next" value="/app/invoices?status=open&amp;limit=5">');

    // A wrong key first: the form comes back still carrying where to go.
    const wrong = await visitor.post('/app/login', { _csrf: csrfOf(form.html), next: '/app/invoices?status=open&limit=5', apiKey: 'not_a_key' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('<input type="hidden" name="next" value="/app/invoices?status=open&amp;limit=5">');

    const login = await visitor.post('/app/login', { _csrf: csrfOf(wrong.html), next: '/app/invoices?status=open&limit=5', apiKey: TEST_KEYS.viewer });
    expect(login.status).toBe(303);
    expect(login.location).toBe('/app/invoices?status=open&limit=5');
    expect((await visitor.get(login.location!)).status).toBe(200);

    // Signed in already, the sign-in page sends straight on.
    const again = await visitor.get(`/app/login?next=${encodeURIComponent('/app/dashboard?currency=EUR')}`);
    expect(again.status).toBe(303);
    expect(again.location).toBe('/app/dashboard?currency=EUR');
  });

  // Each would send the person away from billflow (or back to the sign-in) after signing in.
  test.each([
    ['an absolute URL', 'https://evil.example/app/approvals'],
    ['a protocol-relative URL', '//evil.example/app/approvals'],
    ['a backslash that browsers read as a slash', '/\\evil.example/app/approvals'],
    ['a backslash under /app', '/app/\\evil.example'],
    ['an encoded backslash', '/app/%5C%5Cevil.example'],
    ['a double slash under /app', '/app//evil.example'],
    ['a scheme', 'javascript:alert(1)'],
    ['a path outside /app', '/pay/some-token'],
    ['a dot segment leaving /app', '/app/../pay/some-token'],
    ['/app itself without a slash', '/appx/approvals'],
    ['a line break', '/app/approvals\r\nSet-Cookie: x=1'],
    ['the sign-in page', '/app/login'],
  ])('when next is %s, then the form does not carry it and the sign-in leads to the inbox', async (_what, next) => {
    const visitor = new Visitor(() => app.url);
    const form = await visitor.get(`/app/login?next=${encodeURIComponent(next)}`);
    expect(form.status).toBe(200);
    expect(form.html).not.toContain('name="next"');
    const login = await visitor.post('/app/login', { _csrf: csrfOf(form.html), next, apiKey: TEST_KEYS.viewer });
    expect(login.status).toBe(303);
    expect(login.location).toBe('/app/approvals');
  });

  test('when a path under /app that is not safe to lead back to is opened without a session, then sign-in is asked for without it', async () => {
    const page = await new Visitor(() => app.url).get('/app/invoices/%5C%5Cevil.example');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/app/login');
  });
});

describe('an approval email\'s link', () => {
  test('when an approver who is not signed in follows it, then after sign-in the inbox shows that invoice first and marked', async () => {
    const c = await customer('Linked Lieferungen GmbH');
    const older = await pendingInvoice(c, 'Older, waiting');
    const id = await pendingInvoice(c, 'The one the email was about');
    const link = approvalInboxPath(id);
    expect(link).toBe(`/app/approvals?invoice=${id}#invoice-${id}`);

    const visitor = new Visitor(() => app.url);
    // A browser never sends the fragment: the server sees the path and query.
    const asked = await visitor.get(link.split('#')[0]!);
    expect(asked.status).toBe(303);
    expect(asked.location).toBe(`/app/login?next=${encodeURIComponent(`/app/approvals?invoice=${id}`)}`);
    const login = await visitor.signIn(TEST_KEYS.approver, asked.location!);
    expect(login.status).toBe(303);
    expect(login.location).toBe(`/app/approvals?invoice=${id}`);

    const inbox = await inboxOf(visitor, `?invoice=${id}`);
    const order = inboxOrder(inbox);
    expect(order[0]).toBe(id);
    expect(order).toContain(older);
    expect(order.filter((x) => x === id)).toHaveLength(1);
    expect(inbox).toContain(`<article class="card linked" id="invoice-${id}"`);
    expect(inbox).toContain('The invoice you were sent to decide on');
    expect(inbox).toContain(`action="/app/approvals/${id}/approve"`);

    const approved = await visitor.post(`/app/approvals/${id}/approve`, { _csrf: visitor.csrf });
    expect(approved.status).toBe(200);
    expect(approved.html).toMatch(new RegExp(`Invoice ${id} approved: it is now`));
  });

  test('when the invoice no longer waits for approval, then a notice says its status and links to its page', async () => {
    const c = await customer('Already Decided SARL');
    const id = await pendingInvoice(c, 'Decided by someone else');
    const rejected = await app.http('POST', `/invoices/${id}/reject`, { key: TEST_KEYS.admin, body: { reason: 'duplicate' } });
    expect(rejected.status).toBe(200);
    await eventually(async () => ((await invoiceNow(id)).status === 'rejected' ? true : undefined));
    const visitor = await signedIn(TEST_KEYS.approver);
    const inbox = await inboxOf(visitor, `?invoice=${id}`);
    expect(inbox).toContain(`<p class="notice" role="status">Invoice ${id} no longer waits for approval: it is now rejected. <a href="/app/invoices/${id}">Open invoice ${id}</a></p>`);
    expect(inboxOrder(inbox)).not.toContain(id);
    expect((await visitor.get(`/app/invoices/${id}`)).status).toBe(200);
  });

  test('when the invoice does not exist or the link is garbled, then the inbox says so', async () => {
    const visitor = await signedIn(TEST_KEYS.approver);
    const unknown = await visitor.get('/app/approvals?invoice=inv_doesnotexist');
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('role="alert">There is no invoice inv_doesnotexist.');
    const garbled = await visitor.get('/app/approvals?invoice=inv_%00%3Cb%3E');
    expect(garbled.status).toBe(404);
    expect(garbled.html).toContain('role="alert">That link names no invoice.');
    expect((await visitor.get('/app/approvals?invoice=a&invoice=b')).status).toBe(400);
  });
});

describe('approvals inbox', () => {
  test('when a person is signed in, then the main navigation links to the approvals inbox', async () => {
    const visitor = await signedIn(TEST_KEYS.viewer);
    for (const path of ['/app/approvals', '/app/invoices', '/app/billing-runs']) {
      const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec((await visitor.get(path)).html)?.[1] ?? '';
      expect([...nav.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map(([, href, text]) => [href, text])).toEqual([
        ['/app/approvals', 'Approvals'],
        ['/app/dashboard', 'Receivables'],
        ['/app/invoices', 'Invoices'],
        ['/app/billing-runs', 'Billing runs'],
        ['/app/reconciliation', 'Reconciliation'],
      ]);
    }
    expect((await new Visitor(() => app.url).get('/app/login')).html).not.toContain('aria-label="Main"');
  });

  test('when an approver requests changes with a reason, then the invoice goes back to draft with the reason; without one nothing changes', async () => {
    const c = await customer('Changes Please GmbH');
    const id = await pendingInvoice(c, 'Wrong quantity');
    const visitor = await signedIn(TEST_KEYS.approver);
    const inbox = await inboxOf(visitor);
    expect(inbox).toContain(`action="/app/approvals/${id}/request-changes"`);

    const noReason = await visitor.post(`/app/approvals/${id}/request-changes`, { _csrf: visitor.csrf, reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toMatch(new RegExp(`Invoice ${id} was not changed: .*reason is required`));
    expect((await invoiceNow(id)).status).toBe('pending_approval');

    const sent = await visitor.post(`/app/approvals/${id}/request-changes`, { _csrf: visitor.csrf, reason: 'quantity should be 2' });
    expect(sent.status).toBe(200);
    expect(sent.html).toContain(`<p class="notice" role="status">Invoice ${id} sent back for changes: it is now draft.</p>`);
    expect(inboxOrder(sent.html)).not.toContain(id);

    const now = await invoiceNow(id);
    expect(now.status).toBe('draft');
    expect(now.approvals).toEqual([expect.objectContaining({ principal: 'arthur', decision: 'changes_requested', reason: 'quantity should be 2' })]);
    expect(now.timeline.map((e: { type: string }) => e.type)).toContain('changes_requested');
  });

  test('when an approver approves one invoice and rejects another with a reason, then the api shows the new states', async () => {
    const c = await customer('Inbox Werke AG');
    const first = await pendingInvoice(c, 'Consulting first');
    const second = await pendingInvoice(c, 'Consulting second');
    const visitor = await signedIn(TEST_KEYS.approver);
    const { csrf } = visitor;
    const inbox = await inboxOf(visitor);

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
    const visitor = await signedIn(TEST_KEYS.approver);
    const { csrf } = visitor;
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
    const visitor = await signedIn(TEST_KEYS.admin);
    const { csrf } = visitor;
    const inbox = await inboxOf(visitor);
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
    const visitor = await signedIn(TEST_KEYS.viewer);
    const { csrf } = visitor;
    const inbox = await inboxOf(visitor);
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
    const inbox = await inboxOf(await signedIn(TEST_KEYS.approver));
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
      arthur.post(`/app/approvals/${id}/approve`, { _csrf: arthur.csrf }),
      ada.post(`/app/approvals/${id}/approve`, { _csrf: ada.csrf }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const done = await eventually(async () => {
      const body = await invoiceNow(id);
      return body.number ? body : undefined;
    });
    expect(done.approvals.filter((a: { decision: string }) => a.decision === 'approved')).toHaveLength(1);
  });
});

// Near the end: the 50 invoices it leaves waiting would push later tests' invoices out of the inbox.
describe('an approval email\'s link in a long queue', () => {
  test('when the invoice is newer than the 50 oldest waiting, then the link still shows it, first', async () => {
    const c = await customer('Queue Länge AG');
    // The inbox shows the 50 oldest invoices waiting: 50 more (beyond those of earlier tests) push the linked one past them.
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => app.http('POST', '/invoices', { key: TEST_KEYS.operator, body: { customerId: c, lines: [{ description: `Queued ${i}`, quantity: '1', unitPrice: '10.00' }] } })));
    expect(created.map((r) => r.status).every((status) => status === 201)).toBe(true);
    await eventually(async () => ((await Promise.all(created.map(async (r) => (await invoiceNow(r.body.id as string)).status))).every((status) => status === 'pending_approval') ? true : undefined), 60_000);
    const id = await pendingInvoice(c, 'Newest, linked from the email');
    const visitor = await signedIn(TEST_KEYS.approver);

    const plain = await inboxOf(visitor);
    expect(inboxOrder(plain)).toHaveLength(50);
    expect(inboxOrder(plain)).not.toContain(id);
    expect(plain).toContain('the oldest shown');

    const linked = await inboxOf(visitor, `?invoice=${id}`);
    const order = inboxOrder(linked);
    expect(order[0]).toBe(id);
    expect(order).toHaveLength(51);
    expect(linked).toContain(`<article class="card linked" id="invoice-${id}"`);
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
