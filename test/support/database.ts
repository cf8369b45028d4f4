import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createSql, type Sql } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { testEnv } from './test-env';

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop: () => Promise<void>;
}

/** A fresh, migrated database on the shared test cluster, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testEnv('databaseAdminUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = createSql(url.toString(), { max: 5 });
  await migrate(sql);
  return {
    url: url.toString(),
    sql,
    drop: async () => {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
