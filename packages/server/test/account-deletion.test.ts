import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../src/openStore.js';
import { APP } from './support/mailbox.js';
import { createTestDatabase, findTestDatabase, NO_POSTGRES, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';
import { startSmtp, type TestSmtp } from './support/smtp.js';

/** Reads the tables themselves, not through the store: what is really left of a user. */
type Rows = (sql: string, params: string[]) => Promise<Array<Record<string, unknown>>>;

interface Engine {
  readonly name: string;
  readonly skip: string | false;
  start(smtpUrl: string): Promise<{ server: TestServer; rows: Rows; done(): Promise<void> }>;
}

const sqlite: Engine = {
  name: 'SQLite',
  skip: false,
  async start(smtpUrl) {
    const server = await startServer({ smtpUrl, publicUrl: APP });
    const db = new Database(path.join(server.dataDir, SQLITE_FILE), { readonly: true });
    return {
      server,
      rows: async (sql, params) =>
        db.prepare(sql.replace(/\$\d/g, '?')).all(...params) as Array<Record<string, unknown>>,
      async done() {
        db.close();
        await server.close();
      },
    };
  },
};

let database: TestDatabase | undefined;
const postgres: Engine = {
  name: 'PostgreSQL',
  skip: needs((await findTestDatabase()) !== undefined, NO_POSTGRES),
  async start(smtpUrl) {
    database = await createTestDatabase();
    if (!database) throw new Error('PostgreSQL went away');
    const server = await startServer({
      smtpUrl,
      publicUrl: APP,
      databaseUrl: database.schemaUrl,
      secret: randomBytes(32).toString('base64url'),
    });
    const client = new pg.Client({ connectionString: database.schemaUrl });
    await client.connect();
    return {
      server,
      rows: async (sql, params) => (await client.query(sql, params)).rows,
      async done() {
        await client.end();
        await server.close();
        await database?.drop();
      },
    };
  },
};

for (const engine of [sqlite, postgres]) {
  describe(`deleting an account on ${engine.name}`, { skip: engine.skip }, () => {
    let smtp: TestSmtp;
    let context: Awaited<ReturnType<Engine['start']>>;
    before(async () => {
      smtp = await startSmtp('refuse');
      context = await engine.start(smtp.url);
    });
    after(async () => {
      await context?.done();
      await smtp.close();
    });

    it('DELETE /auth/me removes the user, sessions, tokens, todos and queued mail; the audit keeps no personal data', async () => {
      const { server, rows } = context;
      const owner = await registerUser(server);
      const bystander = await registerUser(server);
      const id = owner.user.id;
      await server.request('POST', '/auth/login', { body: { email: owner.email, password: GOOD_PASSWORD } });
      await server.request('POST', '/todos', { token: owner.accessToken, body: { title: 'mine' } });
      await server.request('POST', '/auth/password/forgot', { body: { email: owner.email } });
      // The SMTP server refuses for now: the messages stay queued, waiting for their retry.
      await server.app.baton.mail.flush();
      const sessionIds = (await rows('SELECT id FROM sessions WHERE user_id = $1', [id])).map((row) =>
        String(row.id),
      );
      assert.equal(sessionIds.length, 2);
      assert.equal(
        (await rows('SELECT 1 FROM mail_outbox WHERE user_id = $1', [id])).length,
        2,
        'queued, unsent',
      );

      const wrong = await server.request('DELETE', '/auth/me', {
        token: owner.accessToken,
        body: { password: 'nope nope' },
      });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.code, 'invalid_current_password');
      assert.equal(
        (await rows('SELECT 1 FROM users WHERE id = $1', [id])).length,
        1,
        'a wrong password deletes nothing',
      );

      const deleted = await server.request('DELETE', '/auth/me', {
        token: owner.accessToken,
        body: { password: GOOD_PASSWORD },
      });
      assert.equal(deleted.status, 204);
      for (const table of [
        'users WHERE id',
        'sessions WHERE user_id',
        'todos WHERE user_id',
        'one_time_tokens WHERE user_id',
        'mail_outbox WHERE user_id',
      ]) {
        assert.equal((await rows(`SELECT 1 FROM ${table} = $1`, [id])).length, 0, table);
      }
      for (const sessionId of sessionIds) {
        assert.equal(
          (await rows('SELECT 1 FROM refresh_tokens WHERE session_id = $1', [sessionId])).length,
          0,
        );
      }
      const trail = await rows('SELECT kind, ip, user_agent, detail FROM audit_events WHERE user_id = $1', [
        id,
      ]);
      assert.ok(trail.some((event) => event.kind === 'account_deleted'));
      assert.ok(
        trail.every((event) => event.ip === null && event.user_agent === null),
        'no address, no device',
      );
      const text = JSON.stringify(trail);
      assert.ok(!text.includes(owner.email) && !text.includes('127.0.0.1'), 'no email, no address');

      assert.equal((await server.request('GET', '/auth/me', { token: owner.accessToken })).status, 401);
      const login = await server.request('POST', '/auth/login', {
        body: { email: owner.email, password: GOOD_PASSWORD },
      });
      assert.equal(login.status, 401);
      assert.equal((await rows('SELECT 1 FROM users WHERE id = $1', [bystander.user.id])).length, 1);
      smtp.setMode('accept');
      server.clock.advance(24 * 3600_000);
      await server.app.baton.mail.flush();
      assert.ok(smtp.messages.length > 0, "the bystander's mail went");
      assert.ok(
        !smtp.messages.some((mail) => mail.rcptTo.includes(owner.email)),
        'its queued mail never went',
      );
    });

    it('PATCH /auth/me changes the name; null or blank removes it; control characters are refused', async () => {
      const { server } = context;
      const { accessToken } = await registerUser(server);
      const rename = (name: unknown) =>
        server.request('PATCH', '/auth/me', { token: accessToken, body: { name } });
      const renamed = await rename('  Ann Example ');
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.name, 'Ann Example');
      assert.equal((await rename(null)).body.name, null);
      assert.equal((await rename('   ')).body.name, null);
      for (const bad of ['Eve\r\nBcc: x@example.com', 'a\u202Eb', 'x'.repeat(101), 42]) {
        const refused = await rename(bad);
        assert.equal(refused.status, 400, JSON.stringify(bad));
        assert.equal(refused.body.code, 'invalid_request');
      }
      assert.equal((await server.request('PATCH', '/auth/me', { body: { name: 'x' } })).status, 401);
    });
  });
}
