import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, startServer, type TestServer } from './support/server.js';

const DAY = 86_400_000;
const refresh = (server: TestServer, refreshToken: string) =>
  server.request('POST', '/auth/refresh', { body: { refreshToken } });

describe('spent refresh tokens are kept for the refresh idle lifetime, then deleted', () => {
  let server: TestServer;
  before(async () => {
    // The defaults: 30 days idle, 180 days absolute.
    server = await startServer({ rateLimits: false });
  });
  after(async () => {
    await server.close();
  });

  it('a token spent more than 30 days ago is gone after the sweep: refused, and its session lives on', async () => {
    const { refreshToken: first } = await registerUser(server);
    const second = (await refresh(server, first)).body.refreshToken;
    server.clock.advance(20 * DAY);
    const third = (await refresh(server, second)).body.refreshToken;
    server.clock.advance(11 * DAY);
    await server.app.baton.sweep({ retention: true });

    const stale = await refresh(server, first);
    assert.equal(stale.status, 401);
    assert.equal(stale.body.code, 'invalid_refresh_token', 'unknown now, not reuse');
    const live = await refresh(server, third);
    assert.equal(live.status, 200, 'the session was not ended by the stale token');

    // A token spent 11 days ago is still kept: presenting it again is reuse, and ends the session.
    const reuse = await refresh(server, second);
    assert.equal(reuse.body.code, 'refresh_token_reused');
    assert.equal((await refresh(server, live.body.refreshToken)).body.code, 'session_revoked');
  });
});
