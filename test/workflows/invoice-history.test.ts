import { temporal } from '@temporalio/proto';
import { useTimeSkipping, withInvoice } from '../support/invoice-harness';

/**
 * What an invoice costs Temporal: every event is a write of the server's, so the way from start to
 * open (issued, emailed, waiting for its due date) has a budget (docs/performance.md).
 */
const env = useTimeSkipping('file');
const EventType = temporal.api.enums.v1.EventType;

test('when an invoice is approved by policy, then it is issued and emailed in one workflow task of at most 12 history events', async () => {
  let events: temporal.api.history.v1.IHistoryEvent[] = [];
  await withInvoice(env(), { approval: 'never' }, async ({ handle, until }) => {
    await until((s) => s.delivery.status === 'sent');
    events = (await handle.fetchHistory()).events ?? [];
  });
  const upToOpen = events.slice(0, events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) + 1);
  const count = (type: temporal.api.enums.v1.EventType) => upToOpen.filter((e) => e.eventType === type).length;

  expect(upToOpen.length).toBeGreaterThan(0);
  expect(upToOpen.length).toBeLessThanOrEqual(12);
  expect(count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
  expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
  // The draft's attributes came with the start: only what issuing changed is upserted, once.
  const upserts = upToOpen.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  expect(upserts).toHaveLength(1);
  expect(Object.keys(upserts[0]?.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort()).toEqual(['DueAt', 'InvoiceNumber', 'InvoiceStatus']);
});
