import { Client, Connection } from '@temporalio/client';
import { toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config';
import type { TemporalConfig } from './config';

export interface TemporalClient {
  client: Client;
  connection: Connection;
}

/**
 * The connection options of both the api's client (`Connection`) and the worker's `NativeConnection`,
 * made by the SDK's own conversion (envconfig's `toClientOptions`), which reads the certificate and
 * key files now, so a rotated certificate takes effect on the next start. The result carries the API
 * key and key material: hand it to the SDK, never to a logger.
 */
export function temporalConnectionOptions(temporal: TemporalConfig): NativeConnectionOptions {
  const { tls } = temporal;
  const { connectionOptions } = toClientOptions({
    address: temporal.address,
    namespace: temporal.namespace,
    apiKey: temporal.apiKey,
    tls:
      tls === false
        ? { disabled: true }
        : { serverName: tls.serverName, serverCACert: tls.serverCaCert, clientCert: tls.clientCertPair?.cert, clientKey: tls.clientCertPair?.key },
    grpcMeta: { ...temporal.grpcMeta },
  });
  return connectionOptions;
}

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<TemporalClient> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, connection };
}
