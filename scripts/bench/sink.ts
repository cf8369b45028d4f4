import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that accepts every message and only counts it, with its distinct Message-IDs.
 * scripts/stack/smtp-sink.ts keeps every message's bytes in memory, which 100,000 invoices with
 * their PDFs would fill; this one drains each message and keeps its Message-ID alone. No reverse
 * DNS lookup per connection, no STARTTLS, no authentication: the benchmark measures billflow, not
 * the sink.
 */
export interface CountingSink {
  url: string;
  /** Messages accepted so far. */
  received: () => number;
  /**
   * Distinct Message-IDs; with `step`, those of that step only. billflow's Message-ID is
   * `<invoiceId.step@billflow>` ("invoice", "approval-request-1", "reminder-2", …), stable across
   * retries, so a message sent twice counts once.
   */
  distinct: (step?: string) => number;
  stop: () => Promise<void>;
}

/** Where a message's header ends; the Message-ID is looked for before it. */
const HEADER_END = '\r\n\r\n';
const MAX_HEADER_BYTES = 64 * 1024;

export async function startCountingSink(options: { host?: string } = {}): Promise<CountingSink> {
  const host = options.host ?? '127.0.0.1';
  let received = 0;
  const messageIds = new Set<string>();
  const perStep = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      let header = '';
      let headerDone = false;
      stream.on('data', (chunk: Buffer) => {
        if (headerDone) return;
        header += chunk.toString('latin1');
        const end = header.indexOf(HEADER_END);
        if (end >= 0 || header.length > MAX_HEADER_BYTES) {
          headerDone = true;
          header = end >= 0 ? header.slice(0, end) : header;
        }
      });
      stream.on('error', callback);
      stream.on('end', () => {
        received += 1;
        const messageId = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(header)?.[1];
        if (messageId && !messageIds.has(messageId)) {
          messageIds.add(messageId);
          const step = /^<[^.]+\.([^@]+)@/.exec(messageId)?.[1] ?? '';
          perStep.set(step, (perStep.get(step) ?? 0) + 1);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    received: () => received,
    distinct: (step) => (step === undefined ? messageIds.size : (perStep.get(step) ?? 0)),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
