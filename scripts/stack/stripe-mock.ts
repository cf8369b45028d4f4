import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureStripeMock, type Say } from '../provision/tools';
import { isListening } from './ports';

export interface RunningStripeMock {
  /** STRIPE_API_BASE for billflow: http://127.0.0.1:<port>. */
  url: string;
  stop: () => Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

/**
 * stripe-mock (Stripe's API double: the real OpenAPI spec, fixed fixture answers) on loopback over
 * plain HTTP, for tests and development. Never the live API: billflow points STRIPE_API_BASE here.
 */
export async function startStripeMock(options: { port: number; say?: Say }): Promise<RunningStripeMock> {
  const executable = await ensureStripeMock(options.say);
  const child = spawn(executable, ['-http-addr', `127.0.0.1:${options.port}`, '-https-addr', '127.0.0.1:'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await isListening('127.0.0.1', options.port))) {
    if (!running) throw new Error(`stripe-mock exited before it listened:\n${output.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stripe-mock did not listen on 127.0.0.1:${options.port} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output.trim()}`);
    }
    await sleep(100);
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
