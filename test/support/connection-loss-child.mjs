// Run by test/e2e/database-connection-loss.test.ts in a process of its own, so that an exception
// thrown from inside the driver shows as this process dying, as it would take down the worker.
// Each round: a transaction whose backend is terminated mid-query must fail with CONNECTION_CLOSED
// (or 57P01), and the pool must go on serving queries. Prints one JSON line of what happened.
/* global process, setTimeout */
import postgres from 'postgres';

async function main() {
  const url = process.argv[2];
  const sql = postgres(url, { max: 2, onnotice: () => undefined });
  const killer = postgres(url, { max: 1, onnotice: () => undefined });
  const outcomes = [];
  for (let round = 0; round < 4; round++) {
    let pid = null;
    const tx = sql.begin(async (t) => {
      const [row] = await t`select pg_backend_pid() as pid`;
      pid = row.pid;
      await t`select pg_sleep(5)`;
    });
    const settled = tx.then(() => 'committed', (error) => error.code ?? String(error));
    const started = Date.now();
    while (pid === null && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    if (pid === null) {
      outcomes.push('no connection within 5 s');
      continue;
    }
    await killer`select pg_terminate_backend(${pid})`;
    outcomes.push(await Promise.race([settled, new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5000))]));
  }
  const after = await Promise.race([sql`select 1 as ok`.then(([row]) => row.ok), new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5000))]);
  process.stdout.write(`${JSON.stringify({ outcomes, after })}\n`);
  await Promise.race([Promise.all([sql.end({ timeout: 1 }), killer.end({ timeout: 1 })]), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(2);
});
