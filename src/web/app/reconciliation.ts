import { type Request, type Response, Router } from 'express';
import { outageOf } from '../../api/outage';
import { ignoreBody, matchBody } from '../../api/reconciliation/schemas';
import { parseInput } from '../../api/validation';
import type { UnmatchedLine } from '../../db/bank-statements';
import type { WebSession } from '../../db/web-sessions';
import type { Role } from '../../domain/actor';
import { formatMoney } from '../../domain/money';
import { AppError, ErrorCode } from '../../errors';
import type { BankStatementService } from '../../services/bank-statements';
import { html, type Html } from '../pay/html';
import { assertCsrf } from './csrf';
import { csrfField, type Notice, noticeBlock, page } from './layout';
import { sessionOf } from './session';

/** The roles that match and ignore lines, as the api's reconciliation routes require (admin may do everything). */
const MATCHERS: readonly Role[] = ['admin', 'operator'];
const QUEUE_LIMIT = 100;
/** Candidates offered as checkboxes per line (the form parser takes 20 fields: these, the token, the currency and the typed ids). */
const CANDIDATE_BOXES = 14;

const HTTP_STATUS: Partial<Record<string, number>> = { validation_failed: 400, forbidden: 403, not_found: 404, conflict: 409 };

const CANDIDATE_REASONS: Record<string, string> = {
  not_payable: 'named in the reference, but takes no payment',
  number_lookalike: 'number like the reference',
  same_payer: 'same payer',
  same_amount: 'same amount due',
};

const anchorOf = (lineId: string): string => `line-${lineId}`;

function lineCard(line: UnmatchedLine, session: WebSession): Html {
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: line.currency });
  const id = line.lineId;
  const token = csrfField(session.csrfToken);
  const forms = MATCHERS.includes(session.role)
    ? html`<div class="actions">
<form method="post" action="/app/reconciliation/${id}/match" aria-label="Match line ${id}">
${token}
<input type="hidden" name="currency" value="${line.currency}">
<fieldset>
<legend>Match to invoices</legend>
${
  line.candidates.length === 0
    ? html`<p class="muted">No candidates found.</p>`
    : line.candidates.slice(0, CANDIDATE_BOXES).map(
        (c) => html`<p><label for="c-${id}-${c.invoiceId}"><input id="c-${id}-${c.invoiceId}" type="checkbox" name="invoiceIds" value="${c.invoiceId}"> ${c.number ?? c.invoiceId} (${c.invoiceId}): ${money(c.amountDueMinor)} due, ${c.status.replace(/_/g, ' ')}, ${CANDIDATE_REASONS[c.reason] ?? c.reason}</label></p>`,
      )
}
<label for="other-${id}">Other invoice ids (separated by spaces or commas)</label>
<input id="other-${id}" name="otherIds" type="text" maxlength="2000">
</fieldset>
<button type="submit">Match</button>
</form>
<form method="post" action="/app/reconciliation/${id}/ignore" aria-label="Ignore line ${id}">
${token}
<label for="ignore-${id}">Reason for ignoring</label>
<textarea id="ignore-${id}" name="reason" rows="2" maxlength="1000" required></textarea>
<button type="submit" class="secondary">Ignore</button>
</form>
</div>`
    : html`<p class="muted">Your role (${session.role}) may view this line but not match or ignore it.</p>`;
  return html`<article class="card" id="${anchorOf(id)}" aria-labelledby="${anchorOf(id)}-title">
<h2 id="${anchorOf(id)}-title">${line.date}: ${money(line.amountMinor)}${line.payer ? ` from ${line.payer}` : ''}</h2>
<p class="muted">Line ${id}</p>
<dl class="facts">
<dt>Reference</dt><dd>${line.reference ?? '—'}</dd>
<dt>Payer</dt><dd>${line.payer ?? '—'}</dd>
<dt>Still to apply</dt><dd>${money(line.unappliedMinor)}</dd>
<dt>Why unmatched</dt><dd>${line.reason ?? '—'}</dd>
</dl>
${forms}
</article>`;
}

function renderQueue(args: { lines: UnmatchedLine[]; session: WebSession; notice: Notice | null }): string {
  const { lines, session } = args;
  return page(
    'Reconciliation',
    html`<h1>Reconciliation</h1>
${noticeBlock(args.notice)}
<p class="muted">${lines.length === 0 ? 'No bank line waits to be matched.' : `${lines.length} bank line${lines.length === 1 ? '' : 's'} waiting, oldest first${lines.length >= QUEUE_LIMIT ? ' (the oldest shown; match or ignore these to see more)' : ''}.`}</p>
${lines.map((line) => lineCard(line, session))}`,
    session,
  );
}

/** The field's values as posted: none, one or several (urlencoded repeats a name). */
const values = (req: Request, field: string): string[] => {
  const value = (req.body as Record<string, unknown> | undefined)?.[field];
  const all = Array.isArray(value) ? value : [value];
  return all.filter((v): v is string => typeof v === 'string');
};

/** The queue of unmatched bank lines; matches and ignores go through the bank statement service, as the api's. */
export function reconciliationPages(deps: { statements: BankStatementService }): Router {
  const router = Router();

  const queue = async (res: Response, notice: Notice | null, status = 200) => {
    const lines = await deps.statements.unmatched({ limit: QUEUE_LIMIT, after: null });
    res.status(status).type('html').send(renderQueue({ lines, session: sessionOf(res), notice }));
  };

  /** Runs a form's command and answers with the queue and the outcome, or the refusal. */
  const act = async (req: Request, res: Response, command: (session: WebSession) => Promise<Notice>) => {
    const session = sessionOf(res);
    assertCsrf(req, session.csrfToken);
    if (!MATCHERS.includes(session.role)) {
      throw new AppError({ code: ErrorCode.forbidden, message: `Your role (${session.role}) may not match or ignore bank lines; it needs admin or operator.` });
    }
    try {
      await queue(res, await command(session));
    } catch (error) {
      if (!(error instanceof AppError) || outageOf(error) !== null) throw error;
      await queue(res, { kind: 'error', text: `Line ${String(req.params.lineId)} was not changed: ${error.message}` }, HTTP_STATUS[error.code] ?? 400);
    }
  };

  router.get('/app/reconciliation', async (_req, res) => {
    await queue(res, null);
  });

  router.post('/app/reconciliation/:lineId/match', async (req, res) => {
    await act(req, res, async (session) => {
      const lineId = req.params.lineId;
      const typed = values(req, 'otherIds').flatMap((text) => text.split(/[\s,;]+/u));
      const ids = [...new Set([...values(req, 'invoiceIds'), ...typed].map((v) => v.trim()).filter(Boolean))];
      const body = parseInput(matchBody, { invoiceIds: ids });
      const result = await deps.statements.match(lineId, body.invoiceIds, { principal: session.principal, role: session.role });
      // The line's currency, for the amounts in the answer only (the service applies the line's own).
      const currency = /^[A-Z]{3}$/u.test(values(req, 'currency')[0] ?? '') ? (values(req, 'currency')[0] as string) : null;
      const amount = (minor: number) => (currency ? ` ${formatMoney({ amountMinor: minor, currency })}` : '');
      const paid = result.payments.map((p) => `invoice ${p.invoiceId} ${p.status === 'applied' ? 'paid' : 'refused'}${amount(p.amountMinor)}${p.message ? ` (${p.message})` : ''}`);
      return result.status === 'applied'
        ? { kind: 'ok', text: `Line ${lineId} matched and applied: ${paid.join('; ')}.` }
        : { kind: 'error', text: `Line ${lineId} is back in the queue: ${paid.join('; ') || 'no invoice took its money'}.` };
    });
  });

  router.post('/app/reconciliation/:lineId/ignore', async (req, res) => {
    await act(req, res, async (session) => {
      const lineId = req.params.lineId;
      const body = parseInput(ignoreBody, { reason: values(req, 'reason')[0] ?? '' });
      await deps.statements.ignore(lineId, body.reason, { principal: session.principal, role: session.role });
      return { kind: 'ok', text: `Line ${lineId} ignored: ${body.reason}` };
    });
  });

  return router;
}
