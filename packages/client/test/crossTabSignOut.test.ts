import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createManualClock } from '@baton/server';
import {
  type AuthClient,
  createAuthClient,
  memoryStorage,
  SessionExpiredError,
  type TokenStorage,
} from '../src/index.js';
import { recordEvents, typesOf } from './support/events.js';
import { fakeBackend } from './support/fakeBackend.js';
import { until } from './support/until.js';

const baseUrl = 'http://127.0.0.1:9';
const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };
let keys = 0;

// The client's channel does not keep Node alive while a message is on its way; this does.
let keepAlive: ReturnType<typeof setInterval>;
beforeEach(() => {
  keepAlive = setInterval(() => {}, 1000);
});
afterEach(() => clearInterval(keepAlive));

/**
 * Two tabs sharing a session, as a djoser or OAuth 2 server would see them: a logout revokes the
 * one refresh token it is given (recorded in `revoked`), so a successor that only one tab knows
 * stays live unless that tab revokes it. The second tab's refreshes wait on the wire until the
 * test answers them.
 */
async function twoTabs(options: { storage?: (tab: 'a' | 'b') => TokenStorage } = {}) {
  const clock = createManualClock();
  const { backend } = fakeBackend(clock);
  const revoked: string[] = [];
  const revoking = {
    ...backend,
    logout: async (_: unknown, session: { refreshToken: string }) => {
      revoked.push(session.refreshToken);
    },
  };
  let answer = () => {};
  const onTheWire = new Promise<void>((resolve) => {
    answer = resolve;
  });
  let asked = false;
  const storageKey = `signout-${process.pid}-${++keys}`;
  const shared = memoryStorage();
  const tab = (name: 'a' | 'b', refresh: typeof backend.refresh) =>
    createAuthClient({
      baseUrl,
      backend: { ...revoking, refresh },
      storage: options.storage?.(name) ?? shared,
      clock,
      crossTab: true,
      storageKey,
    });
  const a = tab('a', backend.refresh);
  const b = tab('b', async (...args) => {
    asked = true;
    await onTheWire;
    return backend.refresh(...args);
  });
  const eventsA = recordEvents(a);
  const eventsB = recordEvents(b);
  await a.login(ada);
  await until(() => b.session !== null, 'the second tab sees the sign-in');
  const stored = () => (options.storage?.('a') ?? shared).get(storageKey);
  return { a, b, clock, revoked, answer, asked: () => asked, eventsA, eventsB, stored };
}

const signedIn = (tab: AuthClient) => tab.session?.refreshToken ?? null;

test('a sign-out while another tab stores its refresh leaves no tab signed in, nothing stored, and the new token revoked', async () => {
  const { a, b, clock, revoked, answer, asked, eventsA, eventsB, stored } = await twoTabs();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(asked, 'the second tab refreshes');
  answer();
  // Its answer is stored and announced (rt_2) before the first tab hears of it: then the user
  // clicks "Sign out" there.
  assert.ok(await token);
  assert.equal(signedIn(a), 'rt_1');
  await a.logout();
  await until(() => b.session === null, 'the sign-out reaches the second tab');
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(signedIn(a), null, 'the first tab does not take the late refresh as a sign-in');
  assert.equal(signedIn(b), null);
  assert.equal(await stored(), null, 'storage keeps nothing of the session');
  await until(() => revoked.includes('rt_2'), 'the token only the second tab knew is revoked');
  // Each tab that meets rt_2 revokes it (the one that signed out, in case the other closes first).
  assert.deepEqual(new Set(revoked), new Set(['rt_1', 'rt_2']));
  assert.deepEqual(typesOf(eventsA), ['initial-session', 'signed-in', 'signed-out:logout']);
  assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'refreshed', 'signed-out:logout']);
  a.dispose();
  b.dispose();
});

test('a refresh answered after another tab signed out is thrown away and its token revoked', async () => {
  const { a, b, clock, revoked, answer, asked, eventsB, stored } = await twoTabs();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(asked, 'the second tab refreshes');
  await a.logout();
  await until(() => b.session === null, 'the sign-out reaches the second tab');
  answer();
  await assert.rejects(token, SessionExpiredError);
  await until(() => revoked.includes('rt_2'), 'the token nobody else knows is revoked');
  assert.equal(signedIn(a), null);
  assert.equal(signedIn(b), null);
  assert.equal(await stored(), null);
  assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'signed-out:logout']);
  a.dispose();
  b.dispose();
});

test('after a new sign-in, a late refresh of the session it replaced does not switch a tab back', async () => {
  const { a, b, clock, revoked, answer, asked, eventsA, stored } = await twoTabs();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(asked, 'the second tab refreshes');
  answer();
  assert.ok(await token); // stored and announced (rt_2), not yet heard by the first tab
  const again = await a.login(ada); // rt_3: a new sign-in, here perhaps as someone else
  await until(() => signedIn(b) === again.refreshToken, 'the second tab takes the new sign-in');
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(signedIn(a), again.refreshToken, 'the late rt_2 did not replace the new sign-in');
  assert.equal(JSON.parse((await stored()) ?? '{}').session?.refreshToken, again.refreshToken);
  assert.deepEqual(typesOf(eventsA), ['initial-session', 'signed-in', 'signed-in']);
  assert.deepEqual(revoked, [], 'a replaced session is not a sign-out');
  a.dispose();
  b.dispose();
});

test('without BroadcastChannel, storage events carry the same sign-out: nothing stored, no tab signed in, the new token revoked', async () => {
  const channel = Object.getOwnPropertyDescriptor(globalThis, 'BroadcastChannel');
  Reflect.deleteProperty(globalThis, 'BroadcastChannel');
  try {
    const storage = webStorageOfTabs();
    const { a, b, clock, revoked, answer, asked, eventsA, eventsB, stored } = await twoTabs({
      storage: (tab) => storage.of(tab),
    });
    clock.advance(61_000);
    const token = b.getAccessToken();
    await until(asked, 'the second tab refreshes');
    answer();
    assert.ok(await token);
    await a.logout();
    await until(() => b.session === null, 'the sign-out reaches the second tab');
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(signedIn(a), null, 'the first tab does not take the late refresh as a sign-in');
    assert.equal(signedIn(b), null);
    assert.equal(await stored(), null, 'storage keeps nothing of the session');
    await until(() => revoked.includes('rt_2'), 'the token only the second tab knew is revoked');
    assert.deepEqual(typesOf(eventsA), ['initial-session', 'signed-in', 'signed-out:logout']);
    assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'refreshed', 'signed-out:logout']);
    a.dispose();
    b.dispose();
  } finally {
    if (channel) Object.defineProperty(globalThis, 'BroadcastChannel', channel);
  }
});

/**
 * One `localStorage` seen by two tabs: a write in one tab reaches the other's `watch` a turn of
 * the event loop later, with the value it replaced, as the browser's `storage` event does.
 */
function webStorageOfTabs() {
  const values = new Map<string, string>();
  const watchers = {
    a: new Map<string, (value: string | null, previous: string | null) => void>(),
    b: new Map(),
  };
  const write = (tab: 'a' | 'b', key: string, value: string | null) => {
    const previous = values.get(key) ?? null;
    if (value === null) values.delete(key);
    else values.set(key, value);
    const other = watchers[tab === 'a' ? 'b' : 'a'].get(key);
    if (other) setImmediate(() => other(value, previous));
  };
  return {
    of: (tab: 'a' | 'b'): TokenStorage => ({
      get: async (key) => values.get(key) ?? null,
      set: async (key, value) => write(tab, key, value),
      remove: async (key) => write(tab, key, null),
      watch(key, onChange) {
        watchers[tab].set(key, onChange);
        return () => watchers[tab].delete(key);
      },
    }),
  };
}

test('a session stored by an older version, without a lineage, is signed out of in every tab', async () => {
  const clock = createManualClock();
  const { backend } = fakeBackend(clock);
  const storage = memoryStorage();
  const storageKey = `signout-${process.pid}-${++keys}`;
  const older = createAuthClient({ baseUrl, backend, storage, clock, storageKey });
  await older.login(ada);
  older.dispose();
  const stored = JSON.parse((await storage.get(storageKey)) ?? '{}');
  delete stored.lineage;
  await storage.set(storageKey, JSON.stringify(stored));

  const tab = () => createAuthClient({ baseUrl, backend, storage, clock, crossTab: true, storageKey });
  const [a, b] = [tab(), tab()];
  await Promise.all([a.ready, b.ready]);
  assert.equal(signedIn(b), 'rt_1');
  await a.logout();
  await until(() => b.session === null, 'both tabs agree which session ended');
  a.dispose();
  b.dispose();
});
