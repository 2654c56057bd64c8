import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, registerUser, startServer } from './support/server.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('BATON_DATABASE_POOL: the connections of each instance', { skip }, () => {
  let database: TestDatabase;
  const secret = randomBytes(32).toString('base64url');
  before(async () => {
    database = await requireTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  /** Connections PostgreSQL has open for `application`, after bursts of 24 parallel refreshes and todo writes. */
  const connectionsAfterBurst = async (pool: number) => {
    const application = `baton_pool_${randomBytes(4).toString('hex')}`;
    const url = new URL(database.schemaUrl);
    url.searchParams.set('application_name', application);
    const server = await startServer({
      databaseUrl: url.toString(),
      databasePool: pool,
      secret,
      rateLimits: false,
    });
    try {
      const users = await Promise.all(Array.from({ length: 24 }, () => registerUser(server)));
      const answers = await Promise.all(
        users.map((user) =>
          server.request('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }),
        ),
      );
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([200]));
      // Refreshes share statements (one lookup and one rotation in flight at a time); writes of
      // todos do not, so this burst asks for every connection the pool may open.
      const created = await Promise.all(
        answers.map((answer) =>
          server.request('POST', '/todos', { token: answer.body.accessToken, body: { title: 'burst' } }),
        ),
      );
      assert.deepEqual(new Set(created.map((answer) => answer.status)), new Set([201]));
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        const { rows } = await admin.query(
          'SELECT count(*)::int AS open FROM pg_stat_activity WHERE application_name = $1',
          [application],
        );
        return rows[0].open as number;
      } finally {
        await admin.end();
      }
    } finally {
      await server.close();
    }
  };

  it('keeps its connection when PostgreSQL refuses a statement (a taken email), instead of starting a new backend each time', async () => {
    const application = `baton_keep_${randomBytes(4).toString('hex')}`;
    const url = new URL(database.schemaUrl);
    url.searchParams.set('application_name', application);
    const server = await startServer({
      databaseUrl: url.toString(),
      databasePool: 1,
      secret,
      rateLimits: false,
    });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const backends = async () =>
      (
        await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [
          application,
        ])
      ).rows.map((row) => row.pid as number);
    try {
      const user = await registerUser(server);
      const before = await backends();
      assert.equal(before.length, 1);
      for (let attempt = 0; attempt < 5; attempt++) {
        const again = await server.request('POST', '/auth/register', {
          body: { email: user.email, password: GOOD_PASSWORD },
        });
        assert.equal(again.body.code, 'email_taken');
      }
      assert.deepEqual(await backends(), before, 'the same backend served every refused registration');
      const signedIn = await server.request('POST', '/auth/login', {
        body: { email: user.email, password: GOOD_PASSWORD },
      });
      assert.equal(signedIn.status, 200, 'and the connection works after them');
    } finally {
      await admin.end();
      await server.close();
    }
  });

  it('never opens more connections than the setting allows, and opens that many under a burst', async () => {
    assert.equal(await connectionsAfterBurst(2), 2);
    assert.ok((await connectionsAfterBurst(6)) > 2, 'a larger pool is used under the same burst');
  });
});
