import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createManualClock } from '@baton/server';
import { createAuthClient, memoryStorage } from '../src/index.js';
import { createRotationMarks } from '../src/rotationMarks.js';
import { nextEvent } from './support/events.js';
import { fakeBackend } from './support/fakeBackend.js';
import { fakeLocks, installLocks } from './support/fakeLocks.js';
import { manualTimers } from './support/manualTimers.js';
import { until } from './support/until.js';

const baseUrl = 'http://127.0.0.1:9';
const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };
const LOCK_TIMEOUT_MS = 4321;

let locks: ReturnType<typeof fakeLocks>;
let uninstall: () => void;
// The client's channel does not keep Node alive while a message is on its way; this does.
let keepAlive: ReturnType<typeof setInterval>;
beforeEach(() => {
  locks = fakeLocks();
  uninstall = installLocks(locks);
  keepAlive = setInterval(() => {}, 1000);
});
afterEach(() => {
  uninstall();
  clearInterval(keepAlive);
});

/**
 * Two tabs that share a session through the channel, each with storage of its own that the other
 * never writes: what a tab reads from storage right after the lock is granted is always stale, as
 * Chromium's `localStorage` sometimes is (rotationMarks.ts).
 */
async function twoTabs(storageKey: string) {
  const clock = createManualClock();
  const { backend, state } = fakeBackend(clock);
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const a = createAuthClient({
    baseUrl,
    // The first tab's refresh waits until the test lets it go, so that the second tab is
    // certainly waiting for the lock meanwhile.
    backend: { ...backend, refresh: async (...args) => held.then(() => backend.refresh(...args)) },
    storage: memoryStorage(),
    clock,
    crossTab: true,
    storageKey,
  });
  const timers = manualTimers();
  const b = createAuthClient({
    baseUrl,
    backend,
    storage: memoryStorage(),
    clock,
    crossTab: true,
    storageKey,
    lockTimeoutMs: LOCK_TIMEOUT_MS,
    timers: timers.timers,
  });
  const signedIn = nextEvent(b, 'signed-in');
  await a.login(ada);
  await signedIn;
  return { a, b, clock, state, release, timers, lock: `baton:${storageKey}` };
}

test("a tab granted the lock before the other tab's new session arrives waits for it instead of refreshing again", {
  timeout: 10_000,
}, async () => {
  const { a, b, clock, state, release, lock } = await twoTabs(`race-${process.pid}`);
  clock.advance(61_000);
  const first = a.getAccessToken();
  await until(() => locks.holds(lock), 'the first tab holds the lock', 1000);
  const second = b.getAccessToken();
  await until(() => locks.waiting(lock) === 1, 'the second tab waits for the lock', 1000);
  release();
  const [tokenA, tokenB] = await Promise.all([first, second]);
  assert.equal(tokenB, tokenA);
  assert.equal(state.refreshCalls, 1, "the second tab waited for the first tab's session");
  a.dispose();
  b.dispose();
});

test('a rotation whose news never arrives delays the refresh by the lock timeout, no longer', {
  timeout: 10_000,
}, async () => {
  const { a, b, clock, state, timers } = await twoTabs(`lost-${process.pid}`);
  const session = b.session;
  assert.ok(session);
  // A tab that rotated the token and vanished before its message went out. Its mark stays, and
  // this tab marks the same token when it refreshes: marks are shared, so that never waits.
  const marks = createRotationMarks({
    prefix: `baton:lost-${process.pid}`,
    locks,
    holdMs: LOCK_TIMEOUT_MS,
    timers: manualTimers().timers,
  });
  await marks.mark(session.refreshToken);
  a.dispose();
  clock.advance(61_000);
  const token = b.getAccessToken();
  await until(() => timers.pending().includes(LOCK_TIMEOUT_MS), 'the wait for news is armed', 1000);
  assert.equal(state.refreshCalls, 0, 'it waits for the news first');
  timers.fire((delayMs) => delayMs === LOCK_TIMEOUT_MS);
  assert.notEqual(await token, session.accessToken);
  assert.equal(state.refreshCalls, 1);
  marks.close();
  b.dispose();
});

test('a mark lasts the lock timeout; close() drops marks and takes no more', {
  timeout: 10_000,
}, async () => {
  const { timers, pending, fire } = manualTimers();
  const marks = createRotationMarks({ prefix: 'baton:marks', locks, holdMs: LOCK_TIMEOUT_MS, timers });
  await marks.mark('rt_1');
  await marks.mark('rt_2');
  assert.equal(await marks.isMarked('rt_1'), true);
  assert.equal(await marks.isMarked('rt_3'), false);
  const names = (await locks.query?.())?.held?.map((each) => each.name) ?? [];
  assert.ok(
    names.every((name) => !name?.includes('rt_')),
    'lock names carry a fingerprint, not the token',
  );
  assert.deepEqual(pending(), [LOCK_TIMEOUT_MS, LOCK_TIMEOUT_MS]);
  fire(() => true);
  await turn();
  assert.equal(await marks.isMarked('rt_1'), false, 'a mark ends after holdMs');

  await marks.mark('rt_4');
  marks.close();
  await marks.mark('rt_5');
  await turn();
  assert.equal(await marks.isMarked('rt_4'), false);
  assert.equal(await marks.isMarked('rt_5'), false);
});

test('a server that hands the same refresh token back is refreshed again without waiting', {
  timeout: 10_000,
}, async () => {
  const clock = createManualClock();
  const { backend, state } = fakeBackend(clock);
  const client = createAuthClient({
    baseUrl,
    // djoser without ROTATE_REFRESH_TOKENS: a new access token, the same refresh token.
    backend: {
      ...backend,
      refresh: async (context, refreshToken) => ({
        ...(await backend.refresh(context, refreshToken)),
        refreshToken,
      }),
    },
    storage: memoryStorage(),
    clock,
    crossTab: true,
    storageKey: `same-${process.pid}`,
    timers: manualTimers().timers,
  });
  await client.login(ada);
  for (const expected of [1, 2]) {
    clock.advance(61_000);
    void client.getAccessToken();
    await until(() => state.refreshCalls === expected, `refresh ${expected} without waiting`, 1000);
  }
  client.dispose();
});

/** One turn of the event loop: every promise chain already started has settled. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
