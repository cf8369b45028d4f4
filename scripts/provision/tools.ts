import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Provisioning of the external programs billflow runs in development and tests. Each `ensure*` is
 * idempotent: it reuses what is already there (an explicit path, the PATH, the cache under
 * .tools/) and builds or downloads only what is missing, printing what it does.
 */
export const ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_DIR = path.join(ROOT, '.tools');
const BIN_DIR = path.join(TOOLS_DIR, 'bin');

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock@v0.197.0';

export type Say = (line: string) => void;
const defaultSay: Say = (line) => process.stderr.write(`[provision] ${line}\n`);

export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
}

/** Finds `name` on the PATH. */
export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Runs a command, printing a progress line every 20 s so a long build never looks hung. */
export async function run(command: string, args: string[], options: { say?: Say; label: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<void> {
  const say = options.say ?? defaultSay;
  const started = Date.now();
  const ticker = setInterval(() => say(`${options.label}: still working (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
      child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new ProvisionError(`${options.label} failed (exit ${code}):\n${output.trim()}`)),
      );
    });
    say(`${options.label}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
  }
}

/** `go install module` into .tools/bin, through a temporary GOBIN so a half-built binary never lands. */
async function goInstall(module: string, binary: string, say: Say): Promise<string> {
  const target = path.join(BIN_DIR, binary);
  if (existsSync(target)) return target;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  if (!go) throw new ProvisionError(`go is not installed, so ${module} cannot be built`);
  const tmp = path.join(TOOLS_DIR, `tmp-${process.pid}-${binary}`);
  await mkdir(tmp, { recursive: true });
  say(`building ${binary} with "go install ${module}" (first run only; a few minutes)`);
  try {
    await run(go, ['install', module], { say, label: `go install ${binary}`, env: { ...process.env, GOBIN: tmp, GOFLAGS: '-buildvcs=false' } });
    await mkdir(BIN_DIR, { recursive: true });
    await rename(path.join(tmp, binary), target);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return target;
}

export type TemporalExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download'; downloadDir: string };

/**
 * The Temporal CLI (its `server start-dev` is the real server with SQLite and the Web UI):
 * TEMPORAL_CLI, else `temporal` on the PATH, else the cached build, else `go install`, else the
 * SDK's own download where the machine is online.
 */
export async function ensureTemporalCli(say: Say = defaultSay): Promise<TemporalExecutable> {
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (!existsSync(explicit)) throw new ProvisionError(`TEMPORAL_CLI=${explicit} does not exist`);
    return { type: 'existing-path', path: explicit };
  }
  const found = onPath('temporal') ?? (existsSync(path.join(BIN_DIR, 'temporal')) ? path.join(BIN_DIR, 'temporal') : null);
  if (found) return { type: 'existing-path', path: found };
  try {
    return { type: 'existing-path', path: await goInstall(TEMPORAL_CLI_MODULE, 'temporal', say) };
  } catch (error) {
    say(`${(error as Error).message.split('\n')[0]}; falling back to the SDK's download of the dev server`);
    return { type: 'cached-download', downloadDir: path.join(TOOLS_DIR, 'temporal-download') };
  }
}

export const TEMPORAL_CLI_HELP = [
  'The Temporal dev server could not be started. Any one of these fixes it:',
  '  - set TEMPORAL_CLI to the path of a Temporal CLI binary, or put `temporal` on the PATH;',
  `  - install Go and run \`npm run provision\` (it runs \`go install ${TEMPORAL_CLI_MODULE}\`);`,
  '  - run on a machine that can reach the internet, so the SDK can download the dev server;',
  '  - or point TEMPORAL_ADDRESS at a Temporal server you already run.',
].join('\n');

const TEST_SERVER_DIR = path.join(TOOLS_DIR, 'temporal-test-server');

/**
 * Temporal's Java time-skipping test server (Maven Central: io.temporal:temporal-test-server) with
 * its dependencies, behind a wrapper script that `exec`s java: the SDK stops the server by killing
 * the pid it started, which must therefore be the JVM itself.
 */
export async function ensureTestServer(say: Say = defaultSay): Promise<string> {
  const wrapper = path.join(TEST_SERVER_DIR, 'test-server');
  const complete = path.join(TEST_SERVER_DIR, 'lib', '.complete');
  if (existsSync(wrapper) && existsSync(complete)) return wrapper;
  const mvn = onPath('mvn');
  if (!mvn || !onPath('java')) throw new ProvisionError('java and mvn are needed to fetch the Temporal time-skipping test server');
  say('fetching io.temporal:temporal-test-server and its dependencies from Maven Central');
  await rm(path.join(TEST_SERVER_DIR, 'lib'), { recursive: true, force: true });
  await run(
    mvn,
    [
      '-B',
      '-q',
      '-f',
      path.join(__dirname, 'temporal-test-server.pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${path.join(TEST_SERVER_DIR, 'lib')}`,
      '-DincludeScope=runtime',
    ],
    { say, label: 'maven temporal-test-server' },
  );
  await writeFile(wrapper, `#!/bin/sh\nexec java -Xss1m -cp "${path.join(TEST_SERVER_DIR, 'lib')}/*" io.temporal.testserver.TestServer "$@"\n`);
  await chmod(wrapper, 0o755);
  await writeFile(complete, '');
  return wrapper;
}

/** stripe-mock, the Stripe API double used by payment tests (never the live API). */
export async function ensureStripeMock(say: Say = defaultSay): Promise<string> {
  return process.env.STRIPE_MOCK ?? onPath('stripe-mock') ?? goInstall(STRIPE_MOCK_MODULE, 'stripe-mock', say);
}

const SCHEMATHESIS_DIR = path.join(TOOLS_DIR, 'schemathesis');
const SCHEMATHESIS_REQUIREMENTS = path.join(__dirname, 'schemathesis-requirements.txt');

/**
 * schemathesis, the property-based API fuzzer of test/e2e/api-fuzz.test.ts, from PyPI into a
 * virtualenv at .tools/schemathesis, with exactly the packages and versions of
 * schemathesis-requirements.txt. The virtualenv is built beside its place and renamed into it once
 * it works, and it remembers the requirements it was built from: an interrupted install is never
 * taken for a complete one, and a changed pin rebuilds it. Returns the virtualenv's python; run
 * schemathesis as `python -m schemathesis.cli`, which (unlike its console script) does not mind the rename.
 */
export async function ensureSchemathesis(say: Say = defaultSay): Promise<string> {
  const requirements = await readFile(SCHEMATHESIS_REQUIREMENTS, 'utf8');
  const stamp = createHash('sha256').update(requirements).digest('hex');
  const python = path.join(SCHEMATHESIS_DIR, 'bin', 'python');
  const complete = path.join(SCHEMATHESIS_DIR, '.complete');
  if (existsSync(python) && existsSync(complete) && (await readFile(complete, 'utf8')) === stamp) return python;

  const system = process.env.BILLFLOW_PYTHON ?? onPath('python3');
  if (!system) throw new ProvisionError('python3 (3.11 or newer, with venv) is needed to install schemathesis; set BILLFLOW_PYTHON to use another one');
  await run(system, ['-c', 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)'], { say: () => undefined, label: `${system}: Python 3.11 or newer with venv` });

  const tmp = path.join(TOOLS_DIR, `tmp-${process.pid}-schemathesis`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(TOOLS_DIR, { recursive: true });
  say(`installing schemathesis from PyPI into ${path.relative(ROOT, SCHEMATHESIS_DIR)} (first run only; under a minute)`);
  try {
    await run(system, ['-m', 'venv', tmp], { say, label: 'python -m venv' });
    const venvPython = path.join(tmp, 'bin', 'python');
    const pip = ['-m', 'pip', '--disable-pip-version-check', '--no-input'];
    // --no-deps: the file lists every package, so nothing unpinned is resolved behind its back.
    await run(venvPython, [...pip, 'install', '--no-deps', '-r', SCHEMATHESIS_REQUIREMENTS], { say, label: 'pip install schemathesis' });
    await run(venvPython, [...pip, 'check'], { say, label: 'pip check' });
    await run(venvPython, ['-m', 'schemathesis.cli', '--version'], { say, label: 'schemathesis --version' });
    await writeFile(path.join(tmp, '.complete'), stamp);
    await rm(SCHEMATHESIS_DIR, { recursive: true, force: true });
    await rename(tmp, SCHEMATHESIS_DIR);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return python;
}
