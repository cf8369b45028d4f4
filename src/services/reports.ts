import type { Sql } from '../db/client';
import { findCustomer } from '../db/customers';
import {
  AGING_BUCKETS,
  type AgingBucket,
  agingByCustomer,
  collectionsTotals,
  type CollectionsTotals,
  type LatePayer,
  latePayers,
  receivablesTotal,
  salesTotal,
  type StatementEntry,
  statementOpening,
  statementRange,
} from '../db/reports';
import { couldBeRowId } from '../ids';

const DAY_MS = 86_400_000;
/** The earliest moment PostgreSQL is asked about: a window reaching before year 1 starts there. */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');

/** A customer needs this many late invoices in the period to be listed as a late payer. */
export const LATE_PAYER_MINIMUM = 2;

export type AgingBuckets = Record<AgingBucket, number>;

export interface AgingReport {
  currency: string;
  asOf: string;
  buckets: AgingBuckets;
  customers: { customerId: string; name: string; buckets: AgingBuckets }[];
}

export interface DsoReport {
  currency: string;
  days: number;
  /** Days, to one decimal; null when nothing was sold in the window (no sales, no ratio). */
  dso: number | null;
  receivablesMinor: number;
  salesMinor: number;
}

export interface CollectionsReport extends CollectionsTotals {
  currency: string;
  from: string;
  to: string;
  latePayers: LatePayer[];
}

export interface StatementLine extends Omit<StatementEntry, 'currency'> {
  /** The balance after this entry: what the customer owes, negative when it is their credit. */
  balanceMinor: number;
}

export interface CurrencyStatement {
  currency: string;
  openingBalanceMinor: number;
  entries: StatementLine[];
  closingBalanceMinor: number;
}

export interface Statement {
  customerId: string;
  name: string;
  /** Null: from the customer's first entry (the opening balance is 0). */
  from: string | null;
  to: string;
  currencies: CurrencyStatement[];
}

/**
 * The receivables reports and the customer statement: figures finance reads, computed in SQL over
 * the read model (src/db/reports.ts states the rules), shaped here for the api and the pages.
 */
export interface ReportService {
  aging(query: { currency: string; asOf: string }): Promise<AgingReport>;
  dso(query: { currency: string; days: number; now: string }): Promise<DsoReport>;
  collections(query: { currency: string; from: string; to: string; now: string }): Promise<CollectionsReport>;
  /** Null for a customer that does not exist. */
  statement(customerId: string, range: { from: string | null; to: string }): Promise<Statement | null>;
}

const noBuckets = (): AgingBuckets => ({ current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 });

/**
 * receivables ÷ sales × days to one decimal, rounded half up, in exact integer arithmetic (the
 * product of two large sums would not fit a float exactly); null when there were no sales.
 */
export function daysSalesOutstanding(receivablesMinor: number, salesMinor: number, days: number): number | null {
  if (salesMinor <= 0) return null;
  const numerator = BigInt(receivablesMinor) * BigInt(days) * 10n;
  const sales = BigInt(salesMinor);
  const tenths = (2n * numerator + sales) / (2n * sales);
  return Number(tenths) / 10;
}

export function createReportService(sql: Sql): ReportService {
  return {
    async aging({ currency, asOf }) {
      const rows = await agingByCustomer(sql, currency, asOf);
      const buckets = noBuckets();
      const customers: AgingReport['customers'] = [];
      for (const row of rows) {
        let customer = customers[customers.length - 1];
        if (customer?.customerId !== row.customerId) {
          customer = { customerId: row.customerId, name: row.name, buckets: noBuckets() };
          customers.push(customer);
        }
        customer.buckets[row.bucket] += row.amountDueMinor;
        buckets[row.bucket] += row.amountDueMinor;
      }
      return { currency, asOf, buckets, customers };
    },

    async dso({ currency, days, now }) {
      const windowStart = new Date(Math.max(Date.parse(now) - days * DAY_MS, EARLIEST_MS)).toISOString();
      const [receivablesMinor, salesMinor] = await Promise.all([receivablesTotal(sql, currency, now), salesTotal(sql, currency, windowStart, now)]);
      return { currency, days, dso: daysSalesOutstanding(receivablesMinor, salesMinor, days), receivablesMinor, salesMinor };
    },

    async collections({ currency, from, to, now }) {
      const [totals, late] = await Promise.all([collectionsTotals(sql, currency, from, to, now), latePayers(sql, currency, from, to, now, LATE_PAYER_MINIMUM)]);
      return { currency, from, to, ...totals, latePayers: late };
    },

    async statement(customerId, { from, to }) {
      if (!couldBeRowId(customerId)) return null;
      const customer = await findCustomer(sql, customerId);
      if (!customer) return null;
      const [opening, entries] = await Promise.all([statementOpening(sql, customerId, from, to), statementRange(sql, customerId, from, to)]);
      // The customer's own currency is always shown, if only to say the balance is 0.
      const currencies = [...new Set([customer.currency, ...Object.keys(opening)])].sort();
      return {
        customerId,
        name: customer.name,
        from,
        to,
        currencies: currencies.map((currency) => {
          const openingBalanceMinor = opening[currency] ?? 0;
          let balance = openingBalanceMinor;
          const lines = entries
            .filter((entry) => entry.currency === currency)
            .map(({ currency: _currency, ...entry }) => {
              balance += entry.amountMinor;
              return { ...entry, balanceMinor: balance };
            });
          return { currency, openingBalanceMinor, entries: lines, closingBalanceMinor: balance };
        }),
      };
    },
  };
}

export { AGING_BUCKETS };
