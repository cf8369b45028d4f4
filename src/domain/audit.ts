/**
 * The names of the events on an invoice's, a customer's and a charge's timeline (the append-only audit trail).
 * Every writer and reader uses these: a new kind of event is added here first.
 */

export const INVOICE_EVENT_TYPES = [
  'created',
  'submitted',
  'approval_escalated',
  'notification_failed',
  'approved',
  'auto_approved',
  'rejected',
  'changes_requested',
  'issued',
  'sent',
  'delivery_failed',
  'payment_received',
  'paid',
  'overdue',
  'reminder_sent',
  'reminder_failed',
  'disputed',
  'dispute_resolved',
  'voided',
  'written_off',
  'refunded',
  'credited',
  'payment_failed',
] as const;
export type InvoiceEventType = (typeof INVOICE_EVENT_TYPES)[number];

// 'updated': an import changed the customer (or a pending charge) to its row's values; the detail names each field's old and new value.
export const CUSTOMER_EVENT_TYPES = ['created', 'created_without_approval', 'updated'] as const;
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];

export const CHARGE_EVENT_TYPES = ['created', 'cancelled', 'updated'] as const;
export type ChargeEventType = (typeof CHARGE_EVENT_TYPES)[number];

export type AuditEventType = InvoiceEventType | CustomerEventType | ChargeEventType;
