import type { Sql } from '../../src/db/client';
import type { ChargeGroup } from '../../src/db/charges';
import { APPROVAL_THRESHOLDS_MINOR } from '../../src/domain/approval';
import { type Charge, type ChargeKind, createCharge } from '../../src/domain/charge';
import type { CustomerApproval } from '../../src/domain/customer';
import { newId } from '../../src/ids';

/**
 * The benchmark's customers and their pending charges, written straight into PostgreSQL (not
 * measured): a thousand rows a statement, so 100,000 customers take seconds, not the minutes the api
 * would. Amounts stay below every per-currency approval threshold, so each invoice is approved by
 * policy and goes straight on to its number and its email, as most invoices of a run do.
 */

const ROWS_PER_STATEMENT = 1_000;
const CONCURRENT_STATEMENTS = 4;
const CREATED_BY = 'bench';

/** The currencies customers are spread over, with the tax rate and locale of each. */
const MARKETS = [
  { currency: 'EUR', taxRateBps: 1900, locale: 'de-DE' },
  { currency: 'EUR', taxRateBps: 2000, locale: 'en' },
  { currency: 'USD', taxRateBps: 0, locale: 'en' },
  { currency: 'GBP', taxRateBps: 2000, locale: 'en' },
] as const;

const CHARGE_SHAPES: readonly { kind: ChargeKind; description: string; quantity: string }[] = [
  { kind: 'one_off', description: 'Setup fee', quantity: '1' },
  { kind: 'time', description: 'Consulting', quantity: '2.5' },
  { kind: 'usage', description: 'API calls (thousands)', quantity: '0.75' },
  { kind: 'time', description: 'Support hours', quantity: '3' },
];
/** The dearest charge: 3 × 300.00, so three charges with 20 % tax stay under 4,000.00 (GBP's threshold). */
const MAX_UNIT_PRICE_MINOR = 30_000;

export interface SeededCustomers {
  period: string;
  /** One customer and currency each: the invoices a billing run of `period` makes. */
  groups: ChargeGroup[];
  charges: number;
}

/**
 * `count` customers (approval "policy", distinct emails), each with 1 to 3 charges pending in
 * `period`. `label` keeps names and emails apart from other seedings.
 */
export async function seedCustomers(sql: Sql, options: { count: number; period: string; label: string }): Promise<SeededCustomers> {
  const now = new Date().toISOString();
  const occurredAt = `${options.period}-15T12:00:00.000Z`;
  const customers: Record<string, unknown>[] = [];
  const charges: Record<string, unknown>[] = [];
  const groups: ChargeGroup[] = [];
  for (let i = 0; i < options.count; i++) {
    const market = MARKETS[i % MARKETS.length] as (typeof MARKETS)[number];
    const id = newId('cus');
    customers.push(customerRow({ id, i, label: options.label, approval: 'policy', ...market, now }));
    groups.push({ customerId: id, currency: market.currency });
    for (let c = 0; c < 1 + (i % 3); c++) {
      const shape = CHARGE_SHAPES[(i + c) % CHARGE_SHAPES.length] as (typeof CHARGE_SHAPES)[number];
      const charge = createCharge(
        {
          customerId: id,
          currency: market.currency,
          kind: shape.kind,
          line: { description: shape.description, quantity: shape.quantity, unitPriceMinor: 1_000 + ((i * 7_919 + c * 104_729) % (MAX_UNIT_PRICE_MINOR - 1_000)), taxRateBps: market.taxRateBps },
          occurredAt,
          period: options.period,
        },
        { id: newId('chg'), createdBy: CREATED_BY, now },
      );
      charges.push(chargeRow(charge));
    }
  }
  assertBelowThresholds();
  await insertInChunks(sql, 'customers', customers);
  await insertInChunks(sql, 'charges', charges);
  return { period: options.period, groups, charges: charges.length };
}

/** A customer whose invoices wait for an approver when asked to (`"approval": "required"`). */
export async function seedApprovalCustomer(sql: Sql, label: string): Promise<string> {
  const id = newId('cus');
  await insertInChunks(sql, 'customers', [customerRow({ id, i: 0, label: `${label}-approvals`, approval: 'policy', currency: 'EUR', taxRateBps: 1900, locale: 'en', now: new Date().toISOString() })]);
  return id;
}

function customerRow(c: { id: string; i: number; label: string; approval: CustomerApproval; currency: string; taxRateBps: number; locale: string; now: string }) {
  return {
    id: c.id,
    name: `Bench ${c.label} customer ${c.i + 1}`,
    email: `customer-${c.i + 1}@${c.label}.bench.billflow.test`,
    currency: c.currency,
    locale: c.locale,
    payment_terms_days: 30,
    tax_rate_bps: c.taxRateBps,
    dunning_policy_id: null,
    approval: c.approval,
    external_id: null,
    created_by: CREATED_BY,
    created_at: c.now,
  };
}

function chargeRow(c: Charge) {
  return {
    id: c.id,
    customer_id: c.customerId,
    status: c.status,
    period: c.period,
    currency: c.currency,
    description: c.description,
    kind: c.kind,
    quantity: c.quantity,
    unit_price_minor: c.unitPriceMinor,
    tax_rate_bps: c.taxRateBps,
    amount_minor: c.amountMinor,
    occurred_at: c.occurredAt,
    invoice_id: null,
    billing_run_id: null,
    created_by: c.createdBy,
    created_at: c.createdAt,
    cancelled_by: null,
    cancelled_at: null,
  };
}

/** The largest invoice the seeding can make must be approved by policy in every currency used. */
function assertBelowThresholds(): void {
  const largestNetMinor = 3 * MAX_UNIT_PRICE_MINOR * Math.max(...CHARGE_SHAPES.map((s) => Number(s.quantity)));
  for (const market of MARKETS) {
    const largestMinor = Math.ceil((largestNetMinor * (10_000 + market.taxRateBps)) / 10_000);
    const threshold = APPROVAL_THRESHOLDS_MINOR[market.currency];
    if (threshold === undefined || largestMinor > threshold) {
      throw new Error(`seeded ${market.currency} invoices of up to ${largestMinor} minor units would need approval (threshold ${threshold})`);
    }
  }
}

/** Multi-row inserts of ROWS_PER_STATEMENT rows, a few statements at once. */
async function insertInChunks(sql: Sql, table: 'customers' | 'charges', rows: readonly Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) chunks.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as Record<string, unknown>[];
      await sql`insert into ${sql(table)} ${sql(chunk)}`;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_STATEMENTS }, lane));
}
