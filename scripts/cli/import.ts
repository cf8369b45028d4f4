import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImportWhat } from './args';
import type { CliIo } from './cli';
import { clock } from './progress';

/**
 * `npm run billflow -- import <what> <file.csv>`: streams the file to POST /imports/<what> and shows
 * how much of it has gone. The api reads the upload only as fast as it writes the rows (a chunk at a
 * time), so the bytes sent follow the rows written, a few socket buffers ahead; once the last byte is
 * sent the api finishes the rows still in those buffers. Then every rejected row, and the counts.
 */

export interface ImportReport {
  id: string;
  status: 'running' | 'completed' | 'failed';
  processed: number;
  imported: number;
  updated: number;
  unchanged: number;
  rejectedRows: number;
  rejected: { line: number; field: string; message: string }[];
  rejectedTruncated: boolean;
  error: string | null;
}

const EXIT = { completed: 0, rejected: 1, api: 3, usage: 4, interrupted: 130 } as const;
const BAR_WIDTH = 24;
const LINE_EVERY_MS = 3_000;

export async function importFile(args: { baseUrl: string; apiKey: string; what: ImportWhat; file: string }, io: CliIo): Promise<number> {
  let size: number;
  try {
    const info = await stat(args.file);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch (error) {
    io.stderr.write(`billflow: cannot read ${args.file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  const url = new URL(`/imports/${args.what}`, args.baseUrl);
  const started = Date.now();
  let sent = 0;
  let uploaded = false;
  const tty = io.stdout.isTTY === true;
  const show = progressView(io.stdout, tty, size, started);
  const timer = setInterval(() => show(sent, uploaded), tty ? 200 : LINE_EVERY_MS);

  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      done(null, chunk);
    },
  });
  try {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${args.apiKey}`, 'content-type': 'text/csv; charset=utf-8', 'content-length': String(size), accept: 'application/json' },
          signal: io.interrupt,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (text: string) => (body += text));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      pipeline(createReadStream(args.file), meter, request)
        .then(() => (uploaded = true))
        .catch((error: unknown) => {
          // The api may answer (a 400 for the header, say) before it has read the whole file.
          if (!request.writableEnded || request.destroyed) reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
    clearInterval(timer);
    show(sent, true, true);
    return report(answer, args, io, Date.now() - started);
  } catch (error) {
    clearInterval(timer);
    if (tty) io.stdout.write('\n');
    if (io.interrupt.aborted) {
      io.stdout.write('Stopped: the upload was interrupted. What was written stays; import the file again to finish it (rows imported already are unchanged).\n');
      return EXIT.interrupted;
    }
    const cause = error instanceof Error ? error.message : String(error);
    io.stderr.write(`billflow: the upload to ${url.origin} failed: ${cause}\n`);
    return EXIT.api;
  }
}

function report(answer: { status: number; body: string }, args: { what: ImportWhat; file: string }, io: CliIo, elapsedMs: number): number {
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    io.stderr.write(`billflow: the api answered ${answer.status}: ${answer.body.trim().slice(0, 200) || '(no body)'}\n`);
    return EXIT.api;
  }
  if (answer.status !== 200) {
    const error = (body as { error?: { code?: string; message?: string; details?: { path: string; message: string }[] } }).error;
    const details = (error?.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
    const hint = answer.status === 401 ? ' (check BILLFLOW_API_KEY)' : answer.status === 403 ? ' (an import needs an operator\'s key)' : '';
    io.stderr.write(`billflow: the api answered ${answer.status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? answer.body.slice(0, 200)}${hint}${details}\n`);
    return EXIT.api;
  }
  const r = body as ImportReport;
  for (const line of reportLines(r, elapsedMs)) io.stdout.write(`${line}\n`);
  return r.status === 'completed' && r.rejectedRows === 0 ? EXIT.completed : EXIT.rejected;
}

/** Every rejected row's problems, then one summary line (last, so a script can take the output's last line). */
export function reportLines(r: ImportReport, elapsedMs: number): string[] {
  const rate = elapsedMs > 0 ? Math.round((r.processed * 1000) / elapsedMs) : null;
  return [
    ...(r.rejected.length > 0 ? ['Rejected rows:'] : []),
    ...r.rejected.map((x) => `  line ${x.line}: ${x.field}: ${x.message}`),
    ...(r.rejectedTruncated ? [`  … and more: GET /imports/${r.id}/rejections lists them all`] : []),
    ...(r.error ? [`Stopped: ${r.error}`] : []),
    `Import ${r.id} ${r.status} in ${clock(elapsedMs)}: ${r.processed} rows, imported ${r.imported}, updated ${r.updated}, unchanged ${r.unchanged}, rejected ${r.rejectedRows}${rate === null ? '' : ` (${rate} rows/s)`}`,
  ];
}

/** A redrawn bar of the bytes sent on a terminal; elsewhere a line every few seconds. */
function progressView(out: NodeJS.WritableStream, tty: boolean, size: number, started: number) {
  let lastLine = '';
  return (sent: number, uploaded: boolean, final = false) => {
    const done = size === 0 ? 1 : Math.min(1, sent / size);
    const text = `${String(Math.round(done * 100)).padStart(3)}%  ${megabytes(sent)} of ${megabytes(size)} sent  ${clock(Date.now() - started)}${uploaded && !final ? '  (the api is writing the last rows)' : ''}`;
    if (tty) {
      const filled = Math.round(done * BAR_WIDTH);
      out.write(`\r[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${text}\x1b[K${final ? '\n' : ''}`);
    } else if (text !== lastLine && !final) {
      out.write(`${text}\n`);
    }
    lastLine = text;
  };
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
