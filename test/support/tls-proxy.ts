import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { createServer } from 'node:tls';

export interface RunningTlsProxy {
  /** host:port of the TLS side. */
  address: string;
  /** Client certificates' subjects (CN) of the sessions that passed the handshake. */
  accepted: string[];
  /** Why handshakes failed, as the server saw it. */
  refused: string[];
  stop: () => Promise<void>;
}

/**
 * A TLS-terminating proxy in front of a plaintext Temporal frontend. The dev server of the Temporal
 * CLI v1.5.1 has no TLS options, so this is what stands in for a secured cluster: TLS with ALPN h2
 * (both gRPC stacks, grpc-js in the client and tonic/rustls in the worker's core, ask for it) and,
 * with `clientCa`, a client certificate signed by that CA required, as a cluster with mTLS does.
 */
export async function startTlsProxy(options: { upstream: string; cert: string; key: string; clientCa?: string }): Promise<RunningTlsProxy> {
  const [upstreamHost, upstreamPort] = options.upstream.split(':') as [string, string];
  const mtls = options.clientCa !== undefined;
  const sockets = new Set<Socket>();
  const accepted: string[] = [];
  const refused: string[] = [];
  const server = createServer(
    {
      cert: await readFile(options.cert),
      key: await readFile(options.key),
      ...(mtls ? { ca: await readFile(options.clientCa as string), requestCert: true, rejectUnauthorized: true } : {}),
      ALPNProtocols: ['h2'],
    },
    (client) => {
      const peer = client.getPeerCertificate();
      accepted.push(peer && 'subject' in peer ? String(peer.subject?.CN ?? '') : '');
      const upstream = connect(Number(upstreamPort), upstreamHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      }
      // A reset on either side ends both; the other side sees its connection drop, as behind a real proxy.
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', (error) => refused.push(error.message));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    accepted,
    refused,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
