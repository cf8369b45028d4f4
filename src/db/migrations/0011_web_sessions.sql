-- Sessions of people signed in to the pages under /app. The cookie carries a random session id;
-- only its SHA-256 is stored, so reading this table does not let anyone sign in. The API key a
-- person signed in with is never stored: the row keeps the principal and role it resolved to.

create table web_sessions (
  id_hash              text primary key,
  principal            text not null,
  role                 text not null check (role in ('admin', 'operator', 'approver', 'viewer')),
  -- Every form of the session carries this token; a post without it changes nothing.
  csrf_token           text not null,
  created_at           timestamptz not null,
  expires_at           timestamptz not null
);

create index web_sessions_expires_at on web_sessions (expires_at);
