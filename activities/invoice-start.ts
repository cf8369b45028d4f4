import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../src/db/client';
import { findCustomer } from '../src/db/customers';
import { findDunningPolicy } from '../src/db/dunning-policies';
import type { CustomerSnapshot } from '../src/domain/customer';
import type { DunningPolicy } from '../src/domain/dunning';
import type { InvoiceDraft } from '../src/domain/invoice';

/**
 * The customer and dunning policy an invoice a system recorded (a billing run's, a subscription's)
 * starts its workflow with, as they are now. `policies` caches policies across a batch.
 */
export async function customerAndPolicyOf(
  sql: Sql,
  draft: InvoiceDraft,
  policies: Map<string, DunningPolicy | null> = new Map(),
): Promise<{ customer: CustomerSnapshot; policy: DunningPolicy }> {
  const policyId = draft.dunningPolicyId ?? 'default';
  if (!policies.has(policyId)) policies.set(policyId, await findDunningPolicy(sql, policyId));
  const customer = await findCustomer(sql, draft.customerId);
  const policy = policies.get(policyId);
  if (!customer || !policy) throw ApplicationFailure.nonRetryable(`invoice ${draft.id}: its customer or dunning policy is gone`, 'internal');
  return { customer: { id: customer.id, name: customer.name, email: customer.email, locale: customer.locale, approval: customer.approval }, policy };
}
