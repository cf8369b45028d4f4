import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/billflow';

/**
 * Replays saved histories of representative invoices (recorded by record-histories.ts, plus one
 * from before the lifecycle existed) through today's workflow code. A failure means a change would
 * break invoices that are already running: guard it with patched() instead of re-recording.
 */
const DIR = path.join(__dirname, 'histories');

test('when saved invoice and subscription histories are replayed with the current workflow code, then none is non-deterministic', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(5);
  const histories = await Promise.all(
    files.map(async (file) => ({ workflowId: file.replace(/\.json$/, ''), history: temporal.api.history.v1.History.fromObject(JSON.parse(await readFile(path.join(DIR, file), 'utf8'))) })),
  );
  const results: { workflowId: string; error?: unknown }[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    results.push({ workflowId: result.workflowId, error: result.error });
  }
  expect(results.map((r) => [r.workflowId, r.error === undefined ? 'ok' : r.error instanceof Error ? r.error.message : 'failed'])).toEqual(files.map((f) => [f.replace(/\.json$/, ''), 'ok']));
});
