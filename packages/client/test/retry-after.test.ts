import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { retryAfterOf } from '../src/backends/http.js';
import { createAuthClient, memoryStorage, RefreshUnavailableError, retryDelayAfter } from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { nextEvent } from './support/events.js';
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
