import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  batonBackend,
  createAuthClient,
  memoryStorage,
  oauth2Backend,
  SessionExpiredError,
} from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { recordEvents, typesOf } from './support/events.js';

describe("oauth2Backend against Baton's own /oauth/token", () => {
  let server: BatonTestServer;
  before(async () => {
    server = await startBaton({ accessTtl: 60 });
  });
  after(() => server.close());

  /** Accounts are created through Baton's API: RFC 6749 has no registration. */
  async function account() {
    const credentials = newAccount();
    const registrar = createAuthClient({
      baseUrl: server.url,
      storage: memoryStorage(),
      backend: batonBackend(),
    });
    await registrar.register(credentials);
    registrar.dispose();
    return credentials;
  }

  const client = () =>
    createAuthClient({
      baseUrl: server.url,
      storage: memoryStorage(),
      backend: oauth2Backend({ tokenEndpoint: '/oauth/token', revocationEndpoint: '/oauth/revoke' }),
    });

  test('password grant, then 100 parallel requests after expiry share one refresh_token grant', async () => {
    const auth = client();
    await auth.login(await account());
    assert.equal((await auth.fetch(`${server.url}/todos`)).status, 200);
    const events = recordEvents(auth);
    server.clock.advance(61_000);
    const before = server.count('/oauth/token');
    const responses = await Promise.all(Array.from({ length: 100 }, () => auth.fetch(`${server.url}/todos`)));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.count('/oauth/token') - before, 1);
    assert.deepEqual(typesOf(events), ['initial-session', 'refreshed']);
    auth.dispose();
  });

  test('logout revokes the refresh token at /oauth/revoke; a copy of it is dead', async () => {
    const auth = client();
    await auth.login(await account());
    const stolen = auth.session?.refreshToken;
    assert.ok(stolen);
    await auth.logout();
    assert.equal(server.count('/oauth/revoke') > 0, true);
    const replay = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stolen }),
    });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
    auth.dispose();
  });

  test('a dead refresh token signs out once and rejects with SessionExpiredError', async () => {
    const auth = client();
    await auth.login(await account());
    const events = recordEvents(auth);
    // Another party ends the session (e.g. "sign out everywhere" on another device).
    await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: auth.session?.refreshToken ?? '' }),
    });
    server.clock.advance(61_000);
    await assert.rejects(auth.fetch(`${server.url}/todos`), SessionExpiredError);
    assert.deepEqual(
      typesOf(events),
      ['initial-session', 'signed-out:refresh_failed'],
      'RFC 6749 says only invalid_grant',
    );
    assert.equal(auth.session, null);
    auth.dispose();
  });
});
