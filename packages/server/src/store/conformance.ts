import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EmailTakenError, type NewSession, type Store } from './store.js';

/** What a store implementation hands the suite: a fresh, migrated store and how to dispose of it. */
export interface StoreUnderTest {
  readonly store: Store;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/**
 * The one conformance suite every {@link Store} must pass, written only against the interface:
 * the SQLite and PostgreSQL stores run these very tests.
 *
 * @example
 * describeStoreConformance('sqlite', async () => {
 *   const store = createSqliteStore({ filename: tmpFile });
 *   await store.migrate();
 *   return { store, cleanup: () => store.close() };
 * });
 */
export function describeStoreConformance(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`Store conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    before(async () => {
      subject = await open();
      store = subject.store;
      await store.migrate();
    });
    after(() => subject.cleanup());

    let seq = 0;
    const newUser = async (emailKey = `user${++seq}.${randomUUID()}@example.com`) =>
      store.createUser({
        id: randomUUID(),
        email: emailKey,
        emailKey,
        name: null,
        passwordHash: '$argon2id$fake',
        createdAt: T0 + seq,
      });
    const newSession = async (userId: string, overrides: Partial<NewSession> = {}) => {
      const session: NewSession = {
        id: randomUUID(),
        userId,
        createdAt: T0,
        idleExpiresAt: T0 + HOUR,
        expiresAt: T0 + 10 * HOUR,
        userAgent: 'test-agent',
        ip: '127.0.0.1',
        ...overrides,
      };
      const tokenHash = `hash-${randomUUID()}`;
      await store.createSession(session, tokenHash);
      return { session, tokenHash };
    };

    it('migrate is idempotent', async () => {
      await store.migrate();
      await store.migrate();
    });

    describe('users', () => {
      it('creates a user and finds it by email key and id', async () => {
        const user = await newUser();
        assert.equal(user.disabled, false);
        assert.deepEqual(await store.findUserByEmailKey(user.email), user);
        assert.deepEqual(await store.findUserById(user.id), user);
        assert.equal(await store.findUserById('missing'), undefined);
        assert.equal(await store.findUserByEmailKey('missing@example.com'), undefined);
      });

      it('refuses a second user with the same email key', async () => {
        const user = await newUser();
        await assert.rejects(newUser(user.email), EmailTakenError);
      });

      it('lists users in creation order with paging', async () => {
        const a = await newUser();
        const b = await newUser();
        const all = await store.listUsers({ limit: 10_000 });
        const ids = all.map((user) => user.id);
        assert.ok(ids.indexOf(a.id) < ids.indexOf(b.id));
        assert.equal((await store.listUsers({ limit: 1 })).length, 1);
      });

      it('updates the password hash and the disabled flag', async () => {
        const user = await newUser();
        await store.updatePasswordHash(user.id, '$argon2id$new', T0 + HOUR);
        const changed = await store.findUserById(user.id);
        assert.equal(changed?.passwordHash, '$argon2id$new');
        assert.equal(changed?.passwordChangedAt, T0 + HOUR);
        assert.equal(await store.setUserDisabled(user.id, true), true);
        assert.equal((await store.findUserById(user.id))?.disabled, true);
        assert.equal(await store.setUserDisabled(user.id, false), true);
        assert.equal((await store.findUserById(user.id))?.disabled, false);
        assert.equal(await store.setUserDisabled('missing', true), false);
      });
    });

    describe('sessions', () => {
      it('creates a session together with its first refresh token', async () => {
        const user = await newUser();
        const { session, tokenHash } = await newSession(user.id);
        const found = await store.findSession(session.id);
        assert.equal(found?.userId, user.id);
        assert.equal(found?.lastUsedAt, session.createdAt);
        assert.equal(found?.revokedAt, null);
        assert.equal(found?.userAgent, 'test-agent');
        const token = await store.findRefreshToken(tokenHash);
        assert.deepEqual(token, { tokenHash, sessionId: session.id, createdAt: T0, usedAt: null });
        assert.equal(await store.findRefreshToken('missing'), undefined);
      });

      it('lists only live sessions: not revoked, not idle-expired, not past the absolute expiry', async () => {
        const user = await newUser();
        const live = await newSession(user.id, { createdAt: T0 + 1 });
        const revoked = await newSession(user.id);
        await newSession(user.id, { idleExpiresAt: T0 + 10 });
        await newSession(user.id, { expiresAt: T0 + 10 });
        await store.revokeSession(revoked.session.id, 'logout', T0);
        const sessions = await store.listActiveSessions(user.id, T0 + 100);
        assert.deepEqual(
          sessions.map((session) => session.id),
          [live.session.id],
        );
      });

      it('revokes a session once', async () => {
        const user = await newUser();
        const { session } = await newSession(user.id);
        assert.equal(await store.revokeSession(session.id, 'revoked', T0 + 5), true);
        assert.equal(await store.revokeSession(session.id, 'revoked', T0 + 6), false);
        const found = await store.findSession(session.id);
        assert.equal(found?.revokedAt, T0 + 5);
        assert.equal(found?.revokeReason, 'revoked');
        assert.equal(await store.revokeSession('missing', 'revoked', T0), false);
      });

      it("revokes all of a user's sessions except one, and counts live sessions", async () => {
        const user = await newUser();
        const other = await newUser();
        const keep = await newSession(user.id);
        await newSession(user.id);
        await newSession(user.id);
        const untouched = await newSession(other.id);
        const before = await store.countActiveSessions(T0 + 1);
        assert.equal(await store.revokeUserSessions(user.id, 'password_change', T0 + 1, keep.session.id), 2);
        assert.equal(await store.countActiveSessions(T0 + 1), before - 2);
        assert.equal((await store.listActiveSessions(user.id, T0 + 1)).length, 1);
        assert.equal((await store.findSession(untouched.session.id))?.revokedAt, null);
        assert.equal(await store.revokeUserSessions(user.id, 'logout_all', T0 + 2), 1);
        assert.equal((await store.listActiveSessions(user.id, T0 + 2)).length, 0);
      });
    });

    describe('refresh token rotation', () => {
      it('rotates once, then reports the token as already used at the first consumption', async () => {
        const user = await newUser();
        const { session, tokenHash } = await newSession(user.id);
        const first = await store.rotateRefreshToken({
          tokenHash,
          successorHash: `succ-${randomUUID()}`,
          now: T0 + 1000,
          idleExpiresAt: T0 + 2 * HOUR,
        });
        assert.equal(first.status, 'rotated');
        if (first.status === 'rotated') {
          assert.equal(first.session.id, session.id);
          assert.equal(first.session.lastUsedAt, T0 + 1000);
          assert.equal(first.session.idleExpiresAt, T0 + 2 * HOUR);
        }
        const second = await store.rotateRefreshToken({
          tokenHash,
          successorHash: `succ-${randomUUID()}`,
          now: T0 + 5000,
          idleExpiresAt: T0 + 3 * HOUR,
        });
        assert.equal(second.status, 'already_used');
        if (second.status === 'already_used') {
          assert.equal(second.usedAt, T0 + 1000);
          assert.equal(second.session.id, session.id);
        }
        assert.equal((await store.findRefreshToken(tokenHash))?.usedAt, T0 + 1000);
      });

      it('makes the successor findable and live', async () => {
        const user = await newUser();
        const { session, tokenHash } = await newSession(user.id);
        const successorHash = `succ-${randomUUID()}`;
        await store.rotateRefreshToken({ tokenHash, successorHash, now: T0 + 1, idleExpiresAt: T0 + HOUR });
        assert.deepEqual(await store.findRefreshToken(successorHash), {
          tokenHash: successorHash,
          sessionId: session.id,
          createdAt: T0 + 1,
          usedAt: null,
        });
      });

      it('answers not_found for an unknown token', async () => {
        const result = await store.rotateRefreshToken({
          tokenHash: 'missing',
          successorHash: `succ-${randomUUID()}`,
          now: T0,
          idleExpiresAt: T0 + HOUR,
        });
        assert.deepEqual(result, { status: 'not_found' });
      });

      it('lets exactly one of 50 concurrent rotations of one token win', async () => {
        const user = await newUser();
        const { tokenHash } = await newSession(user.id);
        const successors = Array.from({ length: 50 }, () => `succ-${randomUUID()}`);
        const results = await Promise.all(
          successors.map((successorHash) =>
            store.rotateRefreshToken({ tokenHash, successorHash, now: T0 + 1, idleExpiresAt: T0 + HOUR }),
          ),
        );
        assert.equal(results.filter((result) => result.status === 'rotated').length, 1);
        assert.equal(results.filter((result) => result.status === 'already_used').length, 49);
        const stored = await Promise.all(successors.map((hash) => store.findRefreshToken(hash)));
        assert.equal(stored.filter(Boolean).length, 1, 'exactly one successor exists');
      });
    });

    describe('todos', () => {
      it("creates, lists, updates and deletes only the owner's todos", async () => {
        const owner = await newUser();
        const stranger = await newUser();
        const todo = await store.createTodo({
          id: randomUUID(),
          userId: owner.id,
          title: 'write tests',
          createdAt: T0,
        });
        assert.deepEqual(todo, {
          id: todo.id,
          userId: owner.id,
          title: 'write tests',
          done: false,
          createdAt: T0,
          updatedAt: T0,
        });
        assert.deepEqual(await store.listTodos(owner.id), [todo]);
        assert.deepEqual(await store.listTodos(stranger.id), []);
        assert.equal(await store.updateTodo(stranger.id, todo.id, { done: true }, T0 + 1), undefined);
        assert.equal(await store.deleteTodo(stranger.id, todo.id), false);
        const done = await store.updateTodo(owner.id, todo.id, { done: true }, T0 + 2);
        assert.equal(done?.done, true);
        assert.equal(done?.title, 'write tests', 'a patch keeps the fields it does not name');
        assert.equal(done?.updatedAt, T0 + 2);
        const renamed = await store.updateTodo(owner.id, todo.id, { title: 'ship it' }, T0 + 3);
        assert.equal(renamed?.done, true);
        assert.equal(renamed?.title, 'ship it');
        const undone = await store.updateTodo(owner.id, todo.id, { done: false }, T0 + 4);
        assert.equal(undone?.done, false);
        assert.equal(await store.deleteTodo(owner.id, todo.id), true);
        assert.equal(await store.deleteTodo(owner.id, todo.id), false);
        assert.deepEqual(await store.listTodos(owner.id), []);
      });

      it('lists todos in creation order', async () => {
        const owner = await newUser();
        const first = await store.createTodo({
          id: randomUUID(),
          userId: owner.id,
          title: 'a',
          createdAt: T0 + 2,
        });
        const second = await store.createTodo({
          id: randomUUID(),
          userId: owner.id,
          title: 'b',
          createdAt: T0 + 5,
        });
        assert.deepEqual(
          (await store.listTodos(owner.id)).map((todo) => todo.id),
          [first.id, second.id],
        );
      });
    });

    describe('audit log', () => {
      it('appends events and lists them newest first, filtered by user and kind, limited', async () => {
        const user = await newUser();
        const event = (kind: 'login_failed' | 'login_succeeded', at: number) => ({
          id: randomUUID(),
          at,
          kind,
          userId: user.id,
          sessionId: null,
          ip: '10.0.0.1',
          userAgent: 'ua',
          detail: { reason: 'password', attempt: at - T0, flagged: true, none: null },
        });
        await store.appendAudit(event('login_failed', T0 + 1));
        await store.appendAudit(event('login_succeeded', T0 + 2));
        await store.appendAudit(event('login_failed', T0 + 3));
        const all = await store.listAudit({ userId: user.id });
        assert.deepEqual(
          all.map((entry) => entry.at),
          [T0 + 3, T0 + 2, T0 + 1],
        );
        assert.deepEqual(all[0]?.detail, { reason: 'password', attempt: 3, flagged: true, none: null });
        assert.equal((await store.listAudit({ userId: user.id, kind: 'login_failed' })).length, 2);
        assert.equal((await store.listAudit({ userId: user.id, limit: 1 })).length, 1);
      });
    });

    describe('signing keys', () => {
      it('adds keys, retiring the previous active key, and lists them newest first', async () => {
        const base = (await store.listSigningKeys()).length;
        const key = (kid: string, createdAt: number) => ({
          kid,
          alg: 'EdDSA',
          privateKey: `private-${kid}`,
          publicJwk: `{"kid":"${kid}"}`,
          createdAt,
          retiredAt: null,
        });
        const kidA = `a-${randomUUID()}`;
        const kidB = `b-${randomUUID()}`;
        await store.addSigningKey(key(kidA, T0 + 10 * HOUR));
        await store.addSigningKey(key(kidB, T0 + 11 * HOUR));
        const keys = await store.listSigningKeys();
        assert.equal(keys.length, base + 2);
        assert.equal(keys[0]?.kid, kidB);
        assert.equal(keys[0]?.retiredAt, null);
        assert.equal(keys[1]?.kid, kidA);
        assert.equal(keys[1]?.retiredAt, T0 + 11 * HOUR);
        assert.equal(keys[1]?.privateKey, `private-${kidA}`);
      });
    });

    describe('secrets', () => {
      it('keeps the first value stored under a name', async () => {
        const name = `secret-${randomUUID()}`;
        assert.equal(await store.getOrCreateSecret(name, 'first'), 'first');
        assert.equal(await store.getOrCreateSecret(name, 'second'), 'first');
        const racers = await Promise.all(
          ['x', 'y', 'z'].map((value) => store.getOrCreateSecret(`${name}-race`, value)),
        );
        assert.equal(new Set(racers).size, 1);
      });
    });
  });
}
