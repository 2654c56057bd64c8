import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';

/** Requests from a chosen client address (the server trusts X-Forwarded-For in these tests). */
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('anti-automation (default limits)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ trustProxy: true });
  });
  after(() => server.close());

  const login = (email: string, password: string, ip: string) =>
    server.request('POST', '/auth/login', { body: { email, password }, headers: from(ip) });

  /** Sends failing logins until the first 429; returns how many were answered 401 first. */
  async function failuresUntilLimited(next: (attempt: number) => Promise<{ status: number }>, cap: number) {
    for (let attempt = 0; attempt < cap; attempt++) {
      const response = await next(attempt);
      if (response.status === 429) return attempt;
      assert.equal(response.status, 401);
    }
    return cap;
  }

  it('brute force on one account from one IP: 429 with Retry-After after 10 failures, also for the right password', async () => {
    const { email } = await registerUser(server);
    const allowed = await failuresUntilLimited((n) => login(email, `wrong guess ${n}`, '10.0.0.1'), 20);
    // The per-account back-off (5 free failures, then 2 s, 4 s, ...) is moved past by the clock.
    assert.ok(allowed >= 5 && allowed <= 10, `limited after ${allowed}`);
    const refused = await login(email, GOOD_PASSWORD, '10.0.0.1');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'rate_limited');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });

  it('the per-account back-off doubles across IPs (a botnet), and lifts with time', async () => {
    const { email } = await registerUser(server);
    for (let n = 0; n < 5; n++) assert.equal((await login(email, `guess ${n}`, `10.1.0.${n}`)).status, 401);
    assert.equal(
      (await login(email, 'guess 5', '10.1.0.5')).status,
      401,
      'the sixth failure locks the account',
    );
    const locked = await login(email, 'guess 6', '10.1.0.6');
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), '2');
    server.clock.advance(2_000);
    assert.equal((await login(email, 'guess 7', '10.1.0.7')).status, 401);
    assert.equal(
      (await login(email, 'guess 8', '10.1.0.8')).headers.get('retry-after'),
      '4',
      'the lock doubled',
    );
    server.clock.advance(4_000);
    assert.equal(
      (await login(email, GOOD_PASSWORD, '10.1.0.9')).status,
      200,
      'the owner gets in once it lifts',
    );
  });

  it('password spraying from one IP over many accounts: 429 after 100 failures', async () => {
    const allowed = await failuresUntilLimited(
      (n) => login(uniqueEmail(`spray${n}`), 'Summer2024!', '10.2.0.1'),
      150,
    );
    assert.equal(allowed, 100);
    assert.equal(
      (await login(uniqueEmail(), 'Summer2024!', '10.2.0.2')).status,
      401,
      'other IPs are unaffected',
    );
  });

  it('registration: 429 after 30 from one IP in 10 minutes', async () => {
    let created = 0;
    for (; created < 40; created++) {
      const response = await server.request('POST', '/auth/register', {
        body: { email: uniqueEmail('farm'), password: GOOD_PASSWORD },
        headers: from('10.3.0.1'),
      });
      if (response.status === 429) break;
      assert.equal(response.status, 201);
    }
    assert.equal(created, 30);
    server.clock.advance(10 * 60_000);
    const later = await server.request('POST', '/auth/register', {
      body: { email: uniqueEmail('farm'), password: GOOD_PASSWORD },
      headers: from('10.3.0.1'),
    });
    assert.equal(later.status, 201);
  });

  it('refresh-token guessing: 429 after 60 failed refreshes from one IP in a minute', async () => {
    let failures = 0;
    for (; failures < 80; failures++) {
      const response = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: `brt_${'A'.repeat(42)}${failures % 10}` },
        headers: from('10.4.0.1'),
      });
      if (response.status === 429) break;
      assert.equal(response.status, 401);
    }
    assert.equal(failures, 60);
  });

  it('a runaway client: 429 after 120 refreshes of one user in a minute', async () => {
    let { refreshToken } = await registerUser(server);
    let refreshes = 0;
    for (; refreshes < 150; refreshes++) {
      const response = await server.request('POST', '/auth/refresh', {
        body: { refreshToken },
        headers: from('10.5.0.1'),
      });
      if (response.status === 429) break;
      assert.equal(response.status, 200);
      refreshToken = response.body.refreshToken;
    }
    assert.equal(refreshes, 120);
    server.clock.advance(60_000);
    const later = await server.request('POST', '/auth/refresh', {
      body: { refreshToken },
      headers: from('10.5.0.1'),
    });
    assert.equal(later.status, 200, 'the token was not consumed by the refused request');
  });

  it('password change: 429 after 5 wrong current passwords', async () => {
    const { accessToken } = await registerUser(server);
    let failures = 0;
    for (; failures < 10; failures++) {
      const response = await server.request('POST', '/auth/password', {
        token: accessToken,
        body: { currentPassword: `not it ${failures}`, newPassword: 'another fine passphrase' },
      });
      if (response.status === 429) break;
      assert.equal(response.status, 401);
    }
    assert.equal(failures, 5);
  });
});

describe('anti-automation switched off', () => {
  it('BATON_RATE_LIMITS=off lets any number of failures through (benchmarks only)', async () => {
    const server = await startServer({ rateLimits: false });
    try {
      const { email } = await registerUser(server);
      for (let n = 0; n < 15; n++) {
        const response = await server.request('POST', '/auth/login', {
          body: { email, password: `wrong ${n}` },
        });
        assert.equal(response.status, 401);
      }
    } finally {
      await server.close();
    }
  });
});
