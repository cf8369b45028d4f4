-- Imports: CSV files of customers, charges and open invoices from an earlier system, streamed and
-- written a chunk of rows at a time. Rows are keyed by the earlier system's `externalId`: a second
-- import of the same file finds every row and changes nothing.

create table imports (
  id            text primary key,
  kind          text not null check (kind in ('customers', 'charges', 'invoices')),
  status        text not null check (status in ('running', 'completed', 'failed')),
  -- Data rows read so far (good and bad); the four outcomes add up to it once a chunk is written.
  processed     integer not null default 0 check (processed >= 0),
  imported      integer not null default 0 check (imported >= 0),
  updated       integer not null default 0 check (updated >= 0),
  unchanged     integer not null default 0 check (unchanged >= 0),
  rejected      integer not null default 0 check (rejected >= 0),
  error         text,
  created_by    text not null,
  started_at    timestamptz not null,
  -- Touched by every chunk: a running import that stops moving had its process end under it.
  updated_at    timestamptz not null,
  finished_at   timestamptz
);
create index imports_started on imports (started_at, id);

-- Each problem of a rejected row, in a table of its own: a file of 100,000 bad rows makes 100,000
-- small rows here, never one giant one, and the report pages through them by line.
create table import_rejections (
  import_id     text not null references imports (id),
  line          integer not null check (line >= 1),
  field         text not null,
  message       text not null,
  primary key (import_id, line, field)
);

-- The externalId of every good row of an import and the line that had it first: a key repeated
-- within one file is a rejection (found here, not in memory), and what each line wrote stays known.
create table import_keys (
  import_id     text not null references imports (id),
  external_id   text not null,
  line          integer not null check (line >= 1),
  primary key (import_id, external_id)
);

-- A charge's externalId is the idempotency key of the row that recorded it.
alter table charges add column external_id text unique;

-- An imported invoice keeps the earlier system's key; its number is unique like any other.
alter table invoices add column external_id text unique;
