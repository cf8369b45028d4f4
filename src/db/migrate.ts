import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from './client';

/**
 * Applies src/db/migrations/*.sql in name order, each recorded with a checksum.
 *
 * A small runner rather than node-pg-migrate or ley: it runs on the same postgres.js client as the
 * rest of billflow (node-pg-migrate brings the `pg` driver and is ESM-only), it takes plain SQL
 * files, and it holds a transaction-scoped advisory lock so that several workers and api processes
 * starting at once apply each migration exactly once. An edited, already-applied migration is an
 * error rather than silently skipped.
 */
const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
const LOCK_KEY = 0x6269_6c6c; // "bill"

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(sql: Sql): Promise<MigrationResult> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const migrations = await Promise.all(
    files.map(async (name) => {
      const text = await readFile(path.join(MIGRATIONS_DIR, name), 'utf8');
      return { name, text, checksum: createHash('sha256').update(text).digest('hex') };
    }),
  );
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`
      create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const rows = await tx<{ name: string; checksum: string }[]>`
      select name, checksum
      from schema_migrations`;
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const previous = done.get(migration.name);
      if (previous !== undefined) {
        if (previous !== migration.checksum) {
          throw new Error(`migration ${migration.name} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await tx.unsafe(migration.text);
      await tx`
        insert into schema_migrations (name, checksum)
        values (${migration.name}, ${migration.checksum})`;
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size };
  });
}
