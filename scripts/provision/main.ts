import { ensureSchemathesis, ensureStripeMock, ensureTemporalCli, ensureTestServer } from './tools';

/** `npm run provision`: everything the dev stack and the tests run, built or fetched once. */
async function main(): Promise<void> {
  const temporal = await ensureTemporalCli();
  console.log(`temporal CLI:        ${temporal.type === 'existing-path' ? temporal.path : 'SDK download'}`);
  console.log(`time-skipping server: ${await ensureTestServer()}`);
  console.log(`stripe-mock:          ${await ensureStripeMock()}`);
  console.log(`schemathesis:         ${await ensureSchemathesis()} -m schemathesis.cli`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
