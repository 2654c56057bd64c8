import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createManualClock } from '@baton/server';
import {
  type Backend,
  createAuthClient,
  memoryStorage,
  SessionExpiredError,
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

// A sign-out is final in every tab: a refresh answered around it, here or in another tab, is
// neither kept nor left live on a server (djoser, OAuth 2) that revokes one token at a time.

const baseUrl = 'http://127.0.0.1:9';
const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };
let keys = 0;
const newStorageKey = () => `signout-${process.pid}-${++keys}`;

// The client's channel does not keep Node alive while a message is on its way; this does.
let keepAlive: ReturnType<typeof setInterval>;
beforeEach(() => {
  keepAlive = setInterval(() => {}, 1000);
});
afterEach(() => clearInterval(keepAlive));

/**
 * Two tabs sharing a session on a revoking server; the second tab's refreshes wait on the wire
 * until the test answers them.
 */
async function twoTabs(options: { storage?: (tab: 'a' | 'b') => TokenStorage } = {}) {
  const clock = createManualClock();
  const { backend, revoked } = revokingServer(clock);
  const held = heldRefresh(backend.refresh);
  const storageKey = newStorageKey();
  const shared = memoryStorage();
  const tab = (name: 'a' | 'b', refresh: Backend['refresh']) =>
    createAuthClient({
      baseUrl,
      backend: { ...backend, refresh },
      storage: options.storage?.(name) ?? shared,
      clock,
      crossTab: true,
      storageKey,
      timers: manualTimers().timers,
    });
  const a = tab('a', backend.refresh);
  const b = tab('b', held.refresh);
  const eventsA = recordEvents(a);
  const eventsB = recordEvents(b);
  await a.login(ada);
  await until(() => b.session !== null, 'the second tab sees the sign-in');
  const stored = () => (options.storage?.('a') ?? shared).get(storageKey);
  return { a, b, clock, revoked, ...held, eventsA, eventsB, stored };
}

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
  await settle();
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

test('a tab that stored a refresh just after another tab signed out and closed revokes it itself', async () => {
  const { a, b, clock, revoked, answer, asked, eventsB, stored } = await twoTabs();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(asked, 'the second tab refreshes');
  answer();
  assert.ok(await token); // rt_2, stored and announced
  await a.logout(); // the sign-out names rt_1 ...
  a.dispose(); // ... and the tab closes before rt_2 reaches it
  await until(() => b.session === null, 'the sign-out reaches the second tab');
  await until(() => revoked.includes('rt_2'), 'the second tab revokes the successor of rt_1');
  await settle();
  assert.deepEqual(revoked, ['rt_1', 'rt_2']);
  assert.equal(await stored(), null);
  assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'refreshed', 'signed-out:logout']);
  b.dispose();
});

test('a refresh answered after another tab signed out is thrown away and its token revoked', async () => {
  const { a, b, clock, revoked, answer, asked, eventsA, eventsB, stored } = await twoTabs();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(asked, 'the second tab refreshes');
  await a.logout();
  await until(() => b.session === null, 'the sign-out reaches the second tab');
  answer();
  await assert.rejects(token, SessionExpiredError);
  await until(() => revoked.includes('rt_2'), 'the token nobody else knows is revoked');
  await settle();
  assert.equal(signedIn(a), null);
  assert.equal(signedIn(b), null);
  assert.equal(await stored(), null);
  assert.deepEqual(revoked, ['rt_1', 'rt_2']);
  assert.deepEqual(typesOf(eventsA), ['initial-session', 'signed-in', 'signed-out:logout']);
  assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'signed-out:logout']);
  a.dispose();
  b.dispose();
});

test('a sign-out while this tab’s own refresh is on the wire revokes the token it is answered with', async () => {
  const clock = createManualClock();
  const { backend, revoked } = revokingServer(clock);
  const held = heldRefresh(backend.refresh);
  const storage = memoryStorage();
  const storageKey = newStorageKey();
  const auth = createAuthClient({
    baseUrl,
    backend: { ...backend, refresh: held.refresh },
    storage,
    clock,
    storageKey,
    timers: manualTimers().timers,
  });
  const events = recordEvents(auth);
  await auth.login(ada);
  clock.advance(61_000);
  const token = auth.getAccessToken();
  await until(held.asked, 'the refresh is on the wire');
  await auth.logout();
  held.answer();
  await assert.rejects(token, SessionExpiredError);
  await until(() => revoked.includes('rt_2'), 'the token the sign-out came too early for is revoked');
  assert.deepEqual(revoked, ['rt_1', 'rt_2']);
  assert.equal(auth.session, null);
  assert.equal(await storage.get(storageKey), null);
  assert.deepEqual(typesOf(events), ['initial-session', 'signed-in', 'signed-out:logout']);
  auth.dispose();
});

test('a refresh answered after another tab signed in anew is thrown away and its token revoked', async () => {
  const { a, b, clock, revoked, answer, asked, eventsB, stored } = await twoTabs();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(asked, 'the second tab refreshes');
  // The server answered rt_2; before it arrives, a new sign-in (rt_3, perhaps as someone else).
  const again = await a.login(ada);
  await until(() => signedIn(b) === again.refreshToken, 'the second tab takes the new sign-in');
  answer();
  assert.equal(await token, again.accessToken);
  await until(() => revoked.includes('rt_2'), 'the late refresh is revoked');
  await settle();
  assert.equal(signedIn(a), again.refreshToken);
  assert.equal(signedIn(b), again.refreshToken, 'the late refresh did not replace the new sign-in');
  assert.equal(tokenOf(await stored()), again.refreshToken);
  assert.deepEqual(revoked, ['rt_2'], 'the session the sign-in replaced is not signed out of');
  assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'signed-in']);
  a.dispose();
  b.dispose();
});

test('without BroadcastChannel, storage events carry the same sign-out: nothing stored, no tab signed in, the new token revoked', async () => {
  await withoutBroadcastChannel(async () => {
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
    await settle();
    assert.equal(signedIn(a), null, 'the first tab does not take the late refresh as a sign-in');
    assert.equal(signedIn(b), null);
    assert.equal(await stored(), null, 'storage keeps nothing of the session');
    await until(() => revoked.includes('rt_2'), 'the token only the second tab knew is revoked');
    assert.deepEqual(typesOf(eventsA), ['initial-session', 'signed-in', 'signed-out:logout']);
    assert.deepEqual(typesOf(eventsB), ['initial-session', 'signed-in', 'refreshed', 'signed-out:logout']);
    a.dispose();
    b.dispose();
  });
});
