/**
 * The refresh path's batched statements are planned once per connection: PostgreSQL keeps a
 * generic plan for them instead of planning every execution again, which cost it 0.2-0.4 ms of
 * CPU per statement when a batch held one to a few refreshes (see `opaque` in hotPath.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openPool } from '../src/store/postgres/database.js';
import { hotPathStatements } from '../src/store/postgres/hotPath.js';
import { createPostgresStore } from '../src/store/postgres/index.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

/** Sessions seeded, each with a live token and this many spent ones, as a deployment has them. */
const SESSIONS = 400;
const SPENT_PER_SESSION = 20;
/** Refreshes run one after another, so that every statement carries a batch of one. */
const REFRESHES = 9;
/** PostgreSQL always plans the first five executions of a prepared statement in full. */
const ALWAYS_PLANNED = 5;

describe('PostgreSQL plans the refresh statements once per connection', { skip }, () => {
  let database: TestDatabase;
  const live: string[] = [];

  before(async () => {
    database = await requireTestDatabase();
    const store = createPostgresStore({ connectionString: database.schemaUrl });
    await store.migrate();
    await store.close();
    const client = new pg.Client({ connectionString: database.schemaUrl });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO users (id, email, email_key, password_hash, created_at, password_changed_at)
         SELECT 'u' || n, 'u' || n || '@example.com', 'u' || n || '@example.com', 'h', 1, 1
         FROM generate_series(1, $1::int) n`,
        [SESSIONS],
      );
      await client.query(
        `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, expires_at)
         SELECT 's' || n, 'u' || n, 1, 1, 1e13, 1e13 FROM generate_series(1, $1::int) n`,
        [SESSIONS],
      );
      for (let n = 1; n <= SESSIONS; n++) live.push(randomBytes(32).toString('base64url'));
      await client.query(
        `INSERT INTO refresh_tokens (token_hash, session_id, created_at)
         SELECT hash, 's' || n, 1 FROM unnest($1::text[]) WITH ORDINALITY AS l(hash, n)`,
        [live],
      );
      await client.query(
        `INSERT INTO refresh_tokens (token_hash, session_id, created_at, used_at, consumed_by)
         SELECT 'spent-' || n || '-' || step, 's' || n, 1, 2, 'history'
         FROM generate_series(1, $1::int) n CROSS JOIN generate_series(1, $2::int) step`,
        [SESSIONS, SPENT_PER_SESSION],
      );
      // Statistics as autovacuum would gather them: with them the plan for one token is cheaper
      // than the one for any number, which is what made PostgreSQL plan every execution.
      await client.query('ANALYZE users, sessions, refresh_tokens');
    } finally {
      await client.end();
    }
  });
  after(() => database?.drop());

  it('keeps a generic plan for the lookup and the rotation after the first five', async (t) => {
    // One connection, so that pg_prepared_statements (per connection) shows the statements' plans.
    const pool = openPool({ connectionString: database.schemaUrl, max: 1 });
    try {
      const { rows: version } = await pool.query<{ server_version_num: string }>('SHOW server_version_num');
      if (Number(version[0]?.server_version_num) < 140_000) {
        t.skip('skipped: pg_prepared_statements counts plans from PostgreSQL 14 on');
        return;
      }
      const { contextOf, rotate } = hotPathStatements(pool, 30_000);
      for (const [index, tokenHash] of live.slice(0, REFRESHES).entries()) {
        const context = await contextOf(tokenHash);
        assert.equal(context?.token.session_id, `s${index + 1}`);
        assert.equal(context?.session.user_id, `u${index + 1}`);
        assert.equal(context?.user?.id, `u${index + 1}`);
        const rotated = await rotate({
          tokenHash,
          successorHash: `next-${tokenHash}`,
          successorBox: null,
          consumedBy: 'client',
          now: 10 + index,
          idleExpiresAt: 1e13 + index,
        });
        assert.equal(rotated?.id, `s${index + 1}`);
        assert.equal(Number(rotated?.last_used_at), 10 + index);
      }
      const { rows } = await pool.query<{ name: string; generic_plans: string; custom_plans: string }>(
        `SELECT name, generic_plans, custom_plans FROM pg_prepared_statements
         WHERE name IN ('baton_refresh_contexts', 'baton_rotate_batch') ORDER BY name`,
      );
      assert.deepEqual(
        rows.map((row) => ({
          ...row,
          generic_plans: Number(row.generic_plans),
          custom_plans: Number(row.custom_plans),
        })),
        [
          {
            name: 'baton_refresh_contexts',
            generic_plans: REFRESHES - ALWAYS_PLANNED,
            custom_plans: ALWAYS_PLANNED,
          },
          {
            name: 'baton_rotate_batch',
            generic_plans: REFRESHES - ALWAYS_PLANNED,
            custom_plans: ALWAYS_PLANNED,
          },
        ],
      );
    } finally {
      await pool.end();
    }
  });
});
