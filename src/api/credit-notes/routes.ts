import { Router } from 'express';
import type { Config } from '../../config';
import type { Sql } from '../../db/client';
import { findCreditNote, type StoredCreditNote } from '../../db/credit-notes';
import { findCustomer } from '../../db/customers';
import type { Role } from '../../domain/actor';
import { notFound } from '../../errors';
import { couldBeRowId } from '../../ids';
import { renderCreditNotePdf } from '../../render/pdf';
import { requireRole } from '../auth';
import { creditNoteDetailView, creditNoteDocument } from './views';

/**
 * Credit notes by their number (CN-2026-000001): the facts, and the document the customer receives.
 * They are issued through their invoice (POST /invoices/:id/credit-notes, or a void); here they are read.
 */
export function creditNoteRoutes({ sql, config }: { sql: Sql; config: Pick<Config, 'publicBaseUrl' | 'mailFrom'> }): Router {
  const router = Router();
  const READERS: Role[] = ['operator', 'approver', 'viewer'];

  /** The credit note, or 404; a path no number could be (a NUL byte) is not looked up. */
  async function load(number: string): Promise<StoredCreditNote> {
    const note = couldBeRowId(number) ? await findCreditNote(sql, number) : null;
    if (!note) throw notFound('credit note', number);
    return note;
  }

  router.get('/credit-notes/:id', requireRole(...READERS), async (req, res) => {
    res.json(creditNoteDetailView(await load(req.params.id as string)));
  });

  router.get('/credit-notes/:id/pdf', requireRole(...READERS), async (req, res) => {
    const note = await load(req.params.id as string);
    const pdf = await renderCreditNotePdf(creditNoteDocument(note, await findCustomer(sql, note.customerId), config));
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${note.number}.pdf"`).send(pdf);
  });

  return router;
}
