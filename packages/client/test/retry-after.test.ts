import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '@baton/server';
import { retryAfterOf } from '../src/backends/http.js';
import {
  AuthError,
  createAuthClient,
  memoryStorage,
  RefreshUnavailableError,
  retryDelayAfter,
} from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { nextEvent } from './support/events.js';
import { fakeBackend } from './support/fakeBackend.js';
import { manualTimers } from './support/manualTimers.js';

describe('Retry-After: the client waits as long as the server asked', () => {
  let server: BatonTestServer;
  before(async () => {
    server = await startBaton({ accessTtl: 60, rateLimits: true });
  });
  after(() => server.close());

  /** Spends the user's refreshes of this minute (120) on a second session, from another device. */
  async function spendRefreshesOf(account: { email: string; password: string }) {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(new URL(path, server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { refreshToken: string } };
    };
    let { refreshToken } = (await post('/auth/login', account)).body;
    for (;;) {
      const answer = await post('/auth/refresh', { refreshToken });
      if (answer.status === 429) return;
      assert.equal(answer.status, 200);
      refreshToken = answer.body.refreshToken;
    }
  }

  test('a background refresh refused with 429 is tried again no sooner than Retry-After, and then succeeds', async () => {
    const { timers, pending, fire } = manualTimers();
    const auth = createAuthClient({
      baseUrl: server.url,
      storage: memoryStorage(),
      clock: server.clock,
      timers,
    });
    const account = newAccount();
    await auth.register(account);
    await spendRefreshesOf(account);

    const unavailable = nextEvent(auth, 'refresh-unavailable');
    assert.deepEqual(pending(), [30_000], 'only the proactive refresh is planned');
    fire(() => true);
    const event = await unavailable;
    assert.ok(event.type === 'refresh-unavailable');
    assert.ok(event.error instanceof RefreshUnavailableError);
    assert.equal(event.error.status, 429);
    const asked = event.error.retryAfterMs;
    assert.ok(asked !== undefined && asked >= 1000, `the server's Retry-After reached the error (${asked})`);

    const [retry, ...others] = pending();
    assert.ok(retry !== undefined && others.length === 0, 'one retry is planned, and nothing else');
    assert.ok(
      retry >= asked && retry <= asked * 1.25,
      `the retry waits ${retry} ms: at least the ${asked} ms asked for, not the 1 s back-off`,
    );

    // The retry's own moment (the server's wait, at most a quarter more): the limit has room again.
    server.clock.advance(retry);
    // The failed refresh reported its failure before it let go of its single flight and lock.
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    const recovered = nextEvent(auth, 'refresh-recovered');
    fire(() => true);
    await recovered;
    auth.dispose();
  });
});

test('Retry-After is read as seconds, or as a date against the answer’s own Date header', () => {
  const serverDate = Date.parse('Sat, 05 Dec 2026 14:00:00 GMT');
  assert.equal(retryAfterOf('5', serverDate), 5000);
  assert.equal(retryAfterOf(' 120 ', Number.NaN), 120_000);
  assert.equal(retryAfterOf('Sat, 05 Dec 2026 14:00:30 GMT', serverDate), 30_000);
  assert.equal(retryAfterOf('Sat, 05 Dec 2026 13:59:00 GMT', serverDate), 0, 'a date past is now');
  assert.equal(
    retryAfterOf('Sat, 05 Dec 2026 14:00:30 GMT', Number.NaN),
    undefined,
    'no Date to measure from',
  );
  assert.equal(retryAfterOf('soon', serverDate), undefined);
  assert.equal(retryAfterOf(null, serverDate), undefined);
});

test('a retry waits for the back-off or the server’s wait, whichever is later, capped at a minute, jittered upwards', () => {
  const neutral = () => 0;
  assert.equal(retryDelayAfter(1, undefined, neutral), 750, 'no Retry-After: the back-off alone');
  assert.equal(retryDelayAfter(1, 5000, neutral), 5000, 'the server asked for more than the back-off');
  assert.equal(retryDelayAfter(1, 5000, () => 0.999_999) < 5000 * 1.25, true);
  assert.equal(retryDelayAfter(1, 5000, () => 0.999_999) > 5000 * 1.249, true, 'later, never sooner');
  assert.equal(retryDelayAfter(7, 5000, neutral), 45_000, 'the back-off is longer');
  assert.equal(retryDelayAfter(1, 3_600_000, neutral), 60_000, 'an hour is capped at a minute');
});

test('while the Retry-After of a refused refresh lasts, requests send no refresh: the current token while it works, then RefreshUnavailableError with the wait left', async () => {
  const clock = createManualClock();
  const { backend, state } = fakeBackend(clock);
  let busy = true;
  const { timers, pending } = manualTimers();
  const sent: string[] = [];
  const auth = createAuthClient({
    baseUrl: 'http://127.0.0.1:9',
    backend: {
      ...backend,
      refresh: async (context, refreshToken) => {
        if (!busy) return backend.refresh(context, refreshToken);
        state.refreshCalls += 1;
        throw new AuthError('rate_limited', 'Too many requests.', { status: 429, retryAfterMs: 30_000 });
      },
    },
    storage: memoryStorage(),
    clock,
    timers,
    fetch: async (_input, init) => {
      sent.push(new Headers(init?.headers).get('authorization') ?? '');
      return new Response('ok');
    },
  });
  const { accessToken } = await auth.login({ email: 'ada@example.com', password: 'correct horse battery' });
  const todos = 'http://127.0.0.1:9/todos';

  clock.advance(45_000); // inside the 30 s lead: due, and valid for 15 s more
  for (let request = 0; request < 10; request++) {
    assert.equal((await auth.fetch(todos)).status, 200);
    clock.advance(500);
  }
  assert.equal(state.refreshCalls, 1, 'one refresh; the other requests waited as the server asked');
  assert.deepEqual(new Set(sent), new Set([`Bearer ${accessToken}`]), 'the current token still works');
  assert.ok(
    pending().every((delayMs) => delayMs >= 30_000),
    'the background retry waits as well',
  );

  clock.advance(11_000); // 16 s after the refusal: the token has expired, 14 s of the wait remain
  await assert.rejects(auth.getAccessToken(), { name: 'RefreshUnavailableError', retryAfterMs: 14_000 });
  await assert.rejects(auth.fetch(todos), RefreshUnavailableError);
  await assert.rejects(auth.recoverFromUnauthorized(accessToken), { retryAfterMs: 14_000 });
  await auth.resume();
  assert.equal(state.refreshCalls, 1, 'nor do resume() and a 401 send one');

  busy = false;
  clock.advance(14_000);
  assert.notEqual(await auth.getAccessToken(), accessToken, 'once the wait is over, a request refreshes');
  assert.equal(state.refreshCalls, 2);
  auth.dispose();
});
