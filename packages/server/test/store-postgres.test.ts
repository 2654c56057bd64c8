import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { resolveConfig } from '../src/config.js';
import { openStore } from '../src/openStore.js';
import { createFixture } from '../src/store/conformance/fixture.js';
import { describeStoreConformance } from '../src/store/conformance.js';
import { type BatchFailure, createPostgresStore } from '../src/store/postgres/index.js';
import {
  createTestDatabase,
  findTestDatabase,
  NO_POSTGRES,
  requireTestDatabase,
  type TestDatabase,
} from './support/postgres.js';
import { needs } from './support/runtime.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

/** A rotation of `tokenHash` for `consumedBy`, whose successor's hash names both unless given. */
const rotation = (
  tokenHash: string,
  { consumedBy = 'client', successorHash }: { consumedBy?: string; successorHash?: string } = {},
) => ({
  tokenHash,
  successorHash: successorHash ?? `${consumedBy}-next-${tokenHash}`,
  successorBox: null,
  consumedBy,
  now: 2,
  idleExpiresAt: 1e13,
});

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
    database = await requireTestDatabase();
  });
  after(() => database?.drop());
  /**
   * How many of the connections named `application` wait for a lock, asked on `client`, which
   * must be outside any transaction (one would see a single snapshot of pg_stat_activity).
   */
  const blockedBackends = async (client: pg.Client, application: string): Promise<number> => {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = $1 AND cardinality(pg_blocking_pids(pid)) > 0`,
      [application],
    );
    return rows[0].n;
  };
  /** The test schema's URL, naming its connections so that pg_stat_activity tells them apart. */
  const namedConnections = (prefix: string) => {
    const application = `${prefix}_${randomUUID().slice(0, 8)}`;
    const url = new URL(database.schemaUrl);
    url.searchParams.set('application_name', application);
    return { url: url.toString(), application };
  };

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
          (index % 2 ? a : b).rotateRefreshToken(
            rotation('first', { consumedBy: `client-${index}`, successorHash: `s${index}` }),
          ),
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

  it('a sign-in whose password a reset is rewriting waits for the reset, then opens nothing', async () => {
    const { url, application } = namedConnections('baton_signin');
    const store = createPostgresStore({ connectionString: url });
    const [reset, observer] = [new pg.Client(database.schemaUrl), new pg.Client(database.schemaUrl)];
    try {
      await store.migrate();
      const user = await createFixture(() => store).newUser();
      await Promise.all([reset.connect(), observer.connect()]);
      await reset.query('BEGIN');
      await reset.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, '$argon2id$reset']);
      const session = {
        id: randomUUID(),
        userId: user.id,
        createdAt: 1,
        idleExpiresAt: 1e13,
        expiresAt: 1e13,
        userAgent: null,
        ip: null,
      };
      let settled = false;
      const signIn = store
        .createSession(session, `first-${session.id}`, { passwordHash: user.passwordHash })
        .finally(() => {
          settled = true;
        });
      // Either the insert waits for the reset's row lock, or it went ahead on the row it read.
      // Asked outside the reset's transaction, which would see one snapshot of pg_stat_activity.
      for (let waiting = 0; waiting === 0 && !settled; await delay(10)) {
        waiting = await blockedBackends(observer, application);
      }
      assert.equal(settled, false, 'the sign-in went ahead of the reset, on the password it replaces');
      await reset.query('COMMIT');
      assert.equal(await signIn, false);
      assert.equal(await store.findSession(session.id), undefined);
    } finally {
      await reset.query('ROLLBACK').catch(() => {});
      await Promise.all([reset.end(), observer.end(), store.close()]);
    }
  });

  it("deleting a user waits for a sign-in holding the user's row, then scrubs the address of its event", async () => {
    const { url, application } = namedConnections('baton_delete');
    const store = createPostgresStore({ connectionString: url });
    const [signIn, observer] = [new pg.Client(database.schemaUrl), new pg.Client(database.schemaUrl)];
    try {
      await store.migrate();
      const user = await createFixture(() => store).newUser();
      await Promise.all([signIn.connect(), observer.connect()]);
      // What createSession's transaction holds until it commits: the row share-locked, an event written.
      await signIn.query('BEGIN');
      await signIn.query('SELECT 1 FROM users WHERE id = $1 FOR SHARE', [user.id]);
      await signIn.query(
        `INSERT INTO audit_events (id, at, kind, user_id, session_id, ip, user_agent, detail)
         VALUES ($1, 1, 'login_succeeded', $2, NULL, '203.0.113.30', 'victim-phone', NULL)`,
        [randomUUID(), user.id],
      );
      const deleted = store.deleteUser(user.id);
      for (let waiting = 0; waiting === 0; await delay(10)) {
        waiting = await blockedBackends(observer, application);
      }
      await signIn.query('COMMIT');
      assert.equal(await deleted, true);
      const trail = await store.listAudit({ userId: user.id });
      assert.equal(trail.length, 1);
      assert.deepEqual([trail[0]?.ip, trail[0]?.userAgent], [null, null]);
    } finally {
      await signIn.query('ROLLBACK').catch(() => {});
      await Promise.all([signIn.end(), observer.end(), store.close()]);
    }
  });

  it('two instances rotating the same tokens in opposite orders never deadlock: each batch locks its tokens in one order', {
    timeout: 20_000,
  }, async () => {
    const { url, application } = namedConnections('baton_deadlock');
    const failures: BatchFailure[] = [];
    const open = () =>
      createPostgresStore({
        connectionString: url,
        onBatchFailure: (failure) => failures.push(failure),
      });
    const [a, b] = [open(), open()];
    const [plugs, middle] = [new pg.Client(database.schemaUrl), new pg.Client(database.schemaUrl)];
    try {
      await a.migrate();
      const fixture = createFixture(() => a);
      const user = await fixture.newUser();
      const newToken = async () => (await fixture.newSession(user.id)).tokenHash;
      const [plugA, plugB] = [await newToken(), await newToken()];
      // Each instance connected and its statement prepared.
      await a.rotateRefreshToken(rotation(await newToken(), { consumedBy: 'a' }));
      await b.rotateRefreshToken(rotation(await newToken(), { consumedBy: 'b' }));
      const tokens: string[] = [];
      for (let index = 0; index < 64; index++) tokens.push(await newToken());
      tokens.sort();
      await Promise.all([plugs.connect(), middle.connect()]);
      // Spent tokens of a session in use, so that PostgreSQL finds each batch's tokens through the
      // index, in the batch's order, as it does in any real deployment's table.
      await middle.query(
        `INSERT INTO refresh_tokens (token_hash, session_id, created_at, used_at)
         SELECT 'spent-' || n, session_id, 1, 1 FROM refresh_tokens, generate_series(1, 20000) AS n
         WHERE token_hash = $1`,
        [plugA],
      );
      await middle.query('ANALYZE refresh_tokens');
      // Each instance's first rotation waits on a held row, so the 64 behind it go as one batch.
      await plugs.query('BEGIN');
      await plugs.query('SELECT 1 FROM refresh_tokens WHERE token_hash = ANY($1) FOR UPDATE', [
        [plugA, plugB],
      ]);
      // The middle token is held too, so both batches are under way before either can finish.
      await middle.query('BEGIN');
      await middle.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [tokens[32]]);
      const rotations = [
        a.rotateRefreshToken(rotation(plugA, { consumedBy: 'a' })),
        b.rotateRefreshToken(rotation(plugB, { consumedBy: 'b' })),
      ];
      for (const token of tokens) rotations.push(a.rotateRefreshToken(rotation(token, { consumedBy: 'a' })));
      for (const token of tokens.toReversed())
        rotations.push(b.rotateRefreshToken(rotation(token, { consumedBy: 'b' })));
      await plugs.query('ROLLBACK');
      // Both batches wait: on the middle token, or on the other batch. Locked in the order each
      // batch lists its tokens, a holds the lower half and b the upper one, so that the middle
      // token's release closes a cycle.
      // Asked outside `middle`'s transaction, which would see one snapshot of pg_stat_activity.
      for (let waiting = 0; waiting < 2; await delay(10)) {
        waiting = await blockedBackends(plugs, application);
      }
      await middle.query('ROLLBACK');
      const results = await Promise.all(rotations);
      assert.deepEqual(failures, [], 'no batch failed (a deadlock is SQLSTATE 40P01)');
      assert.equal(results.filter((result) => result.status === 'rotated').length, 66);
      assert.equal(results.filter((result) => result.status === 'already_used').length, 64);
    } finally {
      await plugs.query('ROLLBACK').catch(() => {});
      await middle.query('ROLLBACK').catch(() => {});
      await Promise.all([plugs.end(), middle.end(), a.close(), b.close()]);
    }
  });

  it('a transaction whose server connection is terminated fails alone; the process and the store live on', {
    timeout: 20_000,
  }, async () => {
    const { url, application } = namedConnections('baton_terminated');
    const store = createPostgresStore({ connectionString: url });
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
      // Expected at once: the failure can come while the loop below still awaits its answer.
      const deleting = assert.rejects(store.deleteUser(user.id), /terminat/i);
      let terminated = 0;
      while (terminated === 0) {
        const { rows } = await locker.query(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [application],
        );
        terminated = rows[0].n;
      }
      await deleting;
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
      // The first goes alone; the other two share a statement, which fails on the third's successor
      // (a hash already taken), and each is tried again alone.
      const results = await Promise.allSettled([
        store.rotateRefreshToken(rotation(first.tokenHash, { successorHash: 'next-1' })),
        store.rotateRefreshToken(rotation(second.tokenHash, { successorHash: 'next-2' })),
        store.rotateRefreshToken(rotation(third.tokenHash, { successorHash: first.tokenHash })),
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
