import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';

export interface TemporalClient {
  client: Client;
  connection: Connection;
}

export async function connectClient(config: Pick<Config, 'temporal'>): Promise<TemporalClient> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, connection };
}
