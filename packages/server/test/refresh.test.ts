import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';
import { hashRefreshToken, mintRefreshToken, openSuccessor } from '../src/tokens/refresh.js';
import { registerUser, startServer, type TestServer } from './support/server.js';

const refresh = (server: TestServer, refreshToken: string) =>
  server.request('POST', '/auth/refresh', { body: { refreshToken } });

describe('refresh rotation', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ refreshGrace: 10, refreshIdleTtl: 3600, sessionMaxAge: 4 * 3600 });
  });
  after(() => server.close());

  it('rotates: answers a new pair, and the new refresh token works', async () => {
    const { refreshToken, user } = await registerUser(server);
    const first = await refresh(server, refreshToken);
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refreshToken, refreshToken);
    assert.equal(first.body.user.id, user.id);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const me = await server.request('GET', '/auth/me', { token: first.body.accessToken });
    assert.equal(me.status, 200);
    const second = await refresh(server, first.body.refreshToken);
    assert.equal(second.status, 200);
  });

  it('refuses unknown and malformed tokens with 401 invalid_refresh_token', async () => {
    for (const token of ['brt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'garbage', 'brt_']) {
      const response = await refresh(server, token);
      assert.equal(response.status, 401, token);
      assert.equal(response.body.code, 'invalid_refresh_token', token);
    }
  });

  it('within the grace window, the same token presented again gets the same successor', async () => {
    const { refreshToken } = await registerUser(server);
    const first = await refresh(server, refreshToken);
    server.clock.advance(5_000);
    const again = await refresh(server, refreshToken);
    assert.equal(again.status, 200);
    assert.equal(again.body.refreshToken, first.body.refreshToken);
    const next = await refresh(server, again.body.refreshToken);
    assert.equal(next.status, 200);
  });

  it('two parallel refreshes with one token both succeed and leave exactly one live session', async () => {
    const { refreshToken, accessToken } = await registerUser(server);
    const [a, b] = await Promise.all([refresh(server, refreshToken), refresh(server, refreshToken)]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.body.refreshToken, b.body.refreshToken, 'both callers continue one chain');
    const sessions = await server.request('GET', '/auth/sessions', { token: accessToken });
    assert.equal(sessions.body.length, 1);
    const next = await refresh(server, a.body.refreshToken);
    assert.equal(next.status, 200);
    server.clock.advance(11_000);
    const stale = await refresh(server, b.body.refreshToken);
    assert.equal(
      stale.body.code,
      'refresh_token_reused',
      'the shared successor is single-use like any other',
    );
  });

  it('reuse after the grace window revokes the family: 401 refresh_token_reused, and the successor is dead', async () => {
    const { refreshToken, user } = await registerUser(server);
    const rotated = await refresh(server, refreshToken);
    server.clock.advance(10_001);
    const reuse = await refresh(server, refreshToken);
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.code, 'refresh_token_reused');
    const successor = await refresh(server, rotated.body.refreshToken);
    assert.equal(successor.status, 401);
    assert.equal(successor.body.code, 'session_revoked');
    const events = await server.app.baton.store.listAudit({
      userId: user.id,
      kind: 'refresh_reuse_detected',
    });
    assert.equal(events.length, 1);
  });

  it('a refresh token left unused past the idle lifetime answers 401 refresh_token_expired', async () => {
    const { refreshToken } = await registerUser(server);
    server.clock.advance(3600 * 1000 - 1000);
    const inTime = await refresh(server, refreshToken);
    assert.equal(inTime.status, 200, 'rotation just before the idle expiry works');
    assert.ok(inTime.body.refreshExpiresIn >= 3599);
    server.clock.advance(3600 * 1000);
    const late = await refresh(server, inTime.body.refreshToken);
    assert.equal(late.status, 401);
    assert.equal(late.body.code, 'refresh_token_expired');
  });

  it('no rotation extends a session past its absolute lifetime', async () => {
    let { refreshToken } = await registerUser(server);
    for (let hour = 0; hour < 3; hour++) {
      server.clock.advance(3500 * 1000);
      const rotated = await refresh(server, refreshToken);
      assert.equal(rotated.status, 200);
      refreshToken = rotated.body.refreshToken;
    }
    server.clock.advance(3500 * 1000);
    const rotated = await refresh(server, refreshToken);
    assert.equal(rotated.status, 200);
    assert.ok(rotated.body.refreshExpiresIn <= 4 * 3600 - 4 * 3500, 'capped at the absolute expiry');
    server.clock.advance(3600 * 1000);
    const dead = await refresh(server, rotated.body.refreshToken);
    assert.equal(dead.status, 401);
    assert.equal(dead.body.code, 'refresh_token_expired');
  });

  it('logout ends the session of a refresh token, idempotently', async () => {
    const { refreshToken } = await registerUser(server);
    const out = await server.request('POST', '/auth/logout', { body: { refreshToken } });
    assert.equal(out.status, 204);
    const again = await server.request('POST', '/auth/logout', { body: { refreshToken } });
    assert.equal(again.status, 204);
    const unknown = await server.request('POST', '/auth/logout', { body: { refreshToken: 'brt_nope' } });
    assert.equal(unknown.status, 204);
    const dead = await refresh(server, refreshToken);
    assert.equal(dead.status, 401);
    assert.equal(dead.body.code, 'session_revoked');
  });

  it('logout with only a bearer token ends that session', async () => {
    const { refreshToken, accessToken } = await registerUser(server);
    const out = await server.request('POST', '/auth/logout', { token: accessToken });
    assert.equal(out.status, 204);
    assert.equal((await refresh(server, refreshToken)).body.code, 'session_revoked');
  });

  it('logout-all ends every session of the user and needs a bearer token', async () => {
    const first = await registerUser(server);
    const second = await server.request('POST', '/auth/login', {
      body: { email: first.email, password: 'correct horse battery staple' },
    });
    const anonymous = await server.request('POST', '/auth/logout-all');
    assert.equal(anonymous.status, 401);
    const out = await server.request('POST', '/auth/logout-all', { token: first.accessToken });
    assert.equal(out.status, 204);
    assert.equal((await refresh(server, first.refreshToken)).body.code, 'session_revoked');
    assert.equal((await refresh(server, second.body.refreshToken)).body.code, 'session_revoked');
  });

  it('a disabled user cannot refresh', async () => {
    const { refreshToken, user } = await registerUser(server);
    await server.app.baton.store.setUserDisabled(user.id, true);
    const response = await refresh(server, refreshToken);
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'session_revoked');
  });
});

describe('a sign-out that lands during a refresh', () => {
  it('wins: the refresh answers 401 session_revoked, not a pair for the ended session', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-race-'));
    const store = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    // The sign-out commits after the refresh's checks and before its rotation, as a logout on
    // another connection (or one queued ahead in the same group commit) can.
    const racing: Store = {
      ...store,
      async rotateRefreshToken(rotation) {
        const token = await store.findRefreshToken(rotation.tokenHash);
        if (token) await store.revokeSession(token.sessionId, 'logout', rotation.now);
        return store.rotateRefreshToken(rotation);
      },
    };
    const server = await startServer({ store: racing });
    try {
      const { refreshToken } = await registerUser(server);
      const response = await refresh(server, refreshToken);
      assert.equal(response.status, 401);
      assert.equal(response.body.code, 'session_revoked');
    } finally {
      await server.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the grace window is for the client that rotated', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ refreshGrace: 10 });
  });
  after(() => server.close());

  const refreshAs = (refreshToken: string, userAgent: string) =>
    server.request('POST', '/auth/refresh', { body: { refreshToken }, headers: { 'user-agent': userAgent } });

  it('the same client presenting a spent token within the window gets the same successor', async () => {
    const { refreshToken } = await registerUser(server);
    const first = await refreshAs(refreshToken, 'Tab/1');
    server.clock.advance(9_000);
    const again = await refreshAs(refreshToken, 'Tab/1');
    assert.equal(again.status, 200);
    assert.equal(again.body.refreshToken, first.body.refreshToken);
  });

  it('another client presenting it within the window is reuse: the session ends, with an audit event and a metric', async () => {
    const { refreshToken, user } = await registerUser(server);
    const victim = await refreshAs(refreshToken, 'Victim/1');
    server.clock.advance(1_000);
    const thief = await refreshAs(refreshToken, 'Thief/1');
    assert.equal(thief.status, 401);
    assert.equal(thief.body.code, 'refresh_token_reused');
    assert.equal((await refreshAs(victim.body.refreshToken, 'Victim/1')).body.code, 'session_revoked');
    const [event] = await server.app.baton.store.listAudit({
      userId: user.id,
      kind: 'refresh_reuse_detected',
    });
    assert.deepEqual(event?.detail, { withinGrace: true, sameClient: false });
    const metrics = (await server.request('GET', '/metrics')).body as string;
    assert.match(metrics, /^baton_refresh_grace_foreign_client_total [1-9]/m);
  });

  it('a replay racing a sign-out answers 401 session_revoked, not a token for the ended session', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-grace-race-'));
    const store = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    // The sign-out commits after the replay's checks and after its rotation attempt found the
    // token spent, just before the grace path hands out the live successor.
    const racing: Store = {
      ...store,
      async rotateRefreshToken(rotation) {
        const result = await store.rotateRefreshToken(rotation);
        if (result.status === 'already_used')
          await store.revokeSession(result.session.id, 'logout', rotation.now);
        return result;
      },
    };
    const raced = await startServer({ store: racing });
    try {
      const { refreshToken } = await registerUser(raced);
      assert.equal((await raced.request('POST', '/auth/refresh', { body: { refreshToken } })).status, 200);
      const replay = await raced.request('POST', '/auth/refresh', { body: { refreshToken } });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.code, 'session_revoked');
    } finally {
      await raced.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('successors are random, and a copy of the database opens nothing', () => {
  it('a spent token and the database yield the live token only inside the grace window, and the seal is dropped after it', async () => {
    const server = await startServer({ refreshGrace: 1 });
    const { refreshToken: spent } = await registerUser(server);
    const rotated = await refresh(server, spent);
    const live = String(rotated.body.refreshToken);
    const db = new Database(path.join(server.dataDir, 'baton.sqlite'), { readonly: true });
    const row = () =>
      db
        .prepare('SELECT successor_box FROM refresh_tokens WHERE token_hash = ?')
        .get(hashRefreshToken(spent)) as {
        successor_box: string | null;
      };
    try {
      const secrets = db.prepare('SELECT name, value FROM secrets').all() as {
        name: string;
        value: string;
      }[];
      assert.ok(
        !secrets.some((secret) => secret.name === 'refresh-rotation'),
        'no derivation secret is kept',
      );
      const dump = JSON.stringify(db.prepare('SELECT * FROM refresh_tokens').all());
      assert.ok(!dump.includes(live) && !dump.includes(spent), 'no token in clear');
      // Inside the window the seal opens with the spent token, and only with it.
      const box = row().successor_box ?? '';
      assert.equal(openSuccessor(spent, box), live);
      assert.equal(openSuccessor(mintRefreshToken(), box), undefined);
      server.clock.advance(1_001);
      const deadline = Date.now() + 10_000;
      while (row().successor_box !== null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(row().successor_box, null, 'the seal was dropped once the window ended');
    } finally {
      db.close();
      await server.close();
    }
  });
});
