import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthError,
  createAuthClient,
  memoryStorage,
  oauth2Backend,
  SessionExpiredError,
} from '../src/index.js';
import { recordEvents, typesOf } from './support/events.js';
import { type OAuthTestServer, startOAuthServer } from './support/oauthServer.js';

const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };

describe('oauth2Backend against an RFC 6749 token endpoint', () => {
  let server: OAuthTestServer;
  before(async () => {
    server = await startOAuthServer({ accessTtl: 60 });
  });
  after(() => server.close());

  const client = () =>
    createAuthClient({
      baseUrl: server.url,
      storage: memoryStorage(),
      backend: oauth2Backend({
        tokenEndpoint: '/token',
        clientId: server.clientId,
        revocationEndpoint: '/revoke',
      }),
    });

  test('the password grant signs in and the bearer reaches the resource', async () => {
    const auth = client();
    const session = await auth.login(ada);
    assert.equal(session.user, null);
    assert.ok(session.accessExpiresAt > Date.now());
    assert.equal((await auth.fetch(`${server.url}/resource`)).status, 200);
    auth.dispose();
  });

  test('100 parallel requests after expiry use one refresh_token grant', async () => {
    const auth = client();
    await auth.login(ada);
    const events = recordEvents(auth);
    server.advance(61_000);
    const before = server.count('/token');
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => auth.fetch(`${server.url}/resource`)),
    );
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.count('/token') - before, 1);
    assert.deepEqual(typesOf(events), ['initial-session', 'refreshed']);
    auth.dispose();
  });

  test('invalid_grant on refresh signs out once with reason refresh_failed', async () => {
    const auth = client();
    await auth.login(ada);
    const events = recordEvents(auth);
    // Rotate the client's refresh token behind its back; its copy is now a reused token.
    const stolen = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: auth.session!.refreshToken,
        client_id: server.clientId,
      }),
    });
    assert.equal(stolen.status, 200);
    server.advance(61_000);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => auth.fetch(`${server.url}/resource`)),
    );
    assert.ok(
      results.every((result) => result.status === 'rejected' && result.reason instanceof SessionExpiredError),
    );
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:refresh_failed']);
    auth.dispose();
  });

  test('a request still refused after one refresh and retry is returned as is', async () => {
    const auth = client();
    await auth.login(ada);
    const before = server.count('/token');
    const response = await auth.fetch(`${server.url}/always-401`, { method: 'POST', body: 'payload' });
    assert.equal(response.status, 401);
    assert.equal(server.count('/always-401'), 2, 'sent, then retried once');
    assert.equal(server.count('/token') - before, 1);
    assert.notEqual(auth.session, null);
    auth.dispose();
  });

  test('after a refresh the retry re-sends the body, whatever form the request took', async () => {
    const auth = client();
    await auth.login(ada);
    const stream = () =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('streamed'));
          controller.close();
        },
      });
    const requests: [string, () => Promise<Response>][] = [
      ['string body', () => auth.fetch(`${server.url}/echo`, { method: 'POST', body: 'plain' })],
      [
        'Request object',
        () => auth.fetch(new Request(`${server.url}/echo`, { method: 'POST', body: 'boxed' })),
      ],
      [
        'stream body',
        () =>
          auth.fetch(`${server.url}/echo`, { method: 'POST', body: stream(), duplex: 'half' } as RequestInit),
      ],
    ];
    for (const [name, send] of requests) {
      server.advance(61_000);
      const before = server.count('/token');
      const response = await send();
      assert.equal(response.status, 200, name);
      assert.equal(server.count('/token') - before, 1, name);
      assert.match((await response.json()).body, /^(plain|boxed|streamed)$/, name);
    }
    auth.dispose();
  });

  test('a wrong password is invalid_credentials, with the RFC 6749 error code kept as serverCode', async () => {
    const auth = client();
    await assert.rejects(auth.login({ ...ada, password: 'nope' }), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'invalid_credentials');
      assert.equal(error.serverCode, 'invalid_grant');
      assert.equal(error.status, 400);
      return true;
    });
    await assert.rejects(auth.register(ada), { code: 'not_supported' });
    auth.dispose();
  });

  test('logout revokes the refresh token through RFC 7009', async () => {
    const auth = client();
    await auth.login(ada);
    const { refreshToken } = auth.session!;
    await auth.logout();
    const answer = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: server.clientId,
      }),
    });
    assert.equal(answer.status, 400);
    auth.dispose();
  });
});
