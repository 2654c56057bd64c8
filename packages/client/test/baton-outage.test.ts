import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AuthClientOptions,
  AuthError,
  createAuthClient,
  memoryStorage,
  NetworkError,
  RefreshUnavailableError,
} from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { recordEvents, typesOf } from './support/events.js';
import { manualTimers } from './support/manualTimers.js';
import { stallingProxy } from './support/stallingProxy.js';
import { until } from './support/until.js';

const ACCESS_TTL = 60;
const PAST_EXPIRY_MS = (ACCESS_TTL + 1) * 1000;
/** A delay no other timer of the client uses, to tell the refresh deadline apart. */
const REFRESH_TIMEOUT_MS = 12_345;

describe('when the server fails: outages, hung requests, sign-outs it did not confirm', () => {
  let server: BatonTestServer;
  before(async () => {
    server = await startBaton({ accessTtl: ACCESS_TTL });
  });
  after(() => server.close());

  function client(options: Partial<AuthClientOptions> = {}) {
    return createAuthClient({
      baseUrl: server.url,
      storage: memoryStorage(),
      clock: server.clock,
      ...options,
    });
  }

  /** Stops the server, runs `during`, and starts it again on the same port and data. */
  async function outage(during: () => Promise<void>): Promise<void> {
    const { port, dataDir, clock } = server;
    await server.stop();
    try {
      await during();
    } finally {
      server = await startBaton({ accessTtl: ACCESS_TTL, port, dataDir, clock });
    }
  }

  test('a login while the server is unreachable fails with NetworkError, code network_error', async () => {
    const auth = client();
    await outage(async () => {
      await assert.rejects(auth.login(newAccount()), (error: unknown) => {
        assert.ok(error instanceof NetworkError);
        assert.ok(error instanceof AuthError);
        assert.equal(error.code, 'network_error');
        assert.ok(error.cause instanceof Error, 'the platform error is kept as the cause');
        return true;
      });
    });
    assert.equal(auth.session, null);
    auth.dispose();
  });

  test('sign out everywhere that the server did not confirm keeps this device signed in', async () => {
    const account = newAccount();
    const laptop = client();
    const phone = client();
    await laptop.register(account);
    await phone.login(account);
    const events = recordEvents(laptop);
    await outage(async () => {
      await assert.rejects(laptop.logoutAll(), NetworkError);
    });
    assert.notEqual(laptop.session, null, 'still signed in here');
    assert.deepEqual(typesOf(events), ['initial-session'], 'no signed-out event');
    assert.equal((await phone.fetch(`${server.url}/todos`)).status, 200, 'and the other device too');

    await laptop.logoutAll();
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:logout']);
    await assert.rejects(phone.fetch(`${server.url}/auth/me`), { code: 'session_expired' });
    laptop.dispose();
    phone.dispose();
  });

  test('logout({ scope: "others" }) ends the other devices and keeps this one', async () => {
    const account = newAccount();
    const [laptop, phone, tablet] = [client(), client(), client()];
    await laptop.register(account);
    await phone.login(account);
    await tablet.login(account);
    const laptopEvents = recordEvents(laptop);
    const phoneEvents = recordEvents(phone);

    await laptop.logout({ scope: 'others' });
    assert.deepEqual(typesOf(laptopEvents), ['initial-session']);
    assert.equal((await laptop.fetch(`${server.url}/auth/me`)).status, 200);
    // Immediately: the other devices' access tokens are refused and their refresh ends them.
    await assert.rejects(phone.fetch(`${server.url}/auth/me`), { code: 'session_expired' });
    assert.deepEqual(typesOf(phoneEvents), ['initial-session', 'signed-out:revoked']);
    await assert.rejects(tablet.getAccessToken().then(() => tablet.fetch(`${server.url}/todos`)));
    await assert.rejects(laptop.logout({ scope: 'everyone' as never }), TypeError);
    for (const each of [laptop, phone, tablet]) each.dispose();
  });

  test('a refresh with no answer within refreshTimeoutMs fails as a network failure; the session is kept', async () => {
    const { timers, fire, pending } = manualTimers();
    const auth = client({ timers, refreshTimeoutMs: REFRESH_TIMEOUT_MS });
    await auth.register(newAccount());
    const held = server.hold('/auth/refresh');
    try {
      server.clock.advance(PAST_EXPIRY_MS);
      const token = auth.getAccessToken();
      await held.arrivals(1);
      assert.ok(pending().includes(REFRESH_TIMEOUT_MS));
      fire((delay) => delay === REFRESH_TIMEOUT_MS);
      await assert.rejects(token, (error: unknown) => {
        assert.ok(error instanceof RefreshUnavailableError);
        assert.ok(error.cause instanceof NetworkError);
        assert.equal((error.cause.cause as Error).name, 'TimeoutError');
        return true;
      });
      assert.notEqual(auth.session, null);
    } finally {
      held.release();
      auth.dispose();
    }
  });

  test('a refresh whose answer stops after its headers fails at the same deadline; the session is kept', async () => {
    const proxy = await stallingProxy(server.url, '/auth/refresh');
    const { timers, fire, pending } = manualTimers();
    // Resolves once the client's fetch of the refresh has its status and headers.
    let headersIn: () => void = () => {};
    const refreshAnswered = new Promise<void>((resolve) => {
      headersIn = resolve;
    });
    const watchedFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/auth/refresh')) headersIn();
      return response;
    };
    const auth = client({
      baseUrl: proxy.url,
      fetch: watchedFetch,
      timers,
      refreshTimeoutMs: REFRESH_TIMEOUT_MS,
    });
    try {
      await auth.register(newAccount());
      server.clock.advance(PAST_EXPIRY_MS);
      const token = auth.getAccessToken();
      await refreshAnswered;
      // The client's own continuations after its fetch resolved (a macrotask runs after them all).
      await new Promise((resolve) => setImmediate(resolve));
      // The status and headers are in, the body is not: the deadline still runs.
      assert.ok(pending().includes(REFRESH_TIMEOUT_MS), 'the deadline covers the body');
      fire((delay) => delay === REFRESH_TIMEOUT_MS);
      await assert.rejects(token, (error: unknown) => {
        assert.ok(error instanceof RefreshUnavailableError);
        assert.ok(error.cause instanceof NetworkError);
        return true;
      });
      assert.notEqual(auth.session, null);
    } finally {
      auth.dispose();
      await proxy.close();
    }
  });

  test('no request to the server leaves its deadline armed once answered, so none keeps Node alive', async () => {
    const { timers, pending } = manualTimers();
    const auth = client({ timers, refreshTimeoutMs: REFRESH_TIMEOUT_MS });
    const account = newAccount();
    await auth.register(account);
    await auth.logout();
    await auth.login(account);
    server.clock.advance(PAST_EXPIRY_MS);
    await auth.getAccessToken();
    await assert.rejects(auth.login({ ...account, password: 'not the password' }), {
      code: 'invalid_credentials',
    });
    assert.deepEqual(pending(), [30_000], 'only the proactive refresh is armed');
    auth.dispose();
  });

  test('failed background refreshes retry after 1 s, doubling up to 60 s, jittered, until the server is back', async () => {
    const { timers, fire, pending } = manualTimers();
    const auth = client({ timers, refreshTimeoutMs: REFRESH_TIMEOUT_MS });
    await auth.register(newAccount());
    const events = recordEvents(auth);
    const scheduled = () => pending().filter((delay) => delay !== REFRESH_TIMEOUT_MS);
    assert.deepEqual(scheduled(), [30_000], 'the proactive refresh, 30 s before expiry');
    await outage(async () => {
      const expected = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000];
      for (const base of expected) {
        const before = scheduled()[0];
        fire((delay) => delay === before);
        await until(() => scheduled().length === 1 && scheduled()[0] !== before, 'the next retry is planned');
        const delay = scheduled()[0] ?? 0;

        assert.ok(delay >= base * 0.75 && delay < base * 1.25, `${delay} ms is ${base} ms ± 25 %`);
      }
    });
    assert.deepEqual(typesOf(events), ['initial-session', 'refresh-unavailable']);
    fire((delay) => delay !== REFRESH_TIMEOUT_MS);
    await until(() => events.length === 4, 'the refresh after the outage');
    assert.deepEqual(typesOf(events), [
      'initial-session',
      'refresh-unavailable',
      'refreshed',
      'refresh-recovered',
    ]);
    assert.equal(server.count('/auth/refresh'), 1, 'one refresh reached the restarted server');
    assert.deepEqual(scheduled(), [30_000], 'back to the proactive schedule');
    auth.dispose();
  });
});
