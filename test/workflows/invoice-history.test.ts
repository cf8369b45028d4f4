import { temporal } from '@temporalio/proto';
import { useTimeSkipping, withInvoice } from '../support/invoice-harness';

/**
 * What an invoice costs Temporal: every event is a write of the server's, so the way from start to
 * open (issued, emailed, waiting for its due date) has a budget (docs/performance.md).
 */
const env = useTimeSkipping('file');
const EventType = temporal.api.enums.v1.EventType;

/** The events from the start to the first timer (the due date's): issued, emailed, open. */
async function eventsUpToOpen(options: Parameters<typeof withInvoice>[1]) {
  let events: temporal.api.history.v1.IHistoryEvent[] = [];
  await withInvoice(env(), options, async ({ handle, until }) => {
    await until((s) => s.delivery.status === 'sent');
    events = (await handle.fetchHistory()).events ?? [];
  });
  const upToOpen = events.slice(0, events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) + 1);
  expect(upToOpen.length).toBeGreaterThan(0);
  return { upToOpen, count: (type: temporal.api.enums.v1.EventType) => upToOpen.filter((e) => e.eventType === type).length };
}

test('when a billing run starts an invoice it issued, then the invoice is emailed and open within one workflow task', async () => {
  const { upToOpen, count } = await eventsUpToOpen({ approval: 'never', issuedByRun: true });

  // Started, one workflow task (scheduled, started, completed), the email's marker (a local activity
  // that stores the delivery and its timeline event), the due date's timer: no write of its own, and
  // its search attributes (open, number, due date) came with the start.
  expect(upToOpen.map((e) => EventType[e.eventType ?? 0])).toEqual([
    'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
    'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
    'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
    'EVENT_TYPE_MARKER_RECORDED',
    'EVENT_TYPE_TIMER_STARTED',
  ]);
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
});

test('when an invoice is approved by policy, then it is open and emailed within its budget of history events', async () => {
  const { upToOpen, count } = await eventsUpToOpen({ approval: 'never' });

  // Three writes as activities (draft, approval, the number with the open state), each with its
  // workflow task; the email a local activity (one marker) that stores its delivery; 46 events
  // before this budget existed.
  expect(upToOpen.length).toBeLessThanOrEqual(31);
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(3);
  // The email's marker only: no patch markers, the invoice's revision comes in its input.
  expect(count(EventType.EVENT_TYPE_MARKER_RECORDED)).toBe(1);
  // The draft's attributes came with the start: only what issuing changed is upserted, once.
  const upserts = upToOpen.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  expect(upserts).toHaveLength(1);
  expect(Object.keys(upserts[0]?.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort()).toEqual(['DueAt', 'InvoiceNumber', 'InvoiceStatus']);
});
