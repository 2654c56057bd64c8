/**
 * The sweeps run on every instance (the grace sweep every minute, the retention sweep every hour):
 * each must read only the rows it changes, through a partial index (migrations 2 and 5), never the
 * whole refresh token table.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore } from '../src/store/postgres/index.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import { createTestDatabase, findTestDatabase, NO_POSTGRES } from './support/postgres.js';
import { needs } from './support/runtime.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);
/** The sweeps' statements as each store runs them (SQLite names its index: see statements.ts). */
const SWEEPS = [
  {
    name: 'the grace sweep',
    index: 'refresh_tokens_grace',
    sql: (indexedBy: string) =>
      `UPDATE refresh_tokens ${indexedBy} SET successor_box = NULL WHERE successor_box IS NOT NULL AND used_at < 1`,
  },
  {
    name: 'the retention sweep',
    index: 'refresh_tokens_spent',
    sql: (indexedBy: string) => `DELETE FROM refresh_tokens WHERE token_hash IN (
            SELECT token_hash FROM refresh_tokens ${indexedBy} WHERE used_at IS NOT NULL AND used_at < 1 LIMIT 1000)`,
  },
];

describe('the sweeps read only the rows they change', () => {
  it('SQLite plans each on its partial index', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-plan-'));
    try {
      const store = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
      await store.migrate();
      await store.close();
      const db = new Database(path.join(dir, 'baton.sqlite'), { readonly: true });
      for (const sweep of SWEEPS) {
        const plan = db
          .prepare(`EXPLAIN QUERY PLAN ${sweep.sql(`INDEXED BY ${sweep.index}`)}`)
          .all()
          .map((row) => (row as { detail: string }).detail)
          .join('\n');
        assert.match(plan, new RegExp(`USING (COVERING )?INDEX ${sweep.index}`), `${sweep.name}: ${plan}`);
      }
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL plans each on its partial index, table scans switched off', { skip }, async () => {
    const database = await createTestDatabase();
    if (!database) throw new Error('PostgreSQL went away');
    const store = createPostgresStore({ connectionString: database.schemaUrl });
    try {
      await store.migrate();
      const client = new pg.Client({ connectionString: database.schemaUrl });
      await client.connect();
      try {
        // An empty table is cheapest to scan: forbid that, so the plan shows whether an index fits.
        await client.query('SET enable_seqscan = off');
        for (const sweep of SWEEPS) {
          const { rows } = await client.query(`EXPLAIN ${sweep.sql('')}`);
          const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
          assert.match(plan, new RegExp(sweep.index), `${sweep.name}: ${plan}`);
        }
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
