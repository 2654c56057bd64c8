import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config.js';
import { openStore } from '../src/openStore.js';
import { createFixture } from '../src/store/conformance/fixture.js';
import { describeStoreConformance } from '../src/store/conformance.js';
import { createPostgresStore } from '../src/store/postgres/index.js';
import { createTestDatabase, findTestDatabase, NO_POSTGRES, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

// Registered (and counted as skipped) even without PostgreSQL, so a missing database is visible.
describe('PostgreSQL store', { skip }, () => {
  describeStoreConformance('PostgreSQL', async () => {
    const database = await createTestDatabase();
    if (!database) throw new Error('PostgreSQL went away');
    const store = createPostgresStore({ connectionString: database.url, schema: database.schema });
    return {
      store,
      async cleanup() {
        await store.close();
        await database.drop();
      },
    };
  });
});

describe('PostgreSQL store across pools', { skip }, () => {
  let database: TestDatabase;
  before(async () => {
    const created = await createTestDatabase();
    if (!created) throw new Error('PostgreSQL went away');
    database = created;
  });
  after(() => database?.drop());

  it('two pools migrating at once and rotating one token: exactly one wins', async () => {
    // `schemaUrl` selects the schema the way a child process would, through the URL alone.
    const a = createPostgresStore({ connectionString: database.schemaUrl });
    const b = createPostgresStore({ connectionString: database.schemaUrl });
    try {
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      const user = await a.createUser({
        id: randomUUID(),
        email: 'race@example.com',
        emailKey: 'race@example.com',
        name: null,
        passwordHash: 'h',
        createdAt: 1,
      });
      await b.createSession(
        {
          id: randomUUID(),
          userId: user.id,
          createdAt: 1,
          idleExpiresAt: 1e13,
          expiresAt: 1e13,
          userAgent: null,
          ip: null,
        },
        'first',
      );
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          (index % 2 ? a : b).rotateRefreshToken({
            tokenHash: 'first',
            successorHash: `s${index}`,
            successorBox: null,
            consumedBy: `client-${index}`,
            now: 2,
            idleExpiresAt: 1e13,
          }),
        ),
      );
      assert.equal(results.filter((result) => result.status === 'rotated').length, 1);
      assert.equal(results.filter((result) => result.status === 'already_used').length, 29);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a grouped statement stuck on a lock fails after batchTimeoutMs instead of holding up the queue, and never commits later', {
    timeout: 20_000,
  }, async () => {
    const store = createPostgresStore({ connectionString: database.schemaUrl, batchTimeoutMs: 300 });
    const locker = new pg.Client({ connectionString: database.schemaUrl });
    const rotation = (tokenHash: string) => ({
      tokenHash,
      successorHash: `next-${tokenHash}`,
      successorBox: null,
      consumedBy: 'client',
      now: 2,
      idleExpiresAt: 1e13,
    });
    try {
      await store.migrate();
      const fixture = createFixture(() => store);
      const user = await fixture.newUser();
      const [stuck, free] = [await fixture.newSession(user.id), await fixture.newSession(user.id)];
      // Another connection holds the token's row, as a stuck transaction (or a dead socket) would.
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [stuck.tokenHash]);
      await assert.rejects(store.rotateRefreshToken(rotation(stuck.tokenHash)), /timeout/i);
      assert.equal((await store.rotateRefreshToken(rotation(free.tokenHash))).status, 'rotated');
      await locker.query('ROLLBACK');
      // SHARE waits for every writer of the table still running: a statement that only the driver
      // gave up on would take the row now, commit, and be waited for here.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE refresh_tokens IN SHARE MODE');
      const { rows } = await locker.query('SELECT used_at FROM refresh_tokens WHERE token_hash = $1', [
        stuck.tokenHash,
      ]);
      await locker.query('COMMIT');
      assert.deepEqual(rows, [{ used_at: null }], 'the caller was told it failed: the token is unspent');
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await store.close();
    }
  });

  it('a transaction whose server connection is terminated fails alone; the process and the store live on', {
    timeout: 20_000,
  }, async () => {
    const url = new URL(database.schemaUrl);
    const application = `baton_terminated_${randomUUID().slice(0, 8)}`;
    url.searchParams.set('application_name', application);
    const store = createPostgresStore({ connectionString: url.toString() });
    const locker = new pg.Client({ connectionString: database.schemaUrl });
    try {
      await store.migrate();
      const fixture = createFixture(() => store);
      const user = await fixture.newUser();
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      // deleteUser's transaction waits for the row; then its server connection dies, as in a
      // failover. Without a listener on the checked-out client, its `error` event ends this process.
      const deleting = store.deleteUser(user.id);
      let terminated = 0;
      while (terminated === 0) {
        const { rows } = await locker.query(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [application],
        );
        terminated = rows[0].n;
      }
      await assert.rejects(deleting, /terminat/i);
      await locker.query('ROLLBACK');
      assert.equal(await store.deleteUser(user.id), true, 'the next transaction gets a working connection');
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await store.close();
    }
  });

  it('the server’s store tells the operator when a grouped statement fails as a whole, while its requests still get their own answers', async () => {
    const config = resolveConfig({
      databaseUrl: database.schemaUrl,
      secret: 'a-secret-of-at-least-32-characters!!',
    });
    const warnings: string[] = [];
    const store = await openStore(config, (message) => warnings.push(message));
    try {
      await store.migrate();
      const fixture = createFixture(() => store);
      const user = await fixture.newUser();
      const [first, second, third] = [
        await fixture.newSession(user.id),
        await fixture.newSession(user.id),
        await fixture.newSession(user.id),
      ];
      const rotation = (tokenHash: string, successorHash: string) => ({
        tokenHash,
        successorHash,
        successorBox: null,
        consumedBy: 'client',
        now: 2,
        idleExpiresAt: 1e13,
      });
      // The first goes alone; the other two share a statement, which fails on the third's successor
      // (a hash already taken), and each is tried again alone.
      const results = await Promise.allSettled([
        store.rotateRefreshToken(rotation(first.tokenHash, 'next-1')),
        store.rotateRefreshToken(rotation(second.tokenHash, 'next-2')),
        store.rotateRefreshToken(rotation(third.tokenHash, first.tokenHash)),
      ]);
      assert.deepEqual(
        results.map((result) => (result.status === 'fulfilled' ? result.value.status : 'failed')),
        ['rotated', 'rotated', 'failed'],
      );
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /baton_rotate_batch for 2 concurrent requests \(23505: duplicate key/);
      assert.match(warnings[0]!, /each was tried again alone/);
    } finally {
      await store.close();
    }
  });
});
