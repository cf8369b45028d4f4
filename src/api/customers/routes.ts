import { Router } from 'express';
import { listAuditEvents } from '../../db/audit';
import { isUniqueViolation, type Sql } from '../../db/client';
import { findCustomer, insertCustomer, listCustomers } from '../../db/customers';
import { customerCreditBalances } from '../../db/payments';
import { AppError, ErrorCode, notFound, validationError } from '../../errors';
import { findDunningPolicy } from '../../db/dunning-policies';
import { callerOf, requireRole } from '../auth';
import { withIdempotency } from '../idempotency';
import { decodeCursor, page } from '../pagination';
import { couldBeRowId, idFromSeed, newId } from '../../ids';
import { pageQuery, parseInput } from '../validation';
import { createCustomerBody } from './schemas';

export function customerRoutes(sql: Sql): Router {
  const router = Router();

  router.post('/customers', requireRole('operator'), async (req, res) => {
    const caller = callerOf(res);
    const body = parseInput(createCustomerBody, req.body);
    if (body.approval === 'never' && caller.role !== 'admin') {
      // The four-eyes rule is not waived by the person it guards against.
      throw new AppError({
        code: ErrorCode.forbidden,
        message: 'only an admin may exempt a customer from approval ("never")',
        details: [{ path: 'approval', message: 'only an admin may set "never"' }],
      });
    }
    if (body.dunningPolicyId && !(await findDunningPolicy(sql, body.dunningPolicyId))) {
      throw validationError('dunningPolicyId', `dunning policy ${body.dunningPolicyId} does not exist`);
    }
    const created = await withIdempotency(sql, req, caller, async (seed) => {
      try {
        const customer = await insertCustomer(sql, {
          id: seed ? idFromSeed('cus', seed) : newId('cus'),
          name: body.name,
          email: body.email,
          currency: body.currency,
          locale: body.locale,
          paymentTermsDays: body.paymentTermsDays,
          taxRateBps: body.taxRateBps ?? null,
          dunningPolicyId: body.dunningPolicyId ?? null,
          approval: body.approval,
          externalId: body.externalId ?? null,
          createdBy: caller.principal,
          createdAt: new Date().toISOString(),
        });
        return { status: 201, body: customer };
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError({
            code: ErrorCode.conflict,
            message: `externalId "${body.externalId}" belongs to another customer`,
            details: [{ path: 'externalId', message: 'already used by another customer' }],
          });
        }
        throw error;
      }
    });
    res.status(created.status).json(created.body);
  });

  router.get('/customers/:id', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const id = req.params.id as string;
    const customer = couldBeRowId(id) ? await findCustomer(sql, id) : null;
    if (!customer) throw notFound('customer', id);
    const [creditBalances, timeline] = await Promise.all([customerCreditBalances(sql, customer.id), listAuditEvents(sql, 'customer', customer.id)]);
    res.json({ ...customer, creditBalances, timeline });
  });

  router.get('/customers', requireRole('operator', 'approver', 'viewer'), async (req, res) => {
    const query = parseInput(pageQuery, req.query);
    const rows = await listCustomers(sql, { limit: query.limit, after: decodeCursor(query.cursor) });
    res.json(page(rows, query.limit, (c) => c));
  });

  return router;
}
