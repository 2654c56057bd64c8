import path from 'node:path';
import type { ServerConfig } from './config.js';
import type { BatchFailure } from './store/postgres/index.js';
import { createSqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';
import { withTodoListCache } from './store/todoListCache.js';

/** File name of the embedded database under the data directory. */
export const SQLITE_FILE = 'baton.sqlite';

/** An operator's line for a grouped statement that failed as a whole (see BatchFailure). */
export function describeBatchFailure({ statement, inputs, error }: BatchFailure): string {
  const { code, message } =
    error instanceof Error
      ? (error as Error & { code?: string })
      : { code: undefined, message: String(error) };
  return (
    `PostgreSQL failed the statement ${statement} for ${inputs} concurrent requests (${code ? `${code}: ` : ''}${message}); ` +
    'each was tried again alone. If this repeats, check the database and the network to it.'
  );
}

/**
 * Opens the store the configuration selects: PostgreSQL for a `postgres://` URL, else SQLite,
 * whose todo lists are cached (one process owns the file, and it can tell when another wrote).
 * PostgreSQL serves many instances, none of which would see the others' writes: no cache.
 */
export async function openStore(
  config: ServerConfig,
  warn: (message: string) => void = () => {},
): Promise<Store> {
  if (config.databaseUrl) {
    // Loaded only here: the PostgreSQL driver is a tenth of an embedded server's start-up.
    const { createPostgresStore } = await import('./store/postgres/index.js');
    return createPostgresStore({
      connectionString: config.databaseUrl,
      max: config.databasePool,
      onBatchFailure: (failure) => warn(describeBatchFailure(failure)),
    });
  }
  const sqlite = createSqliteStore({ filename: path.join(config.dataDir, SQLITE_FILE), clock: config.clock });
  return withTodoListCache(sqlite, () => sqlite.externalVersion());
}
