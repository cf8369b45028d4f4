import type { Sql } from './client';

export interface IdempotencyRecord {
  requestHash: string;
  responseStatus: number | null;
  responseBody: unknown;
}

/** Claims `key` for this request; false when someone already holds it. */
export async function claimIdempotencyKey(sql: Sql, principal: string, key: string, requestHash: string): Promise<boolean> {
  const rows = await sql`
    insert into idempotency_keys (principal, key, request_hash)
    values (${principal}, ${key}, ${requestHash})
    on conflict (principal, key) do nothing
    returning key`;
  return rows.length === 1;
}

export async function findIdempotencyRecord(sql: Sql, principal: string, key: string): Promise<IdempotencyRecord | null> {
  const [row] = await sql<{ request_hash: string; response_status: number | null; response_body: unknown }[]>`
    select request_hash, response_status, response_body
    from idempotency_keys
    where principal = ${principal}
      and key = ${key}`;
  return row ? { requestHash: row.request_hash, responseStatus: row.response_status, responseBody: row.response_body } : null;
}

/**
 * Takes over an unanswered claim whose request must have died: one older than `staleAfterSeconds`,
 * or one made before the database last started (its request lost its connection in the restart).
 */
export async function reclaimStaleIdempotencyKey(sql: Sql, principal: string, key: string, staleAfterSeconds: number): Promise<boolean> {
  const rows = await sql`
    update idempotency_keys
    set created_at = now()
    where principal = ${principal}
      and key = ${key}
      and response_status is null
      and (created_at < now() - make_interval(secs => ${staleAfterSeconds})
           or created_at < pg_postmaster_start_time())
    returning key`;
  return rows.length === 1;
}

export async function completeIdempotencyKey(sql: Sql, principal: string, key: string, status: number, body: unknown): Promise<void> {
  await sql`
    update idempotency_keys
    set response_status = ${status},
        response_body = ${sql.json(body as never)}
    where principal = ${principal}
      and key = ${key}`;
}

export async function releaseIdempotencyKey(sql: Sql, principal: string, key: string): Promise<void> {
  await sql`
    delete from idempotency_keys
    where principal = ${principal}
      and key = ${key}
      and response_status is null`;
}
