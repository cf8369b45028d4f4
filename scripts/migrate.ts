import { loadConfig, requireDatabaseUrl } from '../src/config';
import { createSql } from '../src/db/client';
import { migrate } from '../src/db/migrate';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (the worker and api also do at start-up). */
async function main(): Promise<void> {
  const sql = createSql(requireDatabaseUrl(loadConfig(), 'npm run migrate'), { max: 1 });
  try {
    const { applied, alreadyApplied } = await migrate(sql);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : `up to date (${alreadyApplied} applied before)`);
  } finally {
    await sql.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
