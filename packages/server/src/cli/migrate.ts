import { MIGRATIONS } from '../store/migrations/index.js';
import { type Command, parseCommand, stdout, withStore } from './command.js';

const HELP = `Usage: baton migrate

Applies pending schema migrations to the database that BATON_DATABASE_URL (PostgreSQL) or
BATON_DATA_DIR (SQLite) selects. Idempotent and safe while servers run: instances starting at
the same time wait for each other. 'baton serve' also migrates at start.`;

/** `baton migrate`. */
export const migrate: Command = async (argv) => {
  if (!parseCommand(argv, {}, HELP)) return;
  await withStore(async () => {
    const latest = MIGRATIONS.at(-1);
    stdout.line(`schema is at version ${latest?.version ?? 0} (${latest?.name ?? 'empty'})`);
  });
};
