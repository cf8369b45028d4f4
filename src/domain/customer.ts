/** Who must approve a customer's invoices: always a person, never (an admin's audited choice), or as the policy decides. */
export const CUSTOMER_APPROVALS = ['always', 'never', 'policy'] as const;
export type CustomerApproval = (typeof CUSTOMER_APPROVALS)[number];

/** What an invoice keeps of its customer: enough to address, greet and approve it. */
export interface CustomerSnapshot {
  id: string;
  name: string;
  email: string;
  locale: string;
  approval: CustomerApproval;
}
