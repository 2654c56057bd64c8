import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AuditEvent, AuditKind, SigningKeyRecord } from '../store.js';
import { HOUR, type StoreFixture, T0 } from './fixture.js';

/** Todos, the audit log, signing keys and server secrets. */
export function describeRecords(f: StoreFixture): void {
  describe('todos', () => {
    it("creates, lists, updates and deletes only the owner's todos, patching only named fields", async () => {
      const owner = await f.newUser();
      const stranger = await f.newUser();
      const todo = await f.store.createTodo({
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
      assert.deepEqual(await f.store.listTodos(owner.id), [todo]);
      assert.deepEqual(await f.store.listTodos(stranger.id), []);
      assert.equal(await f.store.updateTodo(stranger.id, todo.id, { done: true }, T0 + 1), undefined);
      assert.equal(await f.store.deleteTodo(stranger.id, todo.id), false);
      assert.equal(await f.store.updateTodo(owner.id, 'missing', { done: true }, T0 + 1), undefined);
      assert.deepEqual(await f.store.listTodos(owner.id), [todo], "a stranger's attempts change nothing");
      const done = await f.store.updateTodo(owner.id, todo.id, { done: true }, T0 + 2);
      assert.deepEqual(done, { ...todo, done: true, updatedAt: T0 + 2 });
      const renamed = await f.store.updateTodo(owner.id, todo.id, { title: 'ship it' }, T0 + 3);
      assert.deepEqual(renamed, { ...todo, title: 'ship it', done: true, updatedAt: T0 + 3 });
      const undone = await f.store.updateTodo(owner.id, todo.id, { done: false }, T0 + 4);
      assert.equal(undone?.done, false);
      assert.equal(await f.store.deleteTodo(owner.id, todo.id), true);
      assert.equal(await f.store.deleteTodo(owner.id, todo.id), false);
      assert.deepEqual(await f.store.listTodos(owner.id), []);
    });

    it('lists todos in creation order', async () => {
      const owner = await f.newUser();
      const later = await f.store.createTodo({
        id: randomUUID(),
        userId: owner.id,
        title: 'b',
        createdAt: T0 + 5,
      });
      const earlier = await f.store.createTodo({
        id: randomUUID(),
        userId: owner.id,
        title: 'a',
        createdAt: T0 + 2,
      });
      assert.deepEqual(
        (await f.store.listTodos(owner.id)).map((todo) => todo.id),
        [earlier.id, later.id],
      );
    });
    it('answers many lists read at once (grouped into one statement where the store can) each with its own todos, in order', async () => {
      const owners = await Promise.all(Array.from({ length: 12 }, () => f.newUser()));
      const created = await Promise.all(
        owners.map(async (owner, index) => {
          const todos = [];
          // Owner n has n todos, made newest first so that creation time, not insertion, orders them.
          for (let n = index; n > 0; n--) {
            todos.unshift(
              await f.store.createTodo({
                id: randomUUID(),
                userId: owner.id,
                title: `${index}.${n}`,
                createdAt: T0 + n,
              }),
            );
          }
          return todos;
        }),
      );
      // Every owner twice, all at once: a list read while others are in flight waits and groups.
      const lists = await Promise.all([...owners, ...owners].map((owner) => f.store.listTodos(owner.id)));
      assert.deepEqual(lists, [...created, ...created]);
    });
  });

  describe('audit log', () => {
    it('appends events and lists them newest first, filtered by user and kind, limited', async () => {
      const user = await f.newUser();
      const event = (kind: AuditKind, at: number, detail: AuditEvent['detail']): AuditEvent => ({
        id: randomUUID(),
        at,
        kind,
        userId: user.id,
        sessionId: null,
        ip: '10.0.0.1',
        userAgent: 'ua',
        detail,
      });
      const details = { reason: 'password', attempt: 3, flagged: true, none: null };
      await f.store.appendAudit(event('login_failed', T0 + 1, null));
      await f.store.appendAudit(event('login_succeeded', T0 + 2, null));
      const newest = event('login_failed', T0 + 3, details);
      await f.store.appendAudit(newest);
      const all = await f.store.listAudit({ userId: user.id });
      assert.deepEqual(
        all.map((entry) => entry.at),
        [T0 + 3, T0 + 2, T0 + 1],
      );
      assert.deepEqual(all[0], newest, 'details round-trip as structured data');
      assert.equal(all[1]?.detail, null);
      const failed = await f.store.listAudit({ userId: user.id, kind: 'login_failed' });
      assert.deepEqual(
        failed.map((entry) => entry.at),
        [T0 + 3, T0 + 1],
      );
      assert.deepEqual(await f.store.listAudit({ userId: user.id, limit: 1 }), [newest]);
      assert.ok(
        (await f.store.listAudit({ kind: 'login_succeeded' })).every((e) => e.kind === 'login_succeeded'),
      );
      assert.deepEqual(await f.store.listAudit({ userId: 'nobody' }), []);
    });

    it("writes a sign-in's event with its session, and neither when the session cannot be created", async () => {
      const user = await f.newUser();
      const signIn = (): AuditEvent => ({
        id: randomUUID(),
        at: T0,
        kind: 'login_succeeded',
        userId: user.id,
        sessionId: null,
        ip: '10.0.0.2',
        userAgent: 'ua',
        detail: null,
      });
      const session = {
        id: randomUUID(),
        userId: user.id,
        createdAt: T0,
        idleExpiresAt: T0 + HOUR,
        expiresAt: T0 + 10 * HOUR,
        userAgent: 'ua',
        ip: '10.0.0.2',
      };
      const written = signIn();
      await f.store.createSession(session, `hash-${randomUUID()}`, { event: written });
      assert.deepEqual(await f.store.listAudit({ userId: user.id }), [written]);
      assert.ok(await f.store.findSession(session.id));
      // The same session id again fails (its primary key): the event must not be written alone.
      await assert.rejects(f.store.createSession(session, `hash-${randomUUID()}`, { event: signIn() }));
      assert.deepEqual(
        await f.store.listAudit({ userId: user.id }),
        [written],
        'no event without its session',
      );
    });

    it('opens a session only for a user still live with the password the sign-in checked, writing nothing else', async () => {
      const sessionOf = (userId: string) => ({
        id: randomUUID(),
        userId,
        createdAt: T0,
        idleExpiresAt: T0 + HOUR,
        expiresAt: T0 + 10 * HOUR,
        userAgent: 'ua',
        ip: '10.0.0.2',
      });
      const refused = async (userId: string, passwordHash: string, why: string) => {
        const session = sessionOf(userId);
        const tokenHash = `hash-${randomUUID()}`;
        const event: AuditEvent = {
          id: randomUUID(),
          at: T0,
          kind: 'login_succeeded',
          userId,
          sessionId: null,
          ip: '10.0.0.2',
          userAgent: 'ua',
          detail: null,
        };
        assert.equal(await f.store.createSession(session, tokenHash, { event, passwordHash }), false, why);
        assert.equal(await f.store.findSession(session.id), undefined, `${why}: no session`);
        assert.equal(await f.store.findRefreshContext(tokenHash), undefined, `${why}: no token`);
        assert.deepEqual(await f.store.listAudit({ userId }), [], `${why}: no event`);
      };
      const user = await f.newUser();
      assert.equal(
        await f.store.createSession(sessionOf(user.id), `hash-${randomUUID()}`, {
          passwordHash: user.passwordHash,
        }),
        true,
      );
      await f.store.updatePasswordHash(user.id, '$argon2id$reset', T0 + 1);
      await refused(user.id, user.passwordHash, 'password reset since it was checked');
      const disabled = await f.newUser();
      await f.store.setUserDisabled(disabled.id, true);
      await refused(disabled.id, disabled.passwordHash, 'disabled');
      const deleted = await f.newUser();
      await f.store.deleteUser(deleted.id);
      await refused(deleted.id, deleted.passwordHash, 'deleted');
    });
  });

  describe('signing keys', () => {
    it('adds keys, retiring the previous active key at the new key creation, and lists them newest first', async () => {
      const key = (kid: string, createdAt: number): SigningKeyRecord => ({
        kid,
        alg: 'EdDSA',
        privateKey: `private-${kid}`,
        publicJwk: `{"kid":"${kid}"}`,
        createdAt,
        retiredAt: null,
      });
      const a = key(`a-${randomUUID()}`, T0 + 10 * HOUR);
      const b = key(`b-${randomUUID()}`, T0 + 11 * HOUR);
      const c = key(`c-${randomUUID()}`, T0 + 12 * HOUR);
      await f.store.addSigningKey(a);
      await f.store.addSigningKey(b);
      let keys = await f.store.listSigningKeys();
      assert.deepEqual(keys.slice(0, 2), [b, { ...a, retiredAt: b.createdAt }]);
      await f.store.addSigningKey(c);
      keys = await f.store.listSigningKeys();
      assert.deepEqual(keys.slice(0, 3), [
        c,
        { ...b, retiredAt: c.createdAt },
        { ...a, retiredAt: b.createdAt },
      ]);
      assert.equal(keys.filter((k) => k.retiredAt === null).length, 1, 'exactly one active key');
    });
  });

  describe('resource clients', () => {
    it('creates, finds, lists oldest first and deletes resource clients', async () => {
      const client = (name: string, createdAt: number) => ({
        id: `rc-${randomUUID()}`,
        name,
        secretHash: 'ab'.repeat(32),
        createdAt,
      });
      const later = client('orders-api', T0 + 2);
      const earlier = client('todos-api', T0 + 1);
      await f.store.createResourceClient(later);
      await f.store.createResourceClient(earlier);
      assert.deepEqual(await f.store.findResourceClient(later.id), later);
      assert.equal(await f.store.findResourceClient('rc-missing'), undefined);
      const listed = (await f.store.listResourceClients()).filter(
        (c) => c.id === later.id || c.id === earlier.id,
      );
      assert.deepEqual(listed, [earlier, later]);
      await assert.rejects(f.store.createResourceClient(later), 'ids are unique');
      assert.equal(await f.store.deleteResourceClient(later.id), true);
      assert.equal(await f.store.deleteResourceClient(later.id), false);
      assert.equal(await f.store.findResourceClient(later.id), undefined);
    });
  });

  describe('secrets', () => {
    it('keeps the first value stored under a name', async () => {
      const name = `secret-${randomUUID()}`;
      assert.equal(await f.store.getOrCreateSecret(name, 'first'), 'first');
      assert.equal(await f.store.getOrCreateSecret(name, 'second'), 'first');
      assert.equal(await f.store.getOrCreateSecret(`${name}-other`, 'other'), 'other');
      const racers = await Promise.all(
        ['x', 'y', 'z'].map((value) => f.store.getOrCreateSecret(`${name}-race`, value)),
      );
      assert.equal(new Set(racers).size, 1, 'concurrent first calls agree on one value');
    });
  });
}
