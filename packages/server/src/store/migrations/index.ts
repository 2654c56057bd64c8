/**
 * Versioned schema migrations, shared by every store: each is a plain module with the SQL for
 * each engine, applied in ascending `version` order, each in its own transaction, and recorded in
 * `schema_migrations`. Never edit a landed migration; add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** DDL for SQLite: times INTEGER epoch ms, booleans INTEGER 0/1. */
  readonly sqlite: string;
  /** DDL for PostgreSQL: times BIGINT epoch ms, booleans BOOLEAN. */
  readonly postgres: string;
}

import { initial } from './001_initial.js';
import { clientBoundGrace } from './002_client_bound_grace.js';
import { resourceClients } from './003_resource_clients.js';
import { accounts } from './004_accounts.js';
import { spentTokenRetention } from './005_spent_token_retention.js';

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  clientBoundGrace,
  resourceClients,
  accounts,
  spentTokenRetention,
];

/**
 * The bookkeeping table itself. It cannot be a migration (it records them), so each store creates
 * it with `IF NOT EXISTS` before taking the migration lock.
 */
export const SCHEMA_MIGRATIONS_TABLE = {
  sqlite:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  postgres:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
} as const;
