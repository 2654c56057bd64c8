/**
 * A login writes its session and its `login_succeeded` audit event in one store call, so in one
 * transaction: on SQLite one group commit and one fsync (two in a row held the event loop per
 * login, which is what a login storm cost every other request), and the event exists exactly when
 * the session does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore, type Store } from '../src/index.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

describe('a login', () => {
  let dir: string;
  let real: Store;
  let server: TestServer;
  let failSessions = false;
  const calls: string[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-login-writes-'));
    real = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    const noted: Store = {
      ...real,
      async createSession(session, firstTokenHash, options) {
        calls.push(`createSession with ${options?.event?.kind ?? 'no event'}`);
        if (failSessions) throw new Error('disk full');
        return real.createSession(session, firstTokenHash, options);
      },
      async appendAudit(event) {
        calls.push(`appendAudit ${event.kind}`);
        return real.appendAudit(event);
      },
    };
    server = await startServer({ store: noted });
  });
  after(async () => {
    await server.close();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes its session and its audit event in one call (one transaction, one fsync)', async () => {
    const { email, user } = await registerUser(server);
    calls.length = 0;
    const response = await server.request('POST', '/auth/login', {
      body: { email, password: GOOD_PASSWORD },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(calls, ['createSession with login_succeeded']);
    const events = await real.listAudit({ userId: user.id, kind: 'login_succeeded' });
    assert.equal(events.length, 1);
  });

  it('records no successful login when its session could not be created', async () => {
    const { email, user } = await registerUser(server);
    failSessions = true;
    try {
      const response = await server.request('POST', '/auth/login', {
        body: { email, password: GOOD_PASSWORD },
      });
      assert.equal(response.status, 500);
    } finally {
      failSessions = false;
    }
    assert.deepEqual(await real.listAudit({ userId: user.id, kind: 'login_succeeded' }), []);
  });
});
