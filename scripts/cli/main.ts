import { runCli } from './cli';

/** `npm run billflow -- <command>`: the operator's command line, a client of the api over HTTP. */
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());

runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, interrupt: interrupt.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`billflow: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
