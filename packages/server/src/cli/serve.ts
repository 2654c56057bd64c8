import { createServer } from '../app.js';
import { optionsFromEnv } from '../config.js';
import { listenForMetrics } from '../http/metricsListener.js';
import { SETTINGS } from '../settings.js';
import { type Command, parseCommand } from './command.js';

const HELP = `Usage: baton serve [--port N] [--host H]

Starts the API server. Configuration comes from environment variables (durations: 2, 90s, 15m, 30d):

${Object.values(SETTINGS)
  .map((setting) => `  ${setting.env.padEnd(28)} ${setting.readme.default.replaceAll('`', '')}`)
  .join('\n')}

The README's settings table says what each one means.`;

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
  const { metrics } = app.baton.config;
  const metricsListener =
    typeof metrics === 'number' ? await listenForMetrics(app.baton.metrics, host, metrics) : undefined;
  if (metricsListener)
    app.log.info(`metrics on http://${host.includes(':') ? `[${host}]` : host}:${metrics}/metrics`);
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: closing`);
    metricsListener?.close();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
};
