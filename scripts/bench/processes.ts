import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/**
 * What the benchmark measures of each part of the stack, read from /proc: CPU time (utime + stime,
 * in clock ticks) and resident memory (VmRSS). Each part is its own OS process, so the figures say
 * where the CPU of a billing run goes.
 */

export const PARTS = ['temporal', 'worker', 'api', 'postgres', 'bench'] as const;
export type PartName = (typeof PARTS)[number];

export interface MeasuredPart {
  name: PartName;
  pid: number;
  /**
   * The process and every descendant (PostgreSQL's backends, a helper a node process spawned),
   * with the CPU of children already reaped (cutime + cstime). The bench process is measured alone:
   * its children are the other parts.
   */
  tree: boolean;
}

export type PerPart = Record<PartName, number>;

export const perPart = (value: (part: PartName) => number): PerPart =>
  Object.fromEntries(PARTS.map((part) => [part, value(part)])) as PerPart;

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 on almost every Linux). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  ppid: number;
  /** utime + stime of the process itself. */
  ownTicks: number;
  /** cutime + cstime: children it has waited for. */
  childTicks: number;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After ") ": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17)
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3] ?? 0);
  return { ppid: field(4), ownTicks: field(14) + field(15), childTicks: field(16) + field(17) };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process table as ppid → children, read once per sample. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  return children;
}

function treeOf(root: number, children: Map<number, number[]>): number[] {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i] as number) ?? []));
  return pids;
}

function membersOf(parts: readonly MeasuredPart[]): Map<PartName, number[]> {
  const children = parts.some((p) => p.tree) ? childrenByParent() : new Map<number, number[]>();
  return new Map(parts.map((part) => [part.name, part.tree ? treeOf(part.pid, children) : [part.pid]]));
}

/**
 * CPU milliseconds each part has used so far. For a tree, each member counts its own time and the
 * time of the children it reaped: a backend that exits between two readings moves from "own" to
 * its parent's "child" time, so differences between readings stay exact.
 */
export function readCpuMs(parts: readonly MeasuredPart[]): PerPart {
  const members = membersOf(parts);
  const msPerTick = 1000 / clockTicksPerSecond();
  return perPart((name) => {
    const part = parts.find((p) => p.name === name);
    if (!part) return 0;
    let ticks = 0;
    for (const pid of members.get(name) ?? []) {
      const stat = readStat(pid);
      if (stat) ticks += stat.ownTicks + (part.tree ? stat.childTicks : 0);
    }
    return ticks * msPerTick;
  });
}

function vmRssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Resident memory of each part, summed over a tree's processes. For PostgreSQL the sum counts the
 * shared buffers once in every backend that touched them, so it overstates what the tree holds.
 */
export function readRssBytes(parts: readonly MeasuredPart[]): PerPart {
  const members = membersOf(parts);
  return perPart((name) => (members.get(name) ?? []).reduce((sum, pid) => sum + vmRssBytes(pid), 0));
}

/** Peak and latest resident memory of every part, sampled on a timer. */
export class RssSampler {
  readonly peak: PerPart = perPart(() => 0);
  last: PerPart = perPart(() => 0);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly parts: readonly MeasuredPart[]) {}

  sample(): void {
    this.last = readRssBytes(this.parts);
    for (const part of PARTS) this.peak[part] = Math.max(this.peak[part], this.last[part]);
  }

  start(everyMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  /** Stops sampling, after one last sample; again, it does nothing. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }
}

/** The command line of a process, as its arguments. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The first process whose command line `match` accepts. */
export function findProcess(match: (args: string[]) => boolean): number | null {
  for (const pid of allPids()) {
    if (pid !== process.pid && match(commandLine(pid))) return pid;
  }
  return null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone; SIGKILL after `graceMs`. For processes this bench started only. */
export async function killAndWait(pid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface NodeService {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has ended, saying how. */
  ended: Promise<string>;
  hasEnded: () => boolean;
  /** SIGTERM (billflow's processes drain and close on it), SIGKILL after 15 s. */
  stop: () => Promise<void>;
}

/**
 * A billflow entry point as an operator runs it, `node --import tsx <script>`: node itself is the
 * process (tsx registers its loader in-process), so the pid measured is the one doing the work.
 * Its output goes to `logFile`.
 */
export function startNodeService(options: { name: string; script: string; cwd: string; env: NodeJS.ProcessEnv; logFile: string; nodeArgs?: string[] }): NodeService {
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], { cwd: options.cwd, env: options.env, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  let ended = false;
  const endedPromise = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`${options.name} could not be started: ${error.message}`));
    child.once('exit', (code, signal) => resolve(`${options.name} exited with ${signal ?? `code ${code}`}`));
  }).finally(() => (ended = true));
  if (child.pid === undefined) throw new Error(`${options.name} could not be started`);
  const pid = child.pid;
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    ended: endedPromise,
    hasEnded: () => ended,
    stop: async () => {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await endedPromise;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a log file, for an error message. */
export function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
