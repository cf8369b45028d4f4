import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { billingRunWorkflowId, invoiceWorkflowId } from '../../src/temporal/workflow-ids';

/**
 * What a billing run costs Temporal in history events: each history event is written to the
 * server's database and read back by workers, so events per invoice drive the server's CPU and disk.
 */

const { EventType } = proto.api.enums.v1;

/** "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED" → "WorkflowTaskScheduled". */
function eventName(type: number | null | undefined): string {
  const name = EventType[type ?? 0] ?? `EventType${type}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());
}

export interface InvoiceHistoryStats {
  sampled: number;
  mean: number;
  min: number;
  max: number;
  /** Samples whose history had no timer yet (the invoice not yet waiting for its due date). */
  withoutTimer: number;
  /** One invoice's events up to open, by type, in order of first appearance. */
  breakdown: { invoiceId: string; events: { type: string; count: number }[] };
}

/**
 * History events of invoice workflows up to and including their first TIMER_STARTED: the invoice
 * is issued, emailed and waiting for its due date, and costs nothing more until then.
 */
export async function invoiceHistoryStats(client: Client, invoiceIds: readonly string[]): Promise<InvoiceHistoryStats> {
  const samples = await Promise.all(
    invoiceIds.map(async (invoiceId) => {
      const history = await client.workflow.getHandle(invoiceWorkflowId(invoiceId)).fetchHistory();
      const events = history.events ?? [];
      const timer = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
      return { invoiceId, types: events.slice(0, timer >= 0 ? timer + 1 : events.length).map((e) => eventName(e.eventType)), timer: timer >= 0 };
    }),
  );
  const lengths = samples.map((s) => s.types.length);
  const first = samples[0];
  const breakdown = new Map<string, number>();
  for (const type of first?.types ?? []) breakdown.set(type, (breakdown.get(type) ?? 0) + 1);
  return {
    sampled: samples.length,
    mean: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
    min: Math.min(...lengths),
    max: Math.max(...lengths),
    withoutTimer: samples.filter((s) => !s.timer).length,
    breakdown: { invoiceId: first?.invoiceId ?? '', events: [...breakdown].map(([type, count]) => ({ type, count })) },
  };
}

export interface RunHistoryStats {
  /** Executions of the run's continue-as-new chain. */
  executions: number;
  events: number;
  perInvoice: number;
}

/** The run's own history: every execution of `billing-run:<runId>` (one a page), summed. */
export async function runHistoryStats(client: Client, runId: string, invoices: number): Promise<RunHistoryStats> {
  const workflowId = billingRunWorkflowId(runId);
  // The last page's execution closes right after its last invoice starts.
  const deadline = Date.now() + 60_000;
  let latest = await client.workflow.getHandle(workflowId).describe();
  while (latest.status.name === 'RUNNING') {
    if (Date.now() > deadline) throw new Error(`${workflowId} still running a minute after its invoices were sent`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    latest = await client.workflow.getHandle(workflowId).describe();
  }
  // Visibility is eventually consistent: list until it shows the chain's last execution.
  for (;;) {
    const listed = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(execution);
    if (listed.some((e) => e.runId === latest.runId) || Date.now() > deadline) {
      let events = 0;
      for (const execution of listed) {
        // An execution whose length visibility does not have yet: its own description has it.
        events += execution.historyLength || (await client.workflow.getHandle(workflowId, execution.runId).describe()).historyLength;
      }
      return { executions: listed.length, events, perInvoice: events / invoices };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
