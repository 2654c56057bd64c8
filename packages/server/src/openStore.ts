import path from 'node:path';
import type { ServerConfig } from './config.js';
import { createSqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';
import { withTodoListCache } from './store/todoListCache.js';

/** File name of the embedded database under the data directory. */
export const SQLITE_FILE = 'baton.sqlite';

/**
 * Opens the store the configuration selects: PostgreSQL for a `postgres://` URL, else SQLite,
 * whose todo lists are cached (one process owns the file, and it can tell when another wrote).
 * PostgreSQL serves many instances, none of which would see the others' writes: no cache.
 */
export async function openStore(config: ServerConfig): Promise<Store> {
  if (config.databaseUrl) {
    // Loaded only here: the PostgreSQL driver is a tenth of an embedded server's start-up.
    const { createPostgresStore } = await import('./store/postgres/index.js');
    return createPostgresStore({ connectionString: config.databaseUrl, max: config.databasePool });
  }
  const sqlite = createSqliteStore({ filename: path.join(config.dataDir, SQLITE_FILE) });
  return withTodoListCache(sqlite, () => sqlite.externalVersion());
}
