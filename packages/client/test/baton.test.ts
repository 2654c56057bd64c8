import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthError,
  createAuthClient,
  memoryStorage,
  NetworkError,
  RefreshUnavailableError,
  SessionExpiredError,
} from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { recordEvents, typesOf } from './support/events.js';
import { startHeaderRecorder } from './support/headerRecorder.js';

const ACCESS_TTL = 60;
const PAST_EXPIRY_MS = (ACCESS_TTL + 1) * 1000;

describe('against a real Baton server', () => {
  let server: BatonTestServer;
  before(async () => {
    server = await startBaton({ accessTtl: ACCESS_TTL });
  });
  after(() => server.close());

  /** A signed-in client; `sharedClock` lets the client see the server's time travel. */
  async function signedInClient(options: { sharedClock?: boolean } = {}) {
    const storage = memoryStorage();
    const client = createAuthClient({
      baseUrl: server.url,
      storage,
      ...(options.sharedClock ? { clock: server.clock } : {}),
    });
    await client.register(newAccount());
    return { client, storage, events: recordEvents(client) };
  }

  const todos = () => `${server.url}/todos`;

  test('100 parallel requests rejected with 401 share exactly one refresh and all succeed', async () => {
    const { client, events } = await signedInClient();
    // Only the server moves: the client learns of the expiry from the 401s.
    server.clock.advance(PAST_EXPIRY_MS);
    const refreshesBefore = server.count('/auth/refresh');
    const responses = await Promise.all(Array.from({ length: 100 }, () => client.fetch(todos())));
    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    assert.equal(server.count('/auth/refresh') - refreshesBefore, 1);
    assert.deepEqual(typesOf(events), ['initial-session', 'refreshed']);
    client.dispose();
  });

  test('100 parallel requests with a token known to be expired refresh once before sending', async () => {
    const { client } = await signedInClient({ sharedClock: true });
    server.clock.advance(PAST_EXPIRY_MS);
    const start = server.log.length;
    const responses = await Promise.all(Array.from({ length: 100 }, () => client.fetch(todos())));
    assert.ok(responses.every((response) => response.status === 200));
    const paths = server.log.slice(start).map((entry) => entry.path);
    assert.equal(paths.filter((path) => path === '/auth/refresh').length, 1);
    assert.equal(paths.filter((path) => path === '/todos').length, 100, 'no request needed a retry');
    client.dispose();
  });

  test('a dead refresh token signs out once, clears storage and sends nothing more', async () => {
    const { client, storage, events } = await signedInClient();
    const { refreshToken } = client.session!;
    // The session dies elsewhere (e.g. "sign out everywhere" on another device).
    await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    server.clock.advance(PAST_EXPIRY_MS);
    const refreshesBefore = server.count('/auth/refresh');
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => client.fetch(todos())));
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof SessionExpiredError);
      assert.equal(result.reason.code, 'session_expired');
    }
    const refreshAt = server.log.findLastIndex((entry) => entry.path === '/auth/refresh');
    assert.equal(server.count('/auth/refresh') - refreshesBefore, 1);
    assert.deepEqual(server.log.slice(refreshAt + 1), [], 'no request after the refused refresh');
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:revoked']);
    assert.equal(client.session, null);
    assert.equal(await storage.get('baton.session'), null);
    assert.equal(await client.getAccessToken(), null);
    client.dispose();
  });

  test('a reused refresh token ends the session with reason "reused"', async () => {
    const { client, events } = await signedInClient({ sharedClock: true });
    const { refreshToken } = client.session!;
    // Someone else (an attacker with a stolen copy) rotates first; past the grace window the
    // client's copy counts as reuse.
    const stolen = await fetch(`${server.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    assert.equal(stolen.status, 200);
    server.clock.advance(PAST_EXPIRY_MS);
    await assert.rejects(client.getAccessToken(), SessionExpiredError);
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:reused']);
    client.dispose();
  });

  test('a network failure during refresh keeps the session, surfaces the error and reports the outage and its end', async () => {
    const { client, events } = await signedInClient({ sharedClock: true });
    const { port, dataDir, clock } = server;
    await server.stop();
    clock.advance(PAST_EXPIRY_MS);
    await assert.rejects(client.fetch(todos()), RefreshUnavailableError);
    await assert.rejects(client.getAccessToken(), (error: unknown) => {
      assert.ok(error instanceof RefreshUnavailableError);
      assert.equal(error.code, 'refresh_unavailable');
      assert.ok(error.cause instanceof NetworkError, 'the cause says what failed');
      assert.equal(error.cause.code, 'network_error');
      return true;
    });
    assert.notEqual(client.session, null);
    assert.deepEqual(typesOf(events), ['initial-session', 'refresh-unavailable'], 'one event per outage');
    server = await startBaton({ accessTtl: ACCESS_TTL, port, dataDir, clock });
    const response = await client.fetch(todos());
    assert.equal(response.status, 200);
    assert.deepEqual(typesOf(events), [
      'initial-session',
      'refresh-unavailable',
      'refreshed',
      'refresh-recovered',
    ]);
    client.dispose();
  });

  test('the bearer goes to the backend origin only, never to another origin or the refresh call', async () => {
    const foreign = await startHeaderRecorder();
    try {
      const { client } = await signedInClient({ sharedClock: true });
      assert.equal(client.isAllowedUrl(todos()), true);
      assert.equal(client.isAllowedUrl(`${foreign.url}/steal`), false);
      const response = await client.fetch(`${foreign.url}/steal`, { headers: { 'x-probe': '1' } });
      assert.equal(response.status, 401, 'a foreign 401 is returned as is, without a refresh');
      // A Request object and a stream body take another path (they can be sent once only).
      await client.fetch(new Request(`${foreign.url}/steal`, { headers: { 'x-probe': '2' } }));
      await client.fetch(`${foreign.url}/steal`, {
        method: 'POST',
        body: new Blob(['stream']).stream(),
        duplex: 'half',
        headers: { 'x-probe': '3' },
      } as RequestInit);
      assert.deepEqual(
        foreign.requests.map((headers) => [headers['x-probe'], headers.authorization]),
        [
          ['1', undefined],
          ['2', undefined],
          ['3', undefined],
        ],
      );

      const start = server.log.length;
      server.clock.advance(PAST_EXPIRY_MS);
      assert.equal((await client.fetch(todos())).status, 200);
      const seen = server.log.slice(start);
      assert.equal(seen.find((entry) => entry.path === '/auth/refresh')?.authorization, undefined);
      assert.match(seen.find((entry) => entry.path === '/todos')?.authorization ?? '', /^Bearer /);
      assert.equal((await client.fetch(new Request(todos()))).status, 200, 'a Request object gets it too');
      assert.match(server.log.at(-1)?.authorization ?? '', /^Bearer /);
      client.dispose();
    } finally {
      await foreign.close();
    }
  });

  test('a device clock an hour off still refreshes at the right moment', async () => {
    for (const offset of [3_600_000, -3_600_000]) {
      const storage = memoryStorage();
      const client = createAuthClient({
        baseUrl: server.url,
        storage,
        clock: { now: () => server.clock.now() + offset },
      });
      await client.login(await registered());
      const first = await client.getAccessToken();
      const refreshes = server.count('/auth/refresh');
      assert.equal(await client.getAccessToken(), first, 'a fresh token is not refreshed');
      assert.equal((await client.fetch(todos())).status, 200);
      server.clock.advance(PAST_EXPIRY_MS);
      const start = server.log.length;
      assert.equal((await client.fetch(todos())).status, 200);
      assert.equal(server.count('/auth/refresh'), refreshes + 1);
      assert.deepEqual(
        server.log.slice(start).map((entry) => entry.path),
        ['/auth/refresh', '/todos'],
        'refreshed before sending, no 401',
      );
      client.dispose();
    }
  });

  test('a restarted client restores the stored session and tells each listener with initial-session', async () => {
    const { client, storage } = await signedInClient();
    client.dispose();
    const again = createAuthClient({ baseUrl: server.url, storage });
    const early = recordEvents(again);
    await again.ready;
    const late = recordEvents(again);
    for (const events of [early, late]) {
      assert.deepEqual(events, [{ type: 'initial-session', session: again.session }]);
    }
    assert.notEqual(again.session, null);
    assert.equal(again.session?.refreshToken, client.session?.refreshToken);
    assert.equal((await again.fetch(todos())).status, 200);
    again.dispose();
  });

  test('logout revokes the refresh token on the server and emits signed-out "logout"', async () => {
    const { client, storage, events } = await signedInClient();
    const { refreshToken } = client.session!;
    await client.logout();
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:logout']);
    assert.equal(await storage.get('baton.session'), null);
    const refused = await fetch(`${server.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    assert.equal(refused.status, 401);
    await client.logout();
    assert.equal(events.length, 2, 'a second logout is a no-op');
    client.dispose();
  });

  test('logoutAll ends the other sessions of the user', async () => {
    const account = await registered();
    const phone = createAuthClient({ baseUrl: server.url, storage: memoryStorage(), clock: server.clock });
    const laptop = createAuthClient({ baseUrl: server.url, storage: memoryStorage(), clock: server.clock });
    await phone.login(account);
    await laptop.login(account);
    const phoneEvents = recordEvents(phone);
    await laptop.logoutAll();
    assert.equal(laptop.session, null);
    server.clock.advance(PAST_EXPIRY_MS);
    await assert.rejects(phone.fetch(todos()), SessionExpiredError);
    assert.deepEqual(typesOf(phoneEvents), ['initial-session', 'signed-out:revoked']);
    phone.dispose();
    laptop.dispose();
  });

  test('login and register failures carry the server code', async () => {
    const client = createAuthClient({ baseUrl: server.url, storage: memoryStorage() });
    const account = await registered();
    await assert.rejects(client.login({ ...account, password: 'not the password' }), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'invalid_credentials');
      assert.equal(error.status, 401);
      return true;
    });
    await assert.rejects(client.register(account), { code: 'email_taken', status: 409 });
    await assert.rejects(client.login({ email: 'x' } as never), TypeError);
    assert.equal(client.session, null);
    client.dispose();
  });

  async function registered() {
    const account = newAccount();
    const response = await fetch(`${server.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    assert.equal(response.status, 201);
    return account;
  }
});
