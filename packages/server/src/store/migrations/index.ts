/**
 * Versioned schema migrations, shared by every store: each is a plain module with the SQL for
 * each engine, applied in order and recorded in `schema_migrations`. Never edit a landed
 * migration; add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

import { initial } from './001_initial.js';

export const MIGRATIONS: readonly Migration[] = [initial];
