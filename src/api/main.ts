import { loadConfig, requireDatabaseUrl } from '../config';
import { createSql } from '../db/client';
import { migrate } from '../db/migrate';
import { createLogger } from '../logger';
import { connectClient } from '../temporal/connection';
import { createApp, listen } from './app';

/** `npm run api`: the HTTP api alone, against an external PostgreSQL and Temporal. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'billflow-api');
  const sql = createSql(requireDatabaseUrl(config, 'npm run api'));
  await migrate(sql);
  const temporal = await connectClient(config);
  const api = await listen(createApp({ config, sql, temporal, logger }), config.port, config.host);
  logger.info({ url: api.url }, 'api listening');
  const stop = async () => {
    await api.close();
    await temporal.connection.close();
    await sql.end();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
