export * from './mailQueue.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export * from './oneTimeTokens.js';
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite/index.js';
export * from './store.js';
export { type ExternalVersion, withTodoListCache } from './todoListCache.js';
