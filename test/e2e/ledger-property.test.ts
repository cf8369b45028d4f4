import fc from 'fast-check';
import { TEST_KEYS, type Billflow, useBillflow } from '../support/billflow';
import { eventually } from '../support/eventually';
import type { InvoiceView } from '../../src/api/invoices/views';

/**
 * The money identity of test/unit/settlement-ledger.test.ts, proven against the real stack (the
 * api over HTTP, the Temporal dev server, PostgreSQL) instead of the domain functions. Each run
 * makes two or three fresh customers and drives their invoices, in EUR and JPY, through a random
 * sequence of issues, payments (over-payments and repeated references included), recorded
 * refunds, credit notes (beyond the amount due too), disputes, write-offs and voids, some of them
 * sent two or three at once. Then, per customer and currency:
 *
 *   invoiced + credit balance = received − refunded + credited + written off + outstanding
 *
 * where invoiced, received, refunded, credited (a void's credit note included) and written off
 * are kept by the test from the api's answers only (a refused or repeated request adds nothing;
 * late fees, which no request answers with, are read back), and the credit balance
 * (GET /customers/:id) and the outstanding amount (GET /invoices/:id, void and uncollectible left
 * out) are what the read model shows afterwards. Also: the read model lists exactly the payments,
 * refunds and credit notes the api accepted; no invoice owes or holds less than nothing, nor more
 * was paid and credited on it than was invoiced; the credit balance is never negative and is what
 * the answers added up to; and the customer statement closes on the same figures.
 *
 * About 3.5 s a run on two cores. BILLFLOW_LEDGER_RUNS and BILLFLOW_LEDGER_SEED override the count
 * and the seed for a longer hunt by hand (a failure prints its seed and the requests of its run).
 */
const RUNS = Number(process.env.BILLFLOW_LEDGER_RUNS ?? 12);
const SEED = process.env.BILLFLOW_LEDGER_SEED === undefined ? undefined : Number(process.env.BILLFLOW_LEDGER_SEED);

// A run writes in bursts with one key: a 429 would test nothing here.
const stack = useBillflow({ env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000' } });
let app: Billflow;
/** A policy whose only step charges a fixed late fee one second after the due date. */
let lateFeePolicy = '';
/** The due date of a late-fee invoice is this far after it is created, so its fee falls among the other operations. */
const LATE_FEE_DUE_IN_MS = 2_000;
const LATE_FEE_STEP_MS = 1_000;

beforeAll(async () => {
  ({ app } = stack());
  const policy = await app.http('POST', '/dunning-policies', {
    key: TEST_KEYS.operator,
    body: { name: 'Ledger: a fee a second after the due date', steps: [{ offset: 'PT1S', template: 'final', lateFee: { amountMinor: 500 } }] },
  });
  expect(policy.status).toBe(201);
  lateFeePolicy = policy.body.id as string;
});

const CURRENCIES = ['EUR', 'JPY'] as const;
type Currency = (typeof CURRENCIES)[number];
/** normal: 30 days to pay; pastDue: due an hour ago (overdue at once, no fees); lateFee: due in 2 s, 500 minor units charged 1 s later. */
type Terms = 'normal' | 'pastDue' | 'lateFee';

interface LineInput {
  quantity: string;
  unitPriceMinor: number;
  taxRateBps: number;
}

type Act =
  | { kind: 'pay'; invoice: number; percent: number; repeat: boolean }
  | { kind: 'refund'; invoice: number; percent: number; named: boolean }
  | { kind: 'creditNote'; invoice: number; percent: number }
  | { kind: 'dispute'; invoice: number }
  | { kind: 'writeOff'; invoice: number }
  | { kind: 'void'; invoice: number };

type Step =
  | { kind: 'issue'; customer: number; currency: Currency; terms: Terms; lines: LineInput[] }
  | { kind: 'one'; act: Act }
  /** Sent at once; with `twin` the first is sent twice (the same payment reference, or the same Idempotency-Key). */
  | { kind: 'together'; acts: Act[]; twin: boolean };

const which = fc.nat({ max: 5 });
/** True about one time in `n`. */
const oneIn = (n: number) => fc.nat({ max: n - 1 }).map((k) => k === 0);
const issueStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('issue' as const),
  customer: fc.nat({ max: 2 }),
  currency: fc.constantFrom(...CURRENCIES),
  terms: fc.constantFrom<Terms>('normal', 'normal', 'pastDue', 'lateFee'),
  lines: fc.array(
    fc.record({ quantity: fc.constantFrom('1', '2', '3', '0.5', '1.25'), unitPriceMinor: fc.integer({ min: 50, max: 100_000 }), taxRateBps: fc.constantFrom(0, 700, 1000, 1900) }),
    { minLength: 1, maxLength: 3 },
  ),
});
const act: fc.Arbitrary<Act> = fc.oneof(
  // Percent of what is due (of the total once nothing is): above 100 is an over-payment.
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pay' as const), invoice: which, percent: fc.integer({ min: 20, max: 160 }), repeat: oneIn(5) }) },
  // Percent of the latest payment (of the total when there is none): above 100, or with nothing paid, it is refused.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), invoice: which, percent: fc.integer({ min: 10, max: 130 }), named: fc.boolean() }) },
  // Percent of the total: beyond what is due it is the customer's credit, beyond what is left to credit it is refused.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('creditNote' as const), invoice: which, percent: fc.integer({ min: 5, max: 130 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dispute' as const), invoice: which }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('writeOff' as const), invoice: which }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), invoice: which }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: issueStep },
  { weight: 5, arbitrary: act.map((a): Step => ({ kind: 'one', act: a })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('together' as const), acts: fc.array(act, { minLength: 2, maxLength: 3 }), twin: oneIn(3) }) },
);
/** Two or three customers, then an invoice first and up to eleven more steps. */
const scenario = fc.record({ customers: fc.integer({ min: 2, max: 3 }), steps: fc.tuple(issueStep, fc.array(step, { minLength: 3, maxLength: 11 })).map(([first, rest]) => [first, ...rest]) });


/** What the api answered about money, per customer and currency. */
interface Books {
  invoiced: number;
  received: number;
  refunded: number;
  credited: number;
  writtenOff: number;
  /** The credit the answers say they gave (over-payments, credit notes beyond the amount due, voids) less what refunds took from it. */
  credit: number;
}

/** One invoice as the answers left it. */
interface Tracked {
  id: string;
  customer: number;
  currency: Currency;
  terms: Terms;
  totalMinor: number;
  /** The latest view the test has: what the amounts of the next operations are taken from. */
  seen: InvoiceView;
  payments: Map<string, number>;
  refunds: Map<string, number>;
  creditNotes: Map<string, number>;
  /** The void's credit note: none (null number) when earlier notes credited all of it. */
  voidNote: { number: string | null; amountMinor: number; creditMinor: number } | null;
  writtenOffMinor: number | null;
  requests: number;
}

interface Answer {
  status: number;
  body: any;
}

interface Run {
  customers: string[];
  invoices: Tracked[];
  books: Map<string, Books>;
  journal: string[];
}

const keyOf = (customer: number, currency: string) => `${customer}:${currency}`;

function booksOf(run: Run, customer: number, currency: string): Books {
  const key = keyOf(customer, currency);
  let books = run.books.get(key);
  if (!books) {
    books = { invoiced: 0, received: 0, refunded: 0, credited: 0, writtenOff: 0, credit: 0 };
    run.books.set(key, books);
  }
  return books;
}

/** 2xx is accepted, 400 and 409 are refusals that store nothing; anything else (a 5xx above all) fails the run. */
async function send(run: Run, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await app.http(method, path, { key: TEST_KEYS.operator, body, headers });
  const refused = res.status === 400 || res.status === 409 ? ` ${res.body?.error?.code}: ${res.body?.error?.message}` : '';
  run.journal.push(`${method} ${path} ${JSON.stringify(body ?? {})}${headers['Idempotency-Key'] ? ' (keyed)' : ''} → ${res.status}${refused}`);
  if (![200, 201, 400, 409].includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

const get = async (path: string): Promise<any> => {
  const res = await app.http('GET', path, { key: TEST_KEYS.viewer });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Every view of an invoice, answered or read: nothing owed or held below zero, nothing paid and credited beyond what was invoiced, the status agrees with the amount due. */
function expectSane(view: InvoiceView): void {
  expect(view.amountDueMinor).toBeGreaterThanOrEqual(0);
  expect(view.amountPaidMinor).toBeGreaterThanOrEqual(0);
  expect(view.amountCreditedMinor).toBeGreaterThanOrEqual(0);
  expect(view.amountPaidMinor + view.amountCreditedMinor).toBeLessThanOrEqual(view.totalMinor + view.feesMinor);
  // Paid means nothing is due, and an invoice still in dunning owes something.
  if (view.status === 'paid') expect(view.amountDueMinor).toBe(0);
  if (view.status === 'open' || view.status === 'overdue') expect(view.amountDueMinor).toBeGreaterThan(0);
}

async function newCustomer(n: number): Promise<string> {
  const res = await app.http('POST', '/customers', {
    key: TEST_KEYS.admin,
    body: { name: `Ledger ${n} Ltd`, email: `ap${n}@ledger.test`, currency: CURRENCIES[n % CURRENCIES.length], approval: 'never' },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function issue(run: Run, s: Extract<Step, { kind: 'issue' }>): Promise<void> {
  const customer = s.customer % run.customers.length;
  const terms =
    s.terms === 'pastDue'
      ? { dueAt: new Date(Date.now() - 3_600_000).toISOString() }
      : s.terms === 'lateFee'
        ? { dueAt: new Date(Date.now() + LATE_FEE_DUE_IN_MS).toISOString(), dunningPolicyId: lateFeePolicy }
        : {};
  const lines = s.lines.map((l, i) => ({ description: `Item ${i + 1}`, ...l }));
  const res = await send(run, 'POST', '/invoices', { customerId: run.customers[customer], currency: s.currency, lines, ...terms });
  expect(res.status).toBe(201);
  const id = res.body.id as string;
  // Issued at once (approval "never"); one due an hour ago turns overdue as soon as its dunning starts.
  const ready = s.terms === 'pastDue' ? ['overdue'] : ['open', 'overdue'];
  const seen = await eventually<InvoiceView>(async () => {
    const view = (await get(`/invoices/${id}`)) as InvoiceView;
    return ready.includes(view.status) ? view : undefined;
  });
  const totalMinor = res.body.totalMinor as number;
  expect(seen.totalMinor).toBe(totalMinor);
  booksOf(run, customer, s.currency).invoiced += totalMinor;
  run.invoices.push({ id, customer, currency: s.currency, terms: s.terms, totalMinor, seen, payments: new Map(), refunds: new Map(), creditNotes: new Map(), voidNote: null, writtenOffMinor: null, requests: 0 });
}

/**
 * The invoice an act is about: a refund goes to one that was paid something and a write-off to one
 * overdue or disputed, when there is one, so that most get past the first check; the rest go anywhere.
 */
function target(run: Run, a: Act): Tracked | undefined {
  const fits = (t: Tracked) => (a.kind === 'refund' ? t.seen.payments.length > 0 : a.kind === 'writeOff' ? ['overdue', 'disputed'].includes(t.seen.status) : true);
  const candidates = run.invoices.filter(fits);
  const pool = candidates.length > 0 ? candidates : run.invoices;
  return pool[a.invoice % Math.max(1, pool.length)];
}

const percentOf = (base: number, percent: number) => Math.max(1, Math.round((base * percent) / 100));

/**
 * An act as a request and what its answer adds to the books. Amounts come from the invoice as last
 * seen; the books count an accepted payment, refund or credit note once per reference or number,
 * so a repeated request (the twin of a parallel pair) adds nothing.
 */
function plan(run: Run, a: Act, keyed: boolean): { t: Tracked; request: () => Promise<Answer>; book: (answer: Answer) => void } | null {
  const t = target(run, a);
  if (!t) return null;
  const books = booksOf(run, t.customer, t.currency);
  const path = `/invoices/${t.id}`;
  const seen = t.seen;
  t.requests += 1;
  const n = t.requests;
  const accepted = (answer: Answer) => answer.status === 200 || answer.status === 201;
  const viewOf = (answer: Answer): InvoiceView => {
    const view = (answer.body.invoice ?? answer.body) as InvoiceView;
    expectSane(view);
    return view;
  };
  switch (a.kind) {
    case 'pay': {
      const amountMinor = percentOf(seen.amountDueMinor > 0 ? seen.amountDueMinor : seen.totalMinor, a.percent);
      const earlier = [...t.payments.keys()].pop();
      const reference = a.repeat && earlier ? earlier : `${t.id}-pay-${n}`;
      return {
        t,
        request: () => send(run, 'POST', `${path}/payments`, { amountMinor, method: 'bank_transfer', reference }),
        book: (answer) => {
          if (!accepted(answer)) return;
          const view = viewOf(answer);
          // 200 is a repeat of a reference already recorded: it pays nothing.
          expect(answer.body.duplicate).toBe(answer.status === 200);
          if (answer.status === 200) return;
          if (t.payments.has(reference)) throw new Error(`payment ${reference} on ${t.id} was accepted twice`);
          const recorded = view.payments.find((p) => p.reference === reference);
          expect(recorded).toMatchObject({ amountMinor });
          t.payments.set(reference, amountMinor);
          books.received += amountMinor;
          books.credit += recorded?.creditMinor ?? 0;
        },
      };
    }
    case 'refund': {
      const payment = seen.payments[seen.payments.length - 1];
      const amountMinor = percentOf(payment?.amountMinor ?? seen.totalMinor, a.percent);
      const body = { amountMinor, reason: `refund ${n}`, ...(a.named && payment ? { paymentReference: payment.reference } : {}) };
      const headers: Record<string, string> = keyed ? { 'Idempotency-Key': `${t.id}-refund-${n}` } : {};
      return {
        t,
        request: () => send(run, 'POST', `${path}/refunds`, body, headers),
        book: (answer) => {
          if (!accepted(answer)) return;
          viewOf(answer);
          const refund = answer.body.refund as { reference: string; amountMinor: number; fromCreditMinor: number };
          expect(refund.amountMinor).toBe(amountMinor);
          if (t.refunds.has(refund.reference)) return;
          t.refunds.set(refund.reference, amountMinor);
          books.refunded += amountMinor;
          books.credit -= refund.fromCreditMinor;
        },
      };
    }
    case 'creditNote': {
      const amountMinor = percentOf(seen.totalMinor, a.percent);
      const headers: Record<string, string> = keyed ? { 'Idempotency-Key': `${t.id}-credit-${n}` } : {};
      return {
        t,
        request: () => send(run, 'POST', `${path}/credit-notes`, { amountMinor, reason: `credit ${n}` }, headers),
        book: (answer) => {
          if (!accepted(answer)) return;
          viewOf(answer);
          const note = answer.body as { number: string; amountMinor: number; appliedMinor: number; creditMinor: number };
          expect(note.amountMinor).toBe(amountMinor);
          expect(note.appliedMinor + note.creditMinor).toBe(amountMinor);
          if (t.creditNotes.has(note.number)) return;
          t.creditNotes.set(note.number, amountMinor);
          books.credited += amountMinor;
          books.credit += note.creditMinor;
        },
      };
    }
    case 'dispute':
      return {
        t,
        request: () => send(run, 'POST', `${path}/dispute`, { reason: `dispute ${n}` }),
        book: (answer) => {
          if (accepted(answer)) viewOf(answer);
        },
      };
    case 'writeOff':
      return {
        t,
        request: () => send(run, 'POST', `${path}/write-off`, { reason: `write-off ${n}` }),
        book: (answer) => {
          if (!accepted(answer)) return;
          const view = viewOf(answer);
          if (t.writtenOffMinor !== null) throw new Error(`${t.id} was written off twice`);
          // A write-off leaves the amount due as it was: that is what was written off.
          t.writtenOffMinor = view.amountDueMinor;
          books.writtenOff += view.amountDueMinor;
        },
      };
    case 'void':
      return {
        t,
        request: () => send(run, 'POST', `${path}/void`, { reason: `void ${n}` }),
        book: (answer) => {
          if (!accepted(answer)) return;
          const view = viewOf(answer);
          if (t.voidNote !== null) throw new Error(`${t.id} was voided twice`);
          // The void's credit note takes off what no credit note has yet (none when that is nothing),
          // split as any credit note: up to what was due it cancels it, the rest (what was paid and
          // not yet credited back) becomes the customer's credit.
          const amountMinor = view.totalMinor + view.feesMinor - sum([...t.creditNotes.values()]);
          const dueMinor = Math.max(0, view.totalMinor + view.feesMinor - view.amountPaidMinor - view.amountCreditedMinor);
          const creditMinor = amountMinor - Math.min(amountMinor, dueMinor);
          expect(view.creditNoteNumber).toEqual(amountMinor > 0 ? expect.any(String) : null);
          t.voidNote = { number: view.creditNoteNumber, amountMinor, creditMinor };
          books.credited += amountMinor;
          books.credit += creditMinor;
        },
      };
  }
}

async function perform(run: Run, s: Step): Promise<void> {
  if (s.kind === 'issue') return issue(run, s);
  const acts = s.kind === 'one' ? [s.act] : s.acts;
  const planned = acts.map((a, i) => plan(run, a, s.kind === 'together' && s.twin && i === 0)).filter((p) => p !== null);
  if (s.kind === 'together' && s.twin && planned[0]) planned.push(planned[0]);
  if (planned.length > 1) run.journal.push(`the next ${planned.length} at once (answers in the order they came):`);
  const answers = await Promise.all(planned.map((p) => p.request()));
  answers.forEach((answer, i) => planned[i]?.book(answer));
  // The next amounts are taken from the invoices as they are now (the parallel answers came in any order).
  const touched = new Set(planned.map((p) => p.t));
  for (const t of touched) t.seen = (await get(`/invoices/${t.id}`)) as InvoiceView;
}

/**
 * The invoices once nothing more happens by itself: a late-fee invoice still open or overdue after
 * its step's time has its fee (the only change no request makes).
 */
async function settled(run: Run): Promise<InvoiceView[]> {
  return eventually(async () => {
    const views = await Promise.all(run.invoices.map(async (t) => (await get(`/invoices/${t.id}`)) as InvoiceView));
    const pending = views.some((v, i) => {
      if (run.invoices[i]?.terms !== 'lateFee') return false;
      const stepAt = Date.parse(v.dueAt as string) + LATE_FEE_STEP_MS;
      return Date.now() < stepAt + 500 || (['open', 'overdue'].includes(v.status) && v.fees.length === 0);
    });
    return pending ? undefined : views;
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const amounts = (entries: { amountMinor: number }[], key: (e: any) => string) => new Map(entries.map((e) => [key(e), e.amountMinor]));

async function check(run: Run): Promise<void> {
  const views = await settled(run);
  const fees = new Map<string, number>();
  const outstanding = new Map<string, number>();

  for (const [i, t] of run.invoices.entries()) {
    const v = views[i] as InvoiceView;
    expectSane(v);
    // The read model lists exactly what the api accepted.
    expect({ id: t.id, totalMinor: v.totalMinor, customerId: v.customerId, currency: v.currency }).toEqual({ id: t.id, totalMinor: t.totalMinor, customerId: run.customers[t.customer], currency: t.currency });
    expect(amounts(v.payments, (p) => p.reference)).toEqual(t.payments);
    expect(amounts(v.refunds, (r) => r.reference)).toEqual(t.refunds);
    expect(amounts(v.creditNotes, (c) => c.number)).toEqual(t.creditNotes);
    expect(v.status === 'void').toBe(t.voidNote !== null);
    expect(v.status === 'uncollectible').toBe(t.writtenOffMinor !== null);
    if (t.voidNote) {
      expect(v.creditNoteNumber).toBe(t.voidNote.number);
      if (t.voidNote.number !== null) {
        expect(await get(`/credit-notes/${t.voidNote.number}`)).toMatchObject({ invoiceId: t.id, amountMinor: t.voidNote.amountMinor, creditMinor: t.voidNote.creditMinor, currency: t.currency });
      }
    }
    // Credit notes, the void's included, never credit more than was invoiced (lines and late fees), however much was paid.
    expect(sum([...t.creditNotes.values()]) + (t.voidNote?.amountMinor ?? 0)).toBeLessThanOrEqual(v.totalMinor + v.feesMinor);
    if (t.writtenOffMinor !== null) {
      const event = v.timeline.find((e) => e.type === 'written_off');
      expect(event?.detail.amountDueMinor).toBe(t.writtenOffMinor);
    }
    expect(v.feesMinor).toBe(sum(v.fees.map((f) => f.amountMinor)));
    const key = keyOf(t.customer, t.currency);
    fees.set(key, (fees.get(key) ?? 0) + v.feesMinor);
    if (v.status !== 'void' && v.status !== 'uncollectible') outstanding.set(key, (outstanding.get(key) ?? 0) + v.amountDueMinor);
  }

  for (const [customer, customerId] of run.customers.entries()) {
    const { creditBalances } = await get(`/customers/${customerId}`);
    const statement = await get(`/customers/${customerId}/statement`);
    for (const currency of CURRENCIES) {
      const key = keyOf(customer, currency);
      const b = booksOf(run, customer, currency);
      const invoiced = b.invoiced + (fees.get(key) ?? 0);
      const credit = (creditBalances[currency] as number | undefined) ?? 0;
      const owed = outstanding.get(key) ?? 0;
      const figures = { customer, currency, invoiced, credit, received: b.received, refunded: b.refunded, credited: b.credited, writtenOff: b.writtenOff, outstanding: owed };
      const gap = invoiced + credit - (b.received - b.refunded + b.credited + b.writtenOff + owed);
      expect({ ...figures, gap }).toEqual({ ...figures, gap: 0 });
      expect(credit).toBeGreaterThanOrEqual(0);
      // The credit the answers gave, less what refunds took from it, is the balance stored.
      expect({ customer, currency, credit }).toEqual({ customer, currency, credit: b.credit });
      // The statement (src/db/reports.ts) adds up, from the start: invoices and late fees (+), payments
      // as received (−), refunds (+), credit notes with the void's (−) and write-offs of the amount due
      // (−); credit tied to an invoice is not an entry of its own. So its closing balance is
      //   invoiced − received + refunded − credited − written off = outstanding − credit balance,
      // what the customer owes on open invoices less their credit (negative: we owe them).
      const lines = (statement.currencies as { currency: string; openingBalanceMinor: number; closingBalanceMinor: number }[]).find((c) => c.currency === currency);
      expect(lines?.openingBalanceMinor ?? 0).toBe(0);
      expect({ customer, currency, closing: lines?.closingBalanceMinor ?? 0 }).toEqual({ customer, currency, closing: owed - credit });
    }
  }
}

describe('the ledger over the real stack', () => {
  test('when any sequence of invoices, payments, refunds, credit notes, write-offs and voids runs, some at once, then per customer and currency invoiced + credit = received − refunded + credited + written off + outstanding', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ customers, steps }) => {
        runs += 1;
        const run: Run = { customers: [], invoices: [], books: new Map(), journal: [] };
        for (let n = 0; n < customers; n += 1) run.customers.push(await newCustomer(runs * 10 + n));
        try {
          for (const s of steps) await perform(run, s);
          await check(run);
        } catch (error) {
          // The requests and their answers, in order: what fast-check's counterexample led to.
          (error as Error).message += `\n\nrequests of run ${runs}:\n${run.journal.join('\n')}`;
          throw error;
        }
      }),
      // Shrinking against a real stack would take minutes: the first failure is reported with its journal.
      { numRuns: RUNS, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  }, 30_000 + RUNS * 8_000);
});
