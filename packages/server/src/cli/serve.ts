import { createServer } from '../app.js';
import { optionsFromEnv } from '../config.js';
import { type Command, parseCommand } from './command.js';

const HELP = `Usage: baton serve [--port N] [--host H]

Starts the API server. Configuration comes from environment variables:
  BATON_PORT (3000), BATON_HOST (127.0.0.1), BATON_DATA_DIR (./data), BATON_DATABASE_URL,
  BATON_SECRET (required with BATON_DATABASE_URL unless BATON_KEYS_FILE), BATON_KEYS_FILE,
  BATON_REDIS_URL, BATON_ISSUER, BATON_AUDIENCE, BATON_ACCESS_TTL (300s), BATON_ACCESS_ALG (ES256),
  BATON_REFRESH_IDLE_TTL (30d),
  BATON_SESSION_MAX_AGE (180d), BATON_REFRESH_GRACE (10s), BATON_CORS_ORIGINS, BATON_APP_DIR,
  BATON_TRUST_PROXY, BATON_LOG_LEVEL. Durations: 2, 90s, 15m, 30d.`;

/** `baton serve`: listens until SIGINT or SIGTERM, then closes gracefully. */
export const serve: Command = async (argv) => {
  const values = parseCommand(argv, { port: { type: 'string' }, host: { type: 'string' } }, HELP);
  if (!values) return;
  const env = { ...process.env };
  if (typeof values.port === 'string') env.BATON_PORT = values.port;
  if (typeof values.host === 'string') env.BATON_HOST = values.host;
  const app = await createServer(optionsFromEnv(env));
  const { port, host } = app.baton.config;
  const address = await app.listen({ port, host });
  app.log.info(`Baton listening on ${address} (data in ${app.baton.config.dataDir})`);
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: closing`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
};
