import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createManualClock } from '@baton/server';
import {
  AuthError,
  type Backend,
  createAuthClient,
  memoryStorage,
  type TokenGrant,
  type TokenStorage,
} from '../src/index.js';
import { recordEvents, typesOf } from './support/events.js';
import { manualTimers } from './support/manualTimers.js';
import {
  heldRefresh,
  revokingServer,
  settle,
  signedIn,
  tokenOf,
  webStorageOfTabs,
  withoutBroadcastChannel,
} from './support/tabs.js';
import { until } from './support/until.js';

// What keeps a sign-out final (see crossTabSignOut.test.ts) never refuses nor revokes a session
// that goes on: sign-ins at the same moment, an older version's tabs, a write storage refused.

const baseUrl = 'http://127.0.0.1:9';
const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };
let keys = 0;
const newStorageKey = () => `live-${process.pid}-${++keys}`;

// The client's channel does not keep Node alive while a message is on its way; this does.
let keepAlive: ReturnType<typeof setInterval>;
beforeEach(() => {
  keepAlive = setInterval(() => {}, 1000);
});
afterEach(() => clearInterval(keepAlive));

for (const mode of ['BroadcastChannel', 'storage events'] as const) {
  test(`two tabs signing in at the same moment agree after one refresh, with one storage write per change (${mode})`, async () => {
    const run = async () => {
      const clock = createManualClock();
      const { backend, revoked } = revokingServer(clock);
      const storageKey = newStorageKey();
      const tabs = webStorageOfTabs();
      const tab = (name: 'a' | 'b') =>
        createAuthClient({
          baseUrl,
          backend,
          storage: tabs.of(name),
          clock,
          crossTab: true,
          storageKey,
          timers: manualTimers().timers,
        });
      const [a, b] = [tab('a'), tab('b')];
      await Promise.all([a.ready, b.ready]);
      await Promise.all([a.login(ada), b.login(ada)]);
      await settle();
      clock.advance(61_000);
      const refreshed = await a.getAccessToken();
      await settle(500);
      assert.equal(tabs.writes(), 3, 'two sign-ins and one refresh, and nothing after');
      assert.equal(b.session?.accessToken, refreshed, 'the second tab takes the refresh');
      assert.equal(signedIn(b), signedIn(a));
      assert.equal(tokenOf(await tabs.of('a').get(storageKey)), signedIn(a));
      assert.deepEqual(revoked, []);
      a.dispose();
      b.dispose();
    };
    if (mode === 'BroadcastChannel') await run();
    else await withoutBroadcastChannel(run);
  });
}

test('an older version’s sign-in after a sign-out is taken by every tab, not revoked', async () => {
  const clock = createManualClock();
  const { backend, revoked } = revokingServer(clock);
  const storage = memoryStorage();
  const storageKey = newStorageKey();
  const older = olderVersionTab({ backend, clock, storage, storageKey });
  await older.signIn(); // rt_1, stored without `replaces`, as an older version stores it
  const tab = createAuthClient({
    baseUrl,
    backend,
    storage,
    clock,
    crossTab: true,
    storageKey,
    timers: manualTimers().timers,
  });
  const events = recordEvents(tab);
  await tab.ready;
  assert.equal(signedIn(tab), 'rt_1', 'a session stored by an older version is restored');
  await older.signOut(); // a message naming no token
  await until(() => tab.session === null, 'an older version’s sign-out reaches the tab');
  await older.signIn(); // rt_2
  await until(() => tab.session !== null, 'the tab takes the new sign-in');
  await settle();
  assert.equal(signedIn(tab), 'rt_2');
  assert.equal(tokenOf(await storage.get(storageKey)), 'rt_2', 'storage keeps the new sign-in');
  assert.deepEqual(revoked, []);
  assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:logout', 'signed-in']);
  tab.dispose();
  older.close();
});

/**
 * Two tabs of one origin sharing web storage (each its own view, with `storage` events), each on
 * its backend, the first signed in and the second holding the same session.
 */
async function twoTabsSignedIn(
  clock: ReturnType<typeof createManualClock>,
  backends: { readonly a: Backend; readonly b: Backend },
) {
  const storageKey = newStorageKey();
  const tabs = webStorageOfTabs();
  const tab = (name: 'a' | 'b') =>
    createAuthClient({
      baseUrl,
      backend: backends[name],
      storage: tabs.of(name),
      clock,
      crossTab: true,
      storageKey,
      timers: manualTimers().timers,
    });
  const [a, b] = [tab('a'), tab('b')];
  await a.login(ada);
  await until(() => b.session !== null, 'the second tab sees the sign-in');
  return { a, b, tabs, storageKey };
}

/** A server whose current user has been renamed since the sign-in (a profile change). */
function renamingServer(clock: ReturnType<typeof createManualClock>) {
  const { backend, revoked } = revokingServer(clock);
  const renamed = {
    id: 'u1',
    email: 'ada@example.com',
    name: 'Ada L.',
    createdAt: null,
    emailVerified: null,
  };
  const server: Backend = { ...backend, currentUser: async () => renamed };
  return { server, revoked };
}

test('without BroadcastChannel, two tabs handed one successor by the grace window keep it when one cannot store it', async () => {
  await withoutBroadcastChannel(async () => {
    const clock = createManualClock();
    const { backend } = revokingServer(clock);
    // Baton: a second refresh of a token within the grace window gets the same successor, and a
    // logout of any token ends the whole session.
    const successors = new Map<string, Promise<TokenGrant>>();
    let sessionEnded = false;
    const refresh: Backend['refresh'] = async (context, refreshToken) => {
      if (sessionEnded) throw new AuthError('session_revoked', 'The session ended.', { status: 401 });
      const successor = successors.get(refreshToken) ?? backend.refresh(context, refreshToken);
      successors.set(refreshToken, successor);
      return successor;
    };
    const server: Backend = {
      ...backend,
      refresh,
      logout: async () => {
        sessionEnded = true;
      },
    };
    const held = heldRefresh(refresh);
    const { a, b, tabs } = await twoTabsSignedIn(clock, {
      a: server,
      b: { ...server, refresh: held.refresh },
    });
    tabs.refuseWrites(true);
    clock.advance(61_000);
    const second = b.getAccessToken().catch((error: unknown) => error);
    await settle(5); // the second tab's refresh of rt_1 is on the wire
    await a.getAccessToken(); // rt_2: not stored, and rt_1 removed, which the second tab reads as a sign-out
    await until(() => b.session === null, 'the removal reaches the second tab');
    held.answer(); // rt_2 again: the grace window's answer, now outlived in the second tab
    await second;
    await settle();
    assert.equal(sessionEnded, false, 'the session that goes on in the first tab is not revoked');
    tabs.refuseWrites(false);
    clock.advance(61_000);
    await a.getAccessToken();
    assert.equal(signedIn(a), 'rt_3');
    a.dispose();
    b.dispose();
  });
});

test('without BroadcastChannel, a write storage refused does not lead another tab to revoke the session that goes on', async () => {
  await withoutBroadcastChannel(async () => {
    const clock = createManualClock();
    const { server, revoked } = renamingServer(clock);
    const { a, b, tabs, storageKey } = await twoTabsSignedIn(clock, { a: server, b: server });
    tabs.refuseWrites(true);
    clock.advance(61_000);
    await a.getAccessToken(); // rt_2: not stored, and rt_1 removed, which the other tab reads as a sign-out
    await until(() => b.session === null, 'the removal reaches the second tab');
    tabs.refuseWrites(false);
    await a.reloadUser(); // stores rt_2 with the new name
    await settle();
    assert.deepEqual(revoked, [], 'the session that goes on in the first tab is not revoked');
    clock.advance(61_000);
    await a.getAccessToken(); // rt_3
    await until(() => signedIn(b) === 'rt_3', 'the second tab takes the session again');
    await settle();
    assert.equal(signedIn(a), 'rt_3');
    assert.equal(tokenOf(await tabs.of('a').get(storageKey)), 'rt_3');
    assert.deepEqual(revoked, []);
    a.dispose();
    b.dispose();
  });
});

test('without BroadcastChannel, a profile change storage refused leaves the stored session, and the other tab signed in', async () => {
  await withoutBroadcastChannel(async () => {
    const clock = createManualClock();
    const { server, revoked } = renamingServer(clock);
    const { a, b, tabs, storageKey } = await twoTabsSignedIn(clock, { a: server, b: server });
    tabs.refuseWrites(true);
    await a.reloadUser(); // the same tokens with a new name: storage refuses it
    await settle();
    assert.equal(signedIn(b), 'rt_1', 'the second tab is not signed out');
    assert.equal(tokenOf(await tabs.of('a').get(storageKey)), 'rt_1', 'the stored token still works');
    tabs.refuseWrites(false);
    clock.advance(61_000);
    await a.getAccessToken(); // rt_2
    await until(() => signedIn(b) === 'rt_2', 'the second tab takes the refresh');
    await settle();
    assert.equal(signedIn(a), 'rt_2');
    assert.deepEqual(revoked, []);
    a.dispose();
    b.dispose();
  });
});

/**
 * A tab of the version before sessions recorded the token they replace: it stores and announces a
 * session without `replaces`, and its sign-out names no token.
 */
function olderVersionTab(deps: {
  backend: Backend;
  clock: { now(): number };
  storage: TokenStorage;
  storageKey: string;
}) {
  const channel = new BroadcastChannel(`baton:${deps.storageKey}`);
  const context = { baseUrl, fetch: globalThis.fetch };
  return {
    async signIn() {
      const grant = await deps.backend.login(context, ada);
      const accessExpiresAt = deps.clock.now() + 60_000;
      const state = {
        session: {
          user: grant.user ?? null,
          accessToken: grant.accessToken,
          refreshToken: grant.refreshToken,
          accessExpiresAt,
          refreshExpiresAt: null,
        },
        refreshAt: accessExpiresAt - 30_000,
        skewMs: 0,
      };
      await deps.storage.set(deps.storageKey, JSON.stringify({ v: 1, ...state }));
      channel.postMessage({ type: 'session', state });
    },
    async signOut() {
      await deps.storage.remove(deps.storageKey);
      channel.postMessage({ type: 'signed-out', reason: 'logout' });
    },
    close: () => channel.close(),
  };
}
