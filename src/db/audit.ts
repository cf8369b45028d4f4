import type { Sql, Tx } from './client';
import { toIso } from './client';
import type { AuditEventType } from '../domain/audit';

export interface AuditEvent {
  /** Unique per business event (e.g. `invoice:inv_1:approved`), so a retried write lands once. */
  eventKey: string;
  entityType: 'invoice' | 'customer' | 'charge';
  entityId: string;
  type: AuditEventType;
  actor: string;
  detail: Record<string, unknown>;
  at: string;
}

export interface TimelineEntry {
  at: string;
  type: AuditEventType;
  actor: string;
  detail: Record<string, unknown>;
}

export async function appendAuditEvent(sql: Sql | Tx, e: AuditEvent): Promise<void> {
  await sql`
    insert into audit_events (event_key, entity_type, entity_id, type, actor, detail, at)
    values (${e.eventKey}, ${e.entityType}, ${e.entityId}, ${e.type}, ${e.actor}, ${sql.json(e.detail as never)}, ${e.at})
    on conflict (event_key) do nothing`;
}

export async function listAuditEvents(sql: Sql, entityType: AuditEvent['entityType'], entityId: string): Promise<TimelineEntry[]> {
  const rows = await sql<{ at: Date; type: AuditEventType; actor: string; detail: Record<string, unknown> }[]>`
    select at, type, actor, detail
    from audit_events
    where entity_type = ${entityType}
      and entity_id = ${entityId}
    order by at, id`;
  return rows.map((r) => ({ at: toIso(r.at) ?? '', type: r.type, actor: r.actor, detail: r.detail }));
}
