import path from 'node:path';
import type { ServerConfig } from './config.js';
import { createPostgresStore } from './store/postgres/index.js';
import { createSqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';

/** File name of the embedded database under the data directory. */
export const SQLITE_FILE = 'baton.sqlite';

/** Opens the store the configuration selects: PostgreSQL for a `postgres://` URL, else SQLite. */
export async function openStore(config: ServerConfig): Promise<Store> {
  if (config.databaseUrl) return createPostgresStore({ connectionString: config.databaseUrl });
  return createSqliteStore({ filename: path.join(config.dataDir, SQLITE_FILE) });
}
