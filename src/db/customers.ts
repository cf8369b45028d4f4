import type { CustomerApproval } from '../domain/customer';
import { appendAuditEvent } from './audit';
import type { Sql } from './client';
import { toIso } from './client';

export interface Customer {
  id: string;
  name: string;
  email: string;
  currency: string;
  locale: string;
  paymentTermsDays: number;
  taxRateBps: number | null;
  dunningPolicyId: string | null;
  approval: CustomerApproval;
  externalId: string | null;
  createdBy: string;
  createdAt: string;
}

export interface CustomerRow {
  id: string;
  name: string;
  email: string;
  currency: string;
  locale: string;
  payment_terms_days: number;
  tax_rate_bps: number | null;
  dunning_policy_id: string | null;
  approval: CustomerApproval;
  external_id: string | null;
  created_by: string;
  created_at: Date;
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    currency: row.currency,
    locale: row.locale,
    paymentTermsDays: row.payment_terms_days,
    taxRateBps: row.tax_rate_bps,
    dunningPolicyId: row.dunning_policy_id,
    approval: row.approval,
    externalId: row.external_id,
    createdBy: row.created_by,
    createdAt: toIso(row.created_at) ?? '',
  };
}

/**
 * Inserts a customer, or returns the one already stored under the same id (a retried create).
 * Throws a unique violation (23505) when `externalId` belongs to another customer.
 */
export async function insertCustomer(sql: Sql, c: Customer): Promise<Customer> {
  const row = await sql.begin(async (tx) => {
    const [inserted] = await tx<CustomerRow[]>`
      insert into customers (id, name, email, currency, locale, payment_terms_days, tax_rate_bps,
                             dunning_policy_id, approval, external_id, created_by, created_at)
      values (${c.id}, ${c.name}, ${c.email}, ${c.currency}, ${c.locale}, ${c.paymentTermsDays}, ${c.taxRateBps},
              ${c.dunningPolicyId}, ${c.approval}, ${c.externalId}, ${c.createdBy}, ${c.createdAt})
      on conflict (id) do nothing
      returning *`;
    if (inserted) {
      await appendAuditEvent(tx, {
        eventKey: `customer:${c.id}:created`,
        entityType: 'customer',
        entityId: c.id,
        // Exempting a customer from approval is recorded as such: it waives the four-eyes rule.
        type: c.approval === 'never' ? 'created_without_approval' : 'created',
        actor: c.createdBy,
        detail: { approval: c.approval },
        at: c.createdAt,
      });
    }
    return inserted;
  });
  if (row) return toCustomer(row);
  const existing = await findCustomer(sql, c.id);
  if (!existing) throw new Error(`customer ${c.id} vanished after a conflicting insert`);
  return existing;
}

export async function findCustomer(sql: Sql, id: string): Promise<Customer | null> {
  const [row] = await sql<CustomerRow[]>`
    select *
    from customers
    where id = ${id}`;
  return row ? toCustomer(row) : null;
}

export interface PageCursor {
  createdAt: string;
  id: string;
}

export async function listCustomers(sql: Sql, page: { limit: number; after: PageCursor | null }): Promise<Customer[]> {
  const rows = await sql<CustomerRow[]>`
    select *
    from customers
    where ${page.after ? sql`(created_at, id) > (${page.after.createdAt}, ${page.after.id})` : sql`true`}
    order by created_at, id
    limit ${page.limit}`;
  return rows.map(toCustomer);
}
