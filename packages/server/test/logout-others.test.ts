import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

describe('POST /auth/logout-others', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('ends every other session of the user at once and keeps this one', async () => {
    const laptop = await registerUser(server);
    const login = () =>
      server.request('POST', '/auth/login', { body: { email: laptop.email, password: GOOD_PASSWORD } });
    const phone = (await login()).body;
    const tablet = (await login()).body;
    const stranger = await registerUser(server);

    const answer = await server.request('POST', '/auth/logout-others', { token: laptop.accessToken });
    assert.equal(answer.status, 204);

    for (const other of [phone, tablet]) {
      // Refused at once, without waiting for the access token to expire.
      assert.equal((await server.request('GET', '/auth/me', { token: other.accessToken })).status, 401);
      const refresh = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: other.refreshToken },
      });
      assert.equal(refresh.status, 401);
      assert.equal(refresh.body.code, 'session_revoked');
    }
    assert.equal((await server.request('GET', '/auth/me', { token: laptop.accessToken })).status, 200);
    const refreshed = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: laptop.refreshToken },
    });
    assert.equal(refreshed.status, 200);
    const sessions = await server.request('GET', '/auth/sessions', { token: refreshed.body.accessToken });
    assert.deepEqual(
      sessions.body.map((session: { current: boolean }) => session.current),
      [true],
    );
    assert.equal((await server.request('GET', '/auth/me', { token: stranger.accessToken })).status, 200);

    const [event] = await server.app.baton.store.listAudit({
      userId: laptop.user.id,
      kind: 'sessions_revoked_all',
    });
    assert.equal(event?.detail?.count, 2);
    assert.equal(event?.sessionId, sessions.body[0].id);
  });

  it('needs a bearer token of a live session', async () => {
    const answer = await server.request('POST', '/auth/logout-others');
    assert.equal(answer.status, 401);
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer /);
  });
});
