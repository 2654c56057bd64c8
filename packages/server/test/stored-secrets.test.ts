import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../src/store/sqlite/database.js';
import { createTestDatabase, findTestDatabase, NO_POSTGRES } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Registers, refreshes twice, and returns every refresh token the client has seen. */
async function tokensSeen(server: TestServer): Promise<{ tokens: string[]; password: string }> {
  const registered = await registerUser(server);
  const tokens = [registered.refreshToken];
  for (let n = 0; n < 2; n++) {
    const rotated = await server.request('POST', '/auth/refresh', { body: { refreshToken: tokens.at(-1) } });
    assert.equal(rotated.status, 200);
    tokens.push(rotated.body.refreshToken);
  }
  return { tokens, password: GOOD_PASSWORD };
}

/** What a database copy shows: no token and no password in clear, each token only as its SHA-256. */
function assertOnlyDigests(
  rows: { token_hash: string }[],
  dump: string,
  seen: { tokens: string[]; password: string },
) {
  for (const token of seen.tokens) {
    assert.ok(!dump.includes(token), 'a refresh token is stored in clear');
    assert.ok(
      rows.some((row) => row.token_hash === sha256(token)),
      'each refresh token is stored as its SHA-256 digest',
    );
  }
  assert.ok(!dump.includes(seen.password), 'a password is stored in clear');
  assert.ok(!dump.includes('brt_'), 'nothing that looks like a refresh token is stored');
}

describe('what the database holds after sign-up and refreshes', () => {
  it('SQLite: refresh tokens only as SHA-256 digests, passwords only as argon2id hashes', async () => {
    const server = await startServer();
    try {
      const seen = await tokensSeen(server);
      const db = new Database(path.join(server.dataDir, 'baton.sqlite'), { readonly: true });
      try {
        const rows = db.prepare('SELECT * FROM refresh_tokens').all() as { token_hash: string }[];
        const users = db.prepare('SELECT password_hash FROM users').all() as { password_hash: string }[];
        assertOnlyDigests(rows, JSON.stringify([rows, users]), seen);
        assert.ok(users.every((user) => user.password_hash.startsWith('$argon2id$')));
      } finally {
        db.close();
      }
    } finally {
      await server.close();
    }
  });

  it('PostgreSQL: refresh tokens only as SHA-256 digests, passwords only as argon2id hashes', {
    skip,
  }, async () => {
    const database = await createTestDatabase();
    assert.ok(database);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-secrets-'));
    const server = await startServer({
      dataDir,
      databaseUrl: database.schemaUrl,
      secret: randomBytes(32).toString('base64url'),
    });
    const client = new pg.Client({ connectionString: database.schemaUrl });
    try {
      const seen = await tokensSeen(server);
      await client.connect();
      const rows = (await client.query<{ token_hash: string }>('SELECT * FROM refresh_tokens')).rows;
      const users = (await client.query<{ password_hash: string }>('SELECT password_hash FROM users')).rows;
      assertOnlyDigests(rows, JSON.stringify([rows, users]), seen);
      assert.ok(users.every((user) => user.password_hash.startsWith('$argon2id$')));
    } finally {
      await client.end();
      await server.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SQLite durability settings', () => {
  it('every connection commits with synchronous=FULL (an fsync per commit), in WAL mode, with foreign keys on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-pragma-'));
    const db = openDatabase(path.join(dir, 'baton.sqlite'));
    try {
      // 2 is FULL. A SIGKILL keeps the OS page cache, so the crash tests cannot see a missing fsync: this can.
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
