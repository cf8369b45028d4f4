import { condition, setHandler } from '@temporalio/workflow';
import { decideApproval } from '../../src/domain/approval';
import { parseIsoDuration } from '../../src/domain/duration';
import { type ApprovalDecisionKind, type ApprovalRecord, type InvoiceCommand, reviseDraft } from '../../src/domain/invoice';
import { priceLines } from '../../src/domain/lines';
import { activityFailure } from '../activity-failure';
import { APPROVERS, assertText, db, type InvoiceContext, mail, nowIso, OPERATORS, refuse, refuseDomainError } from './context';
import { issueNow } from './issue';
import { approveUpdate, type DecisionCommand, rejectUpdate, requestChangesUpdate, type SubmitCommand, submitUpdate } from './messages';

/**
 * Approval by people (the four-eyes rule): approve, reject or request changes, and the operator's
 * revised draft. Exactly one decision per round takes effect: the first to be stored; any other
 * decision, however concurrent, is refused with the invoice's status.
 */
export class Approval {
  /** This round's decision, once stored. */
  private decision: ApprovalRecord | null = null;
  /** A decision is being stored: further decisions are refused at once, not queued. */
  private deciding = false;
  private submitted = false;
  private waitingSince: string;

  constructor(private readonly invoice: InvoiceContext) {
    this.waitingSince = invoice.state.draft.createdAt;
    setHandler(approveUpdate, (cmd) => this.decide('approved', cmd), { validator: this.validator('approve') });
    setHandler(rejectUpdate, (cmd) => this.decide('rejected', cmd), { validator: this.validator('reject') });
    setHandler(requestChangesUpdate, (cmd) => this.decide('changes_requested', cmd), { validator: this.validator('requestChanges') });
    setHandler(submitUpdate, (cmd) => this.submit(cmd), { validator: (cmd: SubmitCommand) => this.validateSubmit(cmd) });
  }

  /** Until approved (true), or rejected or voided (false). Never approves by itself. */
  async run(): Promise<boolean> {
    const { state, customer, settings } = this.invoice;
    for (;;) {
      const rule = decideApproval({ invoice: state.draft.approval, customer: customer.approval, totalMinor: state.draft.totalMinor, currency: state.draft.currency });
      if (!rule.required) return this.approveByPolicy(rule.reason);

      this.decision = null;
      this.waitingSince = nowIso();
      const submitted = await this.invoice.lock.run(async () => {
        if (this.invoice.isVoid()) return false;
        await this.invoice.commit({ status: 'pending_approval' }, { type: 'submitted', actor: state.draft.createdBy, detail: { reason: rule.reason } });
        return true;
      });
      if (!submitted) return false;
      await this.notifyApprovers('request');
      const answered = () => this.decision !== null || this.invoice.isVoid();
      if (!(await condition(answered, parseIsoDuration(settings.approvalEscalationAfter)))) {
        await this.invoice.lock.run(() =>
          this.invoice.commit({ approvalEscalatedAt: nowIso() }, { type: 'approval_escalated', actor: 'system', detail: { after: settings.approvalEscalationAfter } }),
        );
        await this.notifyApprovers('escalation');
        await condition(answered);
      }

      const decision = this.decision as ApprovalRecord | null;
      if (this.invoice.isVoid() || !decision) return false;
      if (decision.decision === 'approved') return true;
      const outcome = decision.decision === 'rejected' ? 'rejected' : 'draft';
      const stillOpen = await this.invoice.lock.run(async () => {
        if (this.invoice.isVoid()) return false;
        this.submitted = false;
        await this.invoice.commit({ status: outcome }, { type: decision.decision, actor: decision.principal, detail: { reason: decision.reason } });
        return true;
      });
      if (!stillOpen || outcome === 'rejected') return false;
      await condition(() => this.submitted || this.invoice.isVoid());
      if (this.invoice.isVoid()) return false;
    }
  }

  private async approveByPolicy(reason: string): Promise<boolean> {
    return this.invoice.lock.run(async () => {
      if (this.invoice.isVoid()) return false;
      const approval: ApprovalRecord = { principal: 'system', decision: 'auto_approved', at: nowIso(), reason };
      await this.record(approval);
      return true;
    });
  }

  /** Stores the decision, then lets the process act on it; answers once it has. */
  private async decide(kind: ApprovalDecisionKind, cmd: DecisionCommand) {
    this.deciding = true;
    try {
      await this.invoice.lock.run(async () => {
        this.assertUndecided();
        const decision: ApprovalRecord = { principal: cmd.principal, decision: kind, at: nowIso(), reason: cmd.reason ?? null };
        if (kind === 'approved' && this.invoice.revision >= 3) {
          // The approval and the issue it allows, in one write (issue.ts).
          await issueNow(this.invoice, decision);
          this.decision = decision;
        } else {
          await this.record(decision);
        }
      });
    } finally {
      this.deciding = false;
    }
    await condition(() => this.invoice.state.status !== 'pending_approval');
    return this.invoice.state;
  }

  private async record(approval: ApprovalRecord): Promise<void> {
    const approvals = this.invoice.state.approvals;
    await this.invoice.store(() => db.recordApproval({ invoiceId: this.invoice.invoiceId, seq: approvals.length, approval }));
    this.invoice.apply({ approvals: [...approvals, approval] });
    if (approval.decision !== 'auto_approved') this.decision = approval;
  }

  /** Checked again holding the lock: a concurrent decision may have been stored meanwhile. */
  private assertUndecided(): void {
    this.invoice.assertAllowed('approve');
    if (this.decision) {
      refuse('conflict', `${this.decision.principal} has already decided on this invoice (${this.decision.decision})`, { status: this.invoice.state.status });
    }
  }

  private validator(command: InvoiceCommand) {
    return (cmd: DecisionCommand) => {
      this.invoice.assertCommand(command, cmd, APPROVERS);
      if (command === 'approve' && cmd.principal === this.invoice.state.draft.createdBy) {
        refuse('forbidden', `${cmd.principal} created this invoice and may not approve it`);
      }
      const path = command === 'approve' ? 'comment' : 'reason';
      if (command !== 'approve' && !cmd.reason?.trim()) refuse('validation_failed', 'a reason is required', { path });
      assertText(cmd.reason, path);
      if (this.deciding) refuse('conflict', 'another decision on this invoice is being recorded', { status: this.invoice.state.status });
      this.assertUndecided();
    };
  }

  private async submit(cmd: SubmitCommand) {
    await this.invoice.lock.run(async () => {
      this.invoice.assertAllowed('submit');
      const { state } = this.invoice;
      const draft = reviseDraft(state.draft, cmd);
      const version = state.version + 1;
      await this.invoice.store(() => db.reviseDraft({ draft, version }));
      this.invoice.apply({ draft, dueAt: draft.dueAt, version });
      this.submitted = true;
    });
    await condition(() => this.invoice.state.status !== 'draft');
    return this.invoice.state;
  }

  private validateSubmit(cmd: SubmitCommand): void {
    this.invoice.assertCommand('submit', cmd, OPERATORS);
    assertText(cmd.memo, 'memo');
    cmd.lines?.forEach((line, i) => assertText(line.description, `lines.${i}.description`, 'single-line'));
    try {
      if (cmd.lines) priceLines(cmd.lines, this.invoice.state.draft.pricesIncludeTax);
    } catch (error) {
      refuseDomainError(error, '');
    }
  }

  private async notifyApprovers(kind: 'request' | 'escalation'): Promise<void> {
    const { state, customer } = this.invoice;
    try {
      await mail.notifyApprovers({ state, customer, kind, waitingSince: this.waitingSince });
    } catch (error) {
      // A lost notification must not block the invoice; it is on the timeline for people to see.
      const failure = activityFailure(error);
      if (!failure) throw error;
      await this.invoice.lock.run(() =>
        this.invoice.commit({}, { type: 'notification_failed', actor: 'system', detail: { kind, error: failure.message } }),
      );
    }
  }
}
