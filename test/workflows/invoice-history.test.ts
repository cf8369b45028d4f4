import { temporal } from '@temporalio/proto';
import { useTimeSkipping, withInvoice } from '../support/invoice-harness';

/**
 * What an invoice costs Temporal: every event is a write of the server's, so the way from start to
 * open (issued, emailed, waiting for its due date) has a budget (docs/performance.md).
 */
const env = useTimeSkipping('file');
const EventType = temporal.api.enums.v1.EventType;

test('when an invoice is approved by policy, then it is open and emailed within its budget of history events', async () => {
  let events: temporal.api.history.v1.IHistoryEvent[] = [];
  await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.delivery.status === 'sent');
    events = (await handle.fetchHistory()).events ?? [];
  });
  const upToOpen = events.slice(0, events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) + 1);
  const count = (type: temporal.api.enums.v1.EventType) => upToOpen.filter((e) => e.eventType === type).length;

  // Four writes as activities (draft, approval, the number with the open state, sent), each with its
  // workflow task; the email a local activity (one marker); 46 events before this budget existed.
  expect(upToOpen.length).toBeGreaterThan(0);
  expect(upToOpen.length).toBeLessThanOrEqual(37);
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(4);
  // The email's marker only: no patch markers, the invoice's revision comes in its input.
  expect(count(EventType.EVENT_TYPE_MARKER_RECORDED)).toBe(1);
  // The draft's attributes came with the start: only what issuing changed is upserted, once.
  const upserts = upToOpen.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  expect(upserts).toHaveLength(1);
  expect(Object.keys(upserts[0]?.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort()).toEqual(['DueAt', 'InvoiceNumber', 'InvoiceStatus']);
});
