#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createServer } from './app.js';
import { ConfigError, optionsFromEnv } from './config.js';

const HELP = `Usage: baton <command> [options]

Commands:
  serve     Start the Baton API server (configured by BATON_* environment variables)

Run 'baton <command> --help' for a command's options.`;

const SERVE_HELP = `Usage: baton serve [--port N] [--host H]

Starts the API server. Configuration comes from environment variables:
  BATON_PORT (3000), BATON_HOST (127.0.0.1), BATON_DATA_DIR (./data), BATON_DATABASE_URL,
  BATON_ISSUER, BATON_AUDIENCE, BATON_ACCESS_TTL (300s), BATON_REFRESH_IDLE_TTL (30d),
  BATON_SESSION_MAX_AGE (180d), BATON_REFRESH_GRACE (10s), BATON_CORS_ORIGINS, BATON_APP_DIR,
  BATON_TRUST_PROXY, BATON_LOG_LEVEL. Durations: 2, 90s, 15m, 30d.`;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(SERVE_HELP);
  const env = { ...process.env };
  if (values.port !== undefined) env.BATON_PORT = values.port;
  if (values.host !== undefined) env.BATON_HOST = values.host;
  const options = optionsFromEnv(env);
  const app = await createServer(options);
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
}

const COMMANDS: Readonly<Record<string, (argv: string[]) => Promise<void>>> = { serve };

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help')
    return void console.log(HELP);
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command '${command}'\n\n${HELP}`);
  await run(rest);
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError) {
    console.error(`baton: ${error.message}`);
  } else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`baton: ${error.message}`);
  } else {
    console.error('baton: failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
