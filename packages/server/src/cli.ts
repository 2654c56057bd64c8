#!/usr/bin/env node
import { type Command, UsageError } from './cli/command.js';
import { ConfigError } from './config.js';

const HELP = `Usage: baton <command> [options]

Commands:
  serve                        Start the API server (configured by BATON_* environment variables)
  migrate                      Apply pending database migrations
  users create|set-password|verify-email|disable|enable|delete|list   Manage accounts
  mail list|retry              Read the mail queue, or retry unsent messages
  sessions revoke --user EMAIL Sign a user out everywhere
  keys rotate|list             Rotate or list the signing keys
  clients create|list|delete   Resource servers allowed to introspect tokens
  audit [--user EMAIL] [--kind KIND]  Read the audit log
  schema-code                  Store the routes' compiled schemas for the installed Ajv and fast-json-stringify

Run 'baton <command> --help' for a command's options.`;

/** Each command is loaded on demand: `baton users list` need not load the HTTP server. */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./cli/serve.js')).serve,
  migrate: async () => (await import('./cli/migrate.js')).migrate,
  users: async () => (await import('./cli/users.js')).users,
  sessions: async () => (await import('./cli/sessions.js')).sessions,
  keys: async () => (await import('./cli/keys.js')).keys,
  clients: async () => (await import('./cli/clients.js')).clients,
  audit: async () => (await import('./cli/audit.js')).audit,
  mail: async () => (await import('./cli/mail.js')).mail,
  'schema-code': async () => (await import('./cli/schemaCode.js')).schemaCode,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help')
    return void console.log(HELP);
  const load = COMMANDS[command];
  if (!load) throw new UsageError(`unknown command '${command}'\n\n${HELP}`);
  await (await load())(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`baton: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof ConfigError) {
    console.error(`baton: ${error.message}`);
  } else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`baton: ${error.message}`);
    process.exit(2);
  } else {
    console.error('baton: failed:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
