import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { inTransaction, openPool, query } from '../src/store/postgres/database.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('which failures cost the store a PostgreSQL connection', { skip }, () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let admin: pg.Client;
  /** The backend process behind the pool's one connection. */
  const backend = async () =>
    (await query<{ pid: number }>(pool, 'SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

  before(async () => {
    database = await requireTestDatabase();
    pool = openPool({ connectionString: database.url, schema: database.schema, max: 1 });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await query(pool, 'CREATE TABLE keys (id int PRIMARY KEY)');
    await query(pool, 'INSERT INTO keys (id) VALUES (1)');
  });
  after(async () => {
    await admin?.end();
    await pool?.end();
    await database?.drop();
  });

  it('none when PostgreSQL refuses a statement: the same backend serves the next one', async () => {
    const before = await backend();
    await assert.rejects(query(pool, 'INSERT INTO keys (id) VALUES (1)'), { code: '23505' });
    await assert.rejects(query(pool, 'SELECT 1 / 0'), { code: '22012' });
    assert.equal(await backend(), before);
  });

  it('none when a transaction fails for a reason of the code, once it is rolled back', async () => {
    const before = await backend();
    await assert.rejects(
      inTransaction(pool, async (client) => {
        await client.query('INSERT INTO keys (id) VALUES (2)');
        throw new Error('the caller changed its mind');
      }),
      /changed its mind/,
    );
    assert.equal(await backend(), before);
    const { rows } = await query(pool, 'SELECT id FROM keys ORDER BY id');
    assert.deepEqual(
      rows.map((row) => row.id),
      [1],
      'rolled back',
    );
  });

  it('the connection when its backend is terminated: the next statement gets a new one and works', async () => {
    const before = await backend();
    // Expected at once: the failure may arrive while the test still awaits the termination.
    const ended = assert.rejects(query(pool, 'SELECT pg_sleep(5)'), { code: '57P01' });
    // Terminated before its statement arrives, the backend's farewell reaches an idle connection,
    // not the statement: wait until the statement runs.
    const sleeping = async () =>
      (
        await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'", [
          before,
        ])
      ).rowCount === 1;
    for (let tries = 0; tries < 500 && !(await sleeping()); tries++);
    await admin.query('SELECT pg_terminate_backend($1)', [before]);
    await ended;
    const after = await backend();
    assert.ok(after !== undefined && after !== before, 'a new backend');
  });
});
