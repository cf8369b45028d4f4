import type { Role } from '../domain/actor';
import type { Sql } from './client';
import { toIso } from './client';

/** A signed-in person's session (src/web/app/session.ts), found by the hash of its cookie's id. */
export interface WebSession {
  idHash: string;
  principal: string;
  role: Role;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

interface WebSessionRow {
  id_hash: string;
  principal: string;
  role: Role;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
}

const toSession = (row: WebSessionRow): WebSession => ({
  idHash: row.id_hash,
  principal: row.principal,
  role: row.role,
  csrfToken: row.csrf_token,
  createdAt: toIso(row.created_at) ?? '',
  expiresAt: toIso(row.expires_at) ?? '',
});

export async function insertWebSession(sql: Sql, s: WebSession): Promise<void> {
  await sql`
    insert into web_sessions (id_hash, principal, role, csrf_token, created_at, expires_at)
    values (${s.idHash}, ${s.principal}, ${s.role}, ${s.csrfToken}, ${s.createdAt}, ${s.expiresAt})`;
}

/** The session unless it has expired; an expired one is as good as none. */
export async function findWebSession(sql: Sql, idHash: string, now: string): Promise<WebSession | null> {
  const [row] = await sql<WebSessionRow[]>`
    select id_hash, principal, role, csrf_token, created_at, expires_at
    from web_sessions
    where id_hash = ${idHash}
      and expires_at > ${now}`;
  return row ? toSession(row) : null;
}

export async function deleteWebSession(sql: Sql, idHash: string): Promise<void> {
  await sql`
    delete from web_sessions
    where id_hash = ${idHash}`;
}

/** Sessions past their expiry, removed at each sign-in so the table does not grow without end. */
export async function deleteExpiredWebSessions(sql: Sql, now: string): Promise<void> {
  await sql`
    delete from web_sessions
    where expires_at <= ${now}`;
}
