/**
 * A login's writes (its session and its `login_succeeded` audit event) are requested in one turn
 * of the event loop, so the SQLite store's group commit makes them one transaction and one fsync
 * (src/store/sqlite/groupCommit.ts); in sequence they were two fsyncs in a row, each holding the
 * event loop, which is what a login storm cost every other request.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore, type Store } from '../src/index.js';
import { registerUser, startServer, type TestServer } from './support/server.js';

describe('a login', () => {
  let dir: string;
  let server: TestServer;
  let real: Store;
  let turn = 0;
  let stopped = false;
  const writes: { readonly what: string; readonly turn: number }[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-login-writes-'));
    real = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    // Counts turns of the event loop, and notes in which one each write was asked for.
    const tick = () => {
      turn++;
      if (!stopped) setImmediate(tick);
    };
    setImmediate(tick);
    const noted: Store = {
      ...real,
      async createSession(session, firstTokenHash) {
        writes.push({ what: 'session', turn });
        return real.createSession(session, firstTokenHash);
      },
      async appendAudit(event) {
        writes.push({ what: event.kind, turn });
        return real.appendAudit(event);
      },
    };
    server = await startServer({ store: noted });
  });
  after(async () => {
    stopped = true;
    await server.close();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for its session and its audit event in one turn (one group commit, one fsync)', async () => {
    const { email } = await registerUser(server);
    writes.length = 0;
    const response = await server.request('POST', '/auth/login', {
      body: { email, password: 'correct horse battery staple' },
    });
    assert.equal(response.status, 200);
    const session = writes.find((write) => write.what === 'session');
    const audited = writes.find((write) => write.what === 'login_succeeded');
    assert.ok(session && audited, JSON.stringify(writes));
    assert.equal(audited.turn, session.turn, 'requested in the same turn');
  });
});
