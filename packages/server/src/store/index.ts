export { MIGRATIONS, type Migration } from './migrations/index.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite/index.js';
export * from './store.js';
