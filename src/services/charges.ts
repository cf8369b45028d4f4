import type { Person } from '../domain/actor';
import { type Charge, type ChargeKind, createCharge } from '../domain/charge';
import type { LineInput } from '../domain/lines';
import { cancelPendingCharge, type ChargeFilter, findCharge, insertCharge, listCharges } from '../db/charges';
import type { Sql } from '../db/client';
import { type Customer, findCustomer } from '../db/customers';
import { AppError, asValidationError, ErrorCode, notFound, validationError } from '../errors';
import { couldBeRowId } from '../ids';

/**
 * The charge use cases, for every way in (the api now; imports and billing runs next). Errors are
 * AppErrors. Charges are written here directly, not by a workflow: a pending charge is a plain row
 * until a billing run (a workflow) bills it, and the race between the two is settled by a
 * conditional update.
 */
export interface ChargeService {
  /** Records a pending charge; a repeated id answers with the charge it made. */
  create(request: NewCharge): Promise<Charge>;
  /** Cancels a pending charge; a cancelled one is answered as it is, a billed one is 409. */
  cancel(id: string, by: Person, now: string): Promise<Charge>;
  /** Null when no such charge. */
  load(id: string): Promise<Charge | null>;
  list(filter: ChargeFilter): Promise<Charge[]>;
}

/**
 * The charge's line as the caller gave it, resolved once the customer is known: the price is parsed
 * in the customer's currency, and the customer's tax rate fills in a missing one.
 */
export type ChargeLineFor = (currency: string, customer: Customer) => LineInput;

export interface NewCharge {
  id: string;
  customerId: string;
  kind: ChargeKind;
  line: ChargeLineFor;
  occurredAt: string | null;
  period: string | null;
  createdBy: string;
  now: string;
}

export function createChargeService(sql: Sql): ChargeService {
  return {
    async create(request) {
      const customer = couldBeRowId(request.customerId) ? await findCustomer(sql, request.customerId) : null;
      if (!customer) throw validationError('customerId', `customer ${request.customerId} does not exist`);
      const line = request.line(customer.currency, customer);
      let charge: Charge;
      try {
        charge = createCharge(
          { customerId: customer.id, currency: customer.currency, kind: request.kind, line, occurredAt: request.occurredAt, period: request.period },
          { id: request.id, createdBy: request.createdBy, now: request.now },
        );
      } catch (error) {
        throw asValidationError(error);
      }
      return insertCharge(sql, charge);
    },

    async cancel(id, by, now) {
      if (!couldBeRowId(id)) throw notFound('charge', id);
      const cancelled = await cancelPendingCharge(sql, id, by.principal, now);
      if (cancelled) return cancelled;
      const charge = await findCharge(sql, id);
      if (!charge) throw notFound('charge', id);
      // A retried cancel finds the charge cancelled: the answer it would have had, not an error.
      if (charge.status === 'cancelled') return charge;
      throw new AppError({ code: ErrorCode.conflict, message: `the charge is ${charge.status}: only a pending charge can be cancelled`, extra: { status: charge.status } });
    },

    load: async (id) => (couldBeRowId(id) ? findCharge(sql, id) : null),

    list: (filter) => listCharges(sql, filter),
  };
}
