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

/** How often `baton serve` checks that its store can still write, in ms. */
const STORE_CHECK_MS = 1000;

/**
 * `baton serve`: listens until SIGINT or SIGTERM, then closes gracefully; exits with status 1 once
 * its store can no longer write (see below).
 */
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
  const stop = (reason: string, status = 0) => {
    if (closing) return;
    closing = true;
    app.log.info(`${reason}: closing`);
    metricsListener?.close();
    app.close().then(
      () => process.exit(status),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // After a failed flush of the SQLite file to disk the store writes nothing more, and only a
  // restart recovers it (SQLite replays its WAL as it opens the file). Exiting lets the supervisor
  // restart the server at once: the refreshes in flight when the flush failed, which may have
  // been saved though answered 500, are then retried within their grace window and get their
  // successor, where a server left running would answer 500 until someone restarted it, and the
  // retry after that would count as reuse and sign the user out.
  const watch = setInterval(() => {
    const failure = app.baton.store.lastingFailure?.();
    if (failure === undefined) return;
    clearInterval(watch);
    app.log.fatal({ err: failure }, 'storage failed: exiting, so that the supervisor restarts the server');
    stop('storage failed', 1);
  }, STORE_CHECK_MS);
  watch.unref();
};
