/**
 * The PostgreSQL section's steady state (`settleTables` in lib/postgres.ts), on Baton's own schema:
 * every session gets its history of spent tokens, which Baton's retention sweep keeps, and the
 * tables are analyzed, so prepared statements are planned on their real size.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createPostgresStore } from '@baton/server';
import pg from 'pg';
import { openBenchDatabase, settleTables } from '../lib/postgres.js';

const DAY = 86_400_000;

test('settled tables hold each session’s spent history, kept by the retention sweep, and are analyzed', async (t) => {
  const db = await openBenchDatabase();
  if (typeof db === 'string') {
    console.log(`skipped: ${db}`);
    t.skip(`skipped: ${db}`);
    return;
  }
  t.after(() => db.drop());
  const store = createPostgresStore({ connectionString: db.url, schema: db.schema });
  t.after(() => store.close());
  await store.migrate();
  const now = Date.now();
  const userId = `u_${randomBytes(6).toString('hex')}`;
  await store.createUser({
    id: userId,
    email: 'history@example.test',
    emailKey: 'history@example.test',
    name: null,
    passwordHash: 'not a real hash',
    createdAt: now,
  });
  for (let i = 0; i < 3; i++) {
    await store.createSession(
      {
        id: `s_${i}_${randomBytes(6).toString('hex')}`,
        userId,
        createdAt: now,
        idleExpiresAt: now + 30 * DAY,
        expiresAt: now + 90 * DAY,
        userAgent: null,
        ip: null,
      },
      randomBytes(32).toString('base64url'),
    );
  }

  assert.equal(await settleTables(db, 5), 3 + 3 * 5);

  const client = new pg.Client({ connectionString: db.schemaUrl });
  await client.connect();
  t.after(() => client.end());
  const { rows: live } = await client.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM refresh_tokens WHERE used_at IS NULL',
  );
  assert.equal(live[0]!.count, 3, 'each session keeps its one live token; the history is spent');
  const { rows: hashes } = await client.query<{ token_hash: string }>(
    'SELECT token_hash FROM refresh_tokens',
  );
  for (const { token_hash } of hashes) assert.match(token_hash, /^[A-Za-z0-9_-]{43}$/);
  // ANALYZE wrote the table's size where the planner reads it.
  const { rows: planned } = await client.query<{ reltuples: number }>(
    `SELECT reltuples::int AS reltuples FROM pg_class WHERE oid = 'refresh_tokens'::regclass`,
  );
  assert.equal(planned[0]!.reltuples, 18);
  // Baton's own retention sweep (spent more than an idle lifetime ago) finds nothing to delete.
  assert.equal(await store.deleteSpentTokens(now - 30 * DAY, 1000), 0);
});
