import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmailTakenError } from '../store.js';
import { HOUR, type StoreFixture, T0 } from './fixture.js';

/** Users and sessions: who can sign in, and which of their sessions are live. */
export function describeAccounts(f: StoreFixture): void {
  describe('users', () => {
    it('creates a user and finds it by email key and by id', async () => {
      const user = await f.newUser();
      assert.equal(user.disabled, false);
      assert.equal(user.passwordChangedAt, user.createdAt);
      assert.deepEqual(await f.store.findUserByEmailKey(user.email), user);
      assert.deepEqual(await f.store.findUserById(user.id), user);
      assert.equal(await f.store.findUserById('missing'), undefined);
      assert.equal(await f.store.findUserByEmailKey('missing@example.com'), undefined);
    });

    it('refuses a second user with the same email key with EmailTakenError', async () => {
      const user = await f.newUser();
      await assert.rejects(f.newUser(user.email), (error: unknown) => {
        assert.ok(error instanceof EmailTakenError);
        assert.equal(error.code, 'email_taken');
        return true;
      });
    });

    it('lists users in creation order with limit and offset', async () => {
      const a = await f.newUser();
      const b = await f.newUser();
      const all = await f.store.listUsers({ limit: 10_000 });
      const ids = all.map((user) => user.id);
      assert.ok(ids.indexOf(a.id) >= 0 && ids.indexOf(a.id) < ids.indexOf(b.id));
      assert.equal((await f.store.listUsers({ limit: 1 })).length, 1);
      const second = await f.store.listUsers({ limit: 1, offset: 1 });
      assert.deepEqual(second, all.slice(1, 2));
    });

    it('updates the password hash and the disabled flag', async () => {
      const user = await f.newUser();
      await f.store.updatePasswordHash(user.id, '$argon2id$new', T0 + HOUR);
      const changed = await f.store.findUserById(user.id);
      assert.equal(changed?.passwordHash, '$argon2id$new');
      assert.equal(changed?.passwordChangedAt, T0 + HOUR);
      assert.equal(await f.store.setUserDisabled(user.id, true), true);
      assert.equal((await f.store.findUserById(user.id))?.disabled, true);
      assert.equal(await f.store.setUserDisabled(user.id, false), true);
      assert.equal((await f.store.findUserById(user.id))?.disabled, false);
      assert.equal(await f.store.setUserDisabled('missing', true), false);
    });
  });

  describe('sessions', () => {
    it('creates a session together with its first refresh token', async () => {
      const user = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      assert.deepEqual(await f.store.findSession(session.id), {
        ...session,
        lastUsedAt: session.createdAt,
        revokedAt: null,
        revokeReason: null,
      });
      const token = await f.store.findRefreshToken(tokenHash);
      assert.deepEqual(token, {
        tokenHash,
        sessionId: session.id,
        createdAt: T0,
        usedAt: null,
        consumedBy: null,
        successorBox: null,
      });
      assert.equal(await f.store.findRefreshToken('missing'), undefined);
      assert.equal(await f.store.findSession('missing'), undefined);
    });

    it('lists only live sessions, newest first: not revoked, idle-expired or absolutely expired', async () => {
      const user = await f.newUser();
      const older = await f.newSession(user.id, { createdAt: T0 + 1 });
      const newer = await f.newSession(user.id, { createdAt: T0 + 2 });
      const revoked = await f.newSession(user.id);
      await f.newSession(user.id, { idleExpiresAt: T0 + 10 });
      await f.newSession(user.id, { expiresAt: T0 + 10 });
      await f.store.revokeSession(revoked.session.id, 'logout', T0);
      const sessions = await f.store.listActiveSessions(user.id, T0 + 100);
      assert.deepEqual(
        sessions.map((session) => session.id),
        [newer.session.id, older.session.id],
      );
      // Expiry is exclusive: at the instant of expiry the session is already dead.
      assert.equal((await f.store.listActiveSessions(user.id, T0 + HOUR)).length, 0);
    });

    it('revokes a session once', async () => {
      const user = await f.newUser();
      const { session } = await f.newSession(user.id);
      assert.equal(await f.store.revokeSession(session.id, 'revoked', T0 + 5), true);
      assert.equal(await f.store.revokeSession(session.id, 'logout', T0 + 6), false);
      const found = await f.store.findSession(session.id);
      assert.equal(found?.revokedAt, T0 + 5, 'the first revocation is the one recorded');
      assert.equal(found?.revokeReason, 'revoked');
      assert.equal(await f.store.revokeSession('missing', 'revoked', T0), false);
    });

    it("revokes a user's live sessions except the current one, and counts live sessions", async () => {
      const user = await f.newUser();
      const other = await f.newUser();
      const keep = await f.newSession(user.id);
      await f.newSession(user.id);
      await f.newSession(user.id);
      const expired = await f.newSession(user.id, { idleExpiresAt: T0 + 1 });
      const untouched = await f.newSession(other.id);
      const before = await f.store.countActiveSessions(T0 + 1);
      assert.equal(await f.store.revokeUserSessions(user.id, 'password_change', T0 + 1, keep.session.id), 2);
      assert.equal(await f.store.countActiveSessions(T0 + 1), before - 2);
      assert.deepEqual(
        (await f.store.listActiveSessions(user.id, T0 + 1)).map((session) => session.id),
        [keep.session.id],
      );
      assert.equal(
        (await f.store.findSession(expired.session.id))?.revokedAt,
        null,
        'dead sessions are left alone',
      );
      assert.equal((await f.store.findSession(untouched.session.id))?.revokedAt, null);
      assert.equal(await f.store.revokeUserSessions(user.id, 'logout_all', T0 + 2), 1);
      assert.equal((await f.store.findSession(keep.session.id))?.revokeReason, 'logout_all');
      assert.equal((await f.store.listActiveSessions(user.id, T0 + 2)).length, 0);
      assert.equal(await f.store.revokeUserSessions(user.id, 'logout_all', T0 + 3), 0);
    });

    it('counts live sessions across all users at a given instant', async () => {
      const user = await f.newUser();
      const at = T0 + 5 * HOUR; // past every other test's idle expiry, so only these count
      const before = await f.store.countActiveSessions(at);
      await f.newSession(user.id, { idleExpiresAt: at + 1 });
      await f.newSession(user.id, { idleExpiresAt: at });
      assert.equal(await f.store.countActiveSessions(at), before + 1);
    });
  });
}
