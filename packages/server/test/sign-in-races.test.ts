/**
 * A sign-in checks a password against the user row it read before hashing, which takes a while
 * (argon2, and the queue for a hashing thread); a refresh checks its token's session before it
 * rotates. What commits in between (a password reset or change, the account's deletion) must win:
 * no session opened with a password the reset replaced, no 500 for an account deleted mid-login,
 * no reuse alarm for a token its deletion removed.
 *
 * Each race is made certain by a store whose read lets the other change commit before it returns.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore, type Store } from '../src/index.js';
import { hashOneTimeToken, mintOneTimeToken } from '../src/tokens/oneTimeTokens.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

const NEW_PASSWORD = 'a brand new passphrase for this account';

describe('sign-in races', () => {
  let dir: string;
  let real: Store;
  let server: TestServer;
  /** Runs once, after the next read of a user by email (the login's read) and before it returns. */
  let afterUserRead: (() => Promise<void>) | undefined;
  /** The same, after the next read of a refresh token's context. */
  let afterRefreshRead: (() => Promise<void>) | undefined;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-sign-in-races-'));
    real = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    const racing: Store = {
      ...real,
      async findUserByEmailKey(key) {
        const row = await real.findUserByEmailKey(key);
        const meanwhile = afterUserRead;
        afterUserRead = undefined;
        await meanwhile?.();
        return row;
      },
      async findRefreshContext(tokenHash) {
        const context = await real.findRefreshContext(tokenHash);
        const meanwhile = afterRefreshRead;
        afterRefreshRead = undefined;
        await meanwhile?.();
        return context;
      },
    };
    server = await startServer({ store: racing, trustProxy: 1 });
  });
  after(async () => {
    await server.close();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A reset link for `userId`, as the forgot-password mail would carry. */
  async function resetLink(userId: string): Promise<string> {
    const token = mintOneTimeToken('password_reset');
    const now = server.clock.now();
    await real.createOneTimeToken({
      tokenHash: hashOneTimeToken(token),
      purpose: 'password_reset',
      userId,
      email: null,
      emailKey: null,
      createdAt: now,
      expiresAt: now + 30 * 60_000,
    });
    return token;
  }

  const reset = (token: string) =>
    server.request('POST', '/auth/password/reset', {
      body: { token, newPassword: NEW_PASSWORD },
      headers: { 'x-forwarded-for': '198.51.100.1' },
    });
  const login = (email: string, ip = '203.0.113.9') =>
    server.request('POST', '/auth/login', {
      body: { email, password: GOOD_PASSWORD },
      headers: { 'x-forwarded-for': ip },
    });
  const liveSessions = (userId: string) => real.listActiveSessions(userId, server.clock.now());

  it('a login with the old password whose check overlaps a password reset opens no session', async () => {
    const { email, user } = await registerUser(server);
    const token = await resetLink(user.id);
    afterUserRead = async () => {
      assert.equal((await reset(token)).status, 204);
    };
    const answer = await login(email);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'invalid_credentials');
    assert.deepEqual(await liveSessions(user.id), [], 'the reset ended every session, and none opened after');
    const events = await real.listAudit({ userId: user.id, kind: 'login_failed' });
    assert.deepEqual(
      events.map((event) => event.detail),
      [{ reason: 'account_changed' }],
    );
    assert.equal((await login(email, '203.0.113.10')).status, 401, 'the old password stays refused');
  });

  it('ten logins with the old password in flight across a password reset leave no live session', async () => {
    const { email, user } = await registerUser(server);
    const token = await resetLink(user.id);
    const logins = Array.from({ length: 10 }, () => login(email, '203.0.113.20'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await reset(token)).status, 204);
    await Promise.all(logins);
    assert.deepEqual(await liveSessions(user.id), []);
  });

  it('a login overlapping the deletion of its account answers 401, not 500, and records nothing of the client', async () => {
    const { email, user } = await registerUser(server);
    afterUserRead = async () => {
      assert.equal(await real.deleteUser(user.id), true);
    };
    const answer = await login(email, '203.0.113.30');
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'invalid_credentials');
    const trail = await real.listAudit({ userId: user.id });
    assert.ok(
      trail.every((event) => event.ip === null && event.userAgent === null),
      'no event of the deleted account carries an address or a device',
    );
  });

  it('a refresh overlapping the deletion of its account is an invalid token, not reuse', async () => {
    const { user, refreshToken } = await registerUser(server);
    afterRefreshRead = async () => {
      assert.equal(await real.deleteUser(user.id), true);
    };
    const answer = await server.request('POST', '/auth/refresh', {
      body: { refreshToken },
      headers: { 'x-forwarded-for': '203.0.113.40', 'user-agent': 'victim-phone' },
    });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'invalid_refresh_token');
    assert.deepEqual(await real.listAudit({ userId: user.id, kind: 'refresh_reuse_detected' }), []);
  });
});
