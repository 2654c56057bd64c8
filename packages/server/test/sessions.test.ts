import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

describe('sessions', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('lists the live sessions of the user, marking the current one', async () => {
    const first = await registerUser(server);
    await server.request('POST', '/auth/login', {
      body: { email: first.email, password: GOOD_PASSWORD },
      headers: { 'user-agent': 'PhoneApp/1.0' },
    });
    const response = await server.request('GET', '/auth/sessions', { token: first.accessToken });
    assert.equal(response.status, 200);
    assert.equal(response.body.length, 2);
    const current = response.body.filter((session: { current: boolean }) => session.current);
    assert.equal(current.length, 1);
    const phone = response.body.find(
      (session: { userAgent: string }) => session.userAgent === 'PhoneApp/1.0',
    );
    assert.ok(phone);
    assert.equal(phone.ip, '127.0.0.1');
    for (const key of ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'userAgent', 'ip', 'current']) {
      assert.ok(key in phone, key);
    }
  });

  it('needs a bearer token', async () => {
    const response = await server.request('GET', '/auth/sessions');
    assert.equal(response.status, 401);
  });

  it('revokes one session: 204, it disappears and its refresh token dies', async () => {
    const first = await registerUser(server);
    const phone = await server.request('POST', '/auth/login', {
      body: { email: first.email, password: GOOD_PASSWORD },
    });
    const list = await server.request('GET', '/auth/sessions', { token: first.accessToken });
    const other = list.body.find((session: { current: boolean }) => !session.current);
    const revoked = await server.request('DELETE', `/auth/sessions/${other.id}`, {
      token: first.accessToken,
    });
    assert.equal(revoked.status, 204);
    const after = await server.request('GET', '/auth/sessions', { token: first.accessToken });
    assert.equal(after.body.length, 1);
    const refresh = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: phone.body.refreshToken },
    });
    assert.equal(refresh.body.code, 'session_revoked');
    const again = await server.request('DELETE', `/auth/sessions/${other.id}`, { token: first.accessToken });
    assert.equal(again.status, 404);
  });

  it("answers 404 not_found for another user's session, and leaves it alive", async () => {
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const bobs = await server.request('GET', '/auth/sessions', { token: bob.accessToken });
    const response = await server.request('DELETE', `/auth/sessions/${bobs.body[0].id}`, {
      token: alice.accessToken,
    });
    assert.equal(response.status, 404);
    assert.equal(response.body.code, 'not_found');
    const missing = await server.request('DELETE', '/auth/sessions/does-not-exist', {
      token: alice.accessToken,
    });
    assert.equal(missing.status, 404);
    const refresh = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: bob.refreshToken },
    });
    assert.equal(refresh.status, 200);
  });
});

describe('ending a session takes effect at once on the API', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it("a revoked device's access token is refused on its next call", async () => {
    const laptop = await registerUser(server);
    const phone = await server.request('POST', '/auth/login', {
      body: { email: laptop.email, password: GOOD_PASSWORD },
    });
    assert.equal((await server.request('GET', '/todos', { token: phone.body.accessToken })).status, 200);
    const list = await server.request('GET', '/auth/sessions', { token: laptop.accessToken });
    const phoneSession = list.body.find((session: { current: boolean }) => !session.current);
    await server.request('DELETE', `/auth/sessions/${phoneSession.id}`, { token: laptop.accessToken });
    const refused = await server.request('GET', '/todos', { token: phone.body.accessToken });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'invalid_token');
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal(
      (await server.request('GET', '/todos', { token: laptop.accessToken })).status,
      200,
      'others unaffected',
    );
  });

  it('logout and logout-all refuse the ended sessions’ access tokens at once', async () => {
    const first = await registerUser(server);
    const second = await server.request('POST', '/auth/login', {
      body: { email: first.email, password: GOOD_PASSWORD },
    });
    await server.request('POST', '/auth/logout', { body: { refreshToken: second.body.refreshToken } });
    assert.equal((await server.request('GET', '/auth/me', { token: second.body.accessToken })).status, 401);
    assert.equal((await server.request('GET', '/auth/me', { token: first.accessToken })).status, 200);
    await server.request('POST', '/auth/logout-all', { token: first.accessToken });
    assert.equal((await server.request('GET', '/auth/me', { token: first.accessToken })).status, 401);
  });

  it('a password change cuts the other devices at once, even one whose session was just found live', async () => {
    const phone = await registerUser(server);
    const laptop = await server.request('POST', '/auth/login', {
      body: { email: phone.email, password: GOOD_PASSWORD },
    });
    const todos = (token: string) => server.request('GET', '/todos', { token });
    assert.equal(
      (await todos(laptop.body.accessToken)).status,
      200,
      'the laptop is now known live for a second',
    );
    const changed = await server.request('POST', '/auth/password', {
      token: phone.accessToken,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'a brand new passphrase' },
    });
    assert.equal(changed.status, 204);
    // No clock move: within the second the laptop's session would still be remembered as live.
    assert.equal((await todos(laptop.body.accessToken)).status, 401);
    assert.equal((await todos(phone.accessToken)).status, 200, 'the device that changed it stays');
  });
});
