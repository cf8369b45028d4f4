import { parseArgs } from 'node:util';

/** What the operator asked for, parsed from the command line; the api validates the rest (the period, the customers). */
export type Command =
  | { kind: 'help' }
  | { kind: 'run'; period: string; dryRun: boolean; customerIds: string[] | null; intervalMs: number }
  | { kind: 'follow'; runId: string; intervalMs: number }
  | { kind: 'import'; what: ImportWhat; file: string };

export const IMPORT_WHATS = ['customers', 'charges', 'invoices'] as const;
export type ImportWhat = (typeof IMPORT_WHATS)[number];

export class UsageError extends Error {}

export const USAGE = `Usage: npm run billflow -- <command> [options]

Commands:
  run <YYYY-MM> [--dry-run] [--customers id1,id2]   start the period's billing run (or find it) and follow it
  follow <runId>                                     follow a run until it ends
  import <customers|charges|invoices> <file.csv>     import a CSV file (header row, UTF-8), showing its
                                                     progress, then every rejected row and the counts

Options:
  --interval <seconds>   how often to ask the api (default 1)
  -h, --help             this text

Environment:
  BILLFLOW_URL       the api (default http://127.0.0.1:3000)
  BILLFLOW_API_KEY   an operator's API key (required)

Exit codes: 0 completed, 1 failed (an import: some rows rejected, or it stopped), 2 cancelled,
3 the api refused or could not be reached, 4 a usage error, 130 stopped following with Ctrl-C (the
run goes on; an import stops where it got to: import the file again to finish it).`;

const DEFAULT_INTERVAL_SECONDS = 1;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        customers: { type: 'string' },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // parseArgs throws a TypeError with a message that names the option ("Unknown option '--x'").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };

  const [name, target, ...extra] = positionals;
  if (name === 'import') return importOf(target, extra, values);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const intervalMs = intervalOf(values.interval);
  switch (name) {
    case 'run':
      if (!target) throw new UsageError('run needs a period: npm run billflow -- run 2026-10');
      return {
        kind: 'run',
        period: target,
        dryRun: values['dry-run'],
        customerIds: values.customers === undefined ? null : customersOf(values.customers),
        intervalMs,
      };
    case 'follow':
      if (!target) throw new UsageError('follow needs a run id: npm run billflow -- follow run_2026-10');
      if (values['dry-run'] || values.customers !== undefined) throw new UsageError('--dry-run and --customers belong to run, not follow');
      return { kind: 'follow', runId: target, intervalMs };
    default:
      throw new UsageError(`unknown command "${name}": use run, follow or import`);
  }
}

function importOf(what: string | undefined, rest: string[], values: { 'dry-run': boolean; customers?: string; interval?: string }): Command {
  if (!what || !(IMPORT_WHATS as readonly string[]).includes(what)) {
    throw new UsageError(`import needs what to import, ${IMPORT_WHATS.join(', ')}: npm run billflow -- import customers customers.csv`);
  }
  const [file, ...extra] = rest;
  if (!file) throw new UsageError(`import ${what} needs a CSV file: npm run billflow -- import ${what} ${what}.csv`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values['dry-run'] || values.customers !== undefined || values.interval !== undefined) throw new UsageError('--dry-run, --customers and --interval belong to run and follow, not import');
  return { kind: 'import', what: what as ImportWhat, file };
}

// Ids are only split and trimmed: whether each exists (or is empty) is the api's answer to give.
function customersOf(text: string): string[] {
  return text.split(',').map((id) => id.trim());
}

function intervalOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_INTERVAL_SECONDS * 1000;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < 0.1 || seconds > 3600) {
    throw new UsageError(`--interval must be a number of seconds from 0.1 to 3600, not "${text}"`);
  }
  return Math.round(seconds * 1000);
}
