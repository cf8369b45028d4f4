import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  file: string | null;
  receivedAt: string;
}

export interface RunningSmtpSink {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Resolves with the first message (already received or arriving) that `match` accepts. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop: () => Promise<void>;
}

/**
 * A real SMTP server on loopback that accepts every message and keeps it: in memory for tests, and
 * as .eml files under `dir` (open them with any mail client) when a directory is given.
 */
export async function startSmtpSink(options: { port: number; host?: string; dir?: string; onMail?: (mail: ReceivedMail) => void }): Promise<RunningSmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();
  if (options.dir) await mkdir(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const receivedAt = new Date().toISOString();
          const file = options.dir ? path.join(options.dir, `${receivedAt.replace(/[:.]/g, '-')}-${messages.length + 1}.eml`) : null;
          if (file) await writeFile(file, raw);
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            file,
            receivedAt,
          };
          messages.push(mail);
          options.onMail?.(mail);
          for (const waiter of waiters) waiter(mail);
          callback();
        })().catch(callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    messages,
    waitFor(match, timeoutMs = 15_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const waiter = (mail: ReceivedMail) => {
          if (!match(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        waiters.add(waiter);
      });
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
