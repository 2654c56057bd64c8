/**
 * The grace sweep runs every minute on every instance: it must read only the tokens still inside
 * their grace window (the partial index of migration 2), never the whole refresh token table.
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
const SWEEP =
  'UPDATE refresh_tokens SET successor_box = NULL WHERE successor_box IS NOT NULL AND used_at < 1';

describe('the grace sweep reads only tokens inside their grace window', () => {
  it('SQLite plans it on the partial index', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-plan-'));
    try {
      const store = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
      await store.migrate();
      await store.close();
      const db = new Database(path.join(dir, 'baton.sqlite'), { readonly: true });
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${SWEEP}`)
        .all()
        .map((row) => (row as { detail: string }).detail)
        .join('\n');
      db.close();
      assert.match(plan, /USING INDEX refresh_tokens_grace/, plan);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL plans it on the partial index, table scans switched off', { skip }, async () => {
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
        const { rows } = await client.query(`EXPLAIN ${SWEEP}`);
        const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
        assert.match(plan, /refresh_tokens_grace/, plan);
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
