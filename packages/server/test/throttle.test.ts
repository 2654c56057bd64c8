import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { from, onlyLimits } from './support/throttle.js';

/** Each limit with every other limit out of the way, at its default value, in a sequence of requests. */
describe('anti-automation limits, one at a time', () => {
  const login = (server: TestServer, email: string, password: string, ip: string) =>
    server.request('POST', '/auth/login', { body: { email, password }, headers: from(ip) });

  /** Sends failing requests until the first 429 (or `cap`); returns how many were answered first. */
  async function answeredUntilLimited(
    next: (attempt: number) => Promise<{ status: number }>,
    cap: number,
    expected: number,
  ) {
    for (let attempt = 0; attempt < cap; attempt++) {
      const response = await next(attempt);
      if (response.status === 429) return attempt;
      assert.equal(response.status, expected, `attempt ${attempt}`);
    }
    return cap;
  }

  async function withServer(
    limits: Parameters<typeof onlyLimits>[0],
    test: (server: TestServer) => Promise<void>,
  ) {
    const server = await startServer({ trustProxy: 1, rateLimits: onlyLimits(limits) });
    try {
      await test(server);
    } finally {
      await server.close();
    }
  }

  it('per (client, account): 10 failures from one address, then 429 with Retry-After even for the right password, for 15 minutes', () =>
    withServer({ loginAccountClient: DEFAULT_LIMITS.loginAccountClient }, async (server) => {
      const { email } = await registerUser(server);
      assert.equal(
        await answeredUntilLimited((n) => login(server, email, `guess ${n}`, '10.0.0.1'), 20, 401),
        10,
      );
      const refused = await login(server, email, GOOD_PASSWORD, '10.0.0.1');
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'rate_limited');
      assert.equal(refused.headers.get('retry-after'), String(15 * 60));
      assert.equal(
        (await login(server, email, GOOD_PASSWORD, '10.0.0.2')).status,
        200,
        'another address is another client',
      );
      server.clock.advance(15 * 60_000);
      assert.equal((await login(server, email, GOOD_PASSWORD, '10.0.0.1')).status, 200, 'the window ended');
    }));

  it('per account, for clients it does not know: 5 free failures, then a lock of 2 s, doubling, never more than 15 minutes', () =>
    withServer({ loginAccountBackoff: DEFAULT_LIMITS.loginAccountBackoff }, async (server) => {
      const { email } = await registerUser(server);
      for (let n = 0; n < 5; n++)
        assert.equal((await login(server, email, `guess ${n}`, `10.1.0.${n}`)).status, 401);
      const locks: number[] = [];
      for (let failure = 6; failure <= 16; failure++) {
        assert.equal(
          (await login(server, email, `guess ${failure}`, `10.1.1.${failure}`)).status,
          401,
          `failure ${failure}`,
        );
        const locked = await login(server, email, GOOD_PASSWORD, `10.1.2.${failure}`);
        assert.equal(locked.status, 429, 'the right password waits too');
        locks.push(Number(locked.headers.get('retry-after')));
        server.clock.advance(Number(locked.headers.get('retry-after')) * 1000);
      }
      assert.deepEqual(locks, [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
      assert.equal(
        (await login(server, email, GOOD_PASSWORD, '10.1.3.1')).status,
        200,
        'the owner gets in once it lifts',
      );
    }));

  it('per address over all accounts (spraying): 100 failures, then 429; other addresses are not affected', () =>
    withServer({ loginIp: DEFAULT_LIMITS.loginIp }, async (server) => {
      const sprayed = await answeredUntilLimited(
        (n) => login(server, uniqueEmail(`spray${n}`), 'Summer2024!', '10.2.0.1'),
        150,
        401,
      );
      assert.equal(sprayed, 100);
      assert.equal((await login(server, uniqueEmail(), 'Summer2024!', '10.2.0.2')).status, 401);
    }));

  it('registrations: 30 from one address in 10 minutes, then 429', () =>
    withServer({ registerIp: DEFAULT_LIMITS.registerIp }, async (server) => {
      const register = () =>
        server.request('POST', '/auth/register', {
          body: { email: uniqueEmail('farm'), password: GOOD_PASSWORD },
          headers: from('10.3.0.1'),
        });
      assert.equal(await answeredUntilLimited(register, 40, 201), 30);
      server.clock.advance(10 * 60_000);
      assert.equal((await register()).status, 201);
    }));

  it('refresh-token guessing: 60 failed refreshes from one address in a minute, then 429', () =>
    withServer({ refreshFailuresIp: DEFAULT_LIMITS.refreshFailuresIp }, async (server) => {
      const guess = (n: number) =>
        server.request('POST', '/auth/refresh', {
          body: { refreshToken: `brt_${'A'.repeat(42)}${n % 10}` },
          headers: from('10.4.0.1'),
        });
      assert.equal(await answeredUntilLimited(guess, 80, 401), 60);
    }));

  it('a spent token presented again (reuse) ends its session, but is no guess: it does not count against the address', () =>
    withServer({ refreshFailuresIp: { max: 1, windowSeconds: 3600 } }, async (server) => {
      const { refreshToken } = await registerUser(server);
      const refresh = (token: string, userAgent: string) =>
        server.request('POST', '/auth/refresh', {
          body: { refreshToken: token },
          headers: { ...from('10.6.0.1'), 'user-agent': userAgent },
        });
      assert.equal((await refresh(refreshToken, 'the app')).status, 200);
      const reuse = await refresh(refreshToken, 'a thief');
      assert.deepEqual([reuse.status, reuse.body.code], [401, 'refresh_token_reused']);
      const guess = (n: number) => refresh(`brt_${'B'.repeat(42)}${n}`, 'a thief');
      assert.equal((await guess(1)).status, 401, 'the one failure this address may have was still free');
      assert.equal((await guess(2)).status, 429);
    }));

  it('a runaway client: 120 refreshes of one user in a minute, then 429, and the refused request consumed nothing', () =>
    withServer({ refreshUser: DEFAULT_LIMITS.refreshUser }, async (server) => {
      let { refreshToken } = await registerUser(server);
      const rotate = async () => {
        const response = await server.request('POST', '/auth/refresh', {
          body: { refreshToken },
          headers: from('10.5.0.1'),
        });
        if (response.status === 200) refreshToken = response.body.refreshToken;
        return response;
      };
      assert.equal(await answeredUntilLimited(rotate, 150, 200), 120);
      server.clock.advance(60_000);
      assert.equal((await rotate()).status, 200, 'the token was not consumed by the refused request');
    }));

  it('password change: 5 wrong current passwords (403 each), then 429 even for the right one', () =>
    withServer({ passwordChangeAccount: DEFAULT_LIMITS.passwordChangeAccount }, async (server) => {
      const { accessToken } = await registerUser(server);
      const change = (currentPassword: string) =>
        server.request('POST', '/auth/password', {
          token: accessToken,
          body: { currentPassword, newPassword: 'another fine passphrase' },
        });
      assert.equal(await answeredUntilLimited((n) => change(`not it ${n}`), 10, 403), 5);
      assert.equal((await change(GOOD_PASSWORD)).status, 429);
    }));

  it('a successful login hands its reservation back: it does not count as a failure', () =>
    withServer({ loginAccountClient: { max: 2, windowSeconds: 60 } }, async (server) => {
      const { email } = await registerUser(server);
      for (let n = 0; n < 5; n++)
        assert.equal((await login(server, email, GOOD_PASSWORD, '10.6.0.1')).status, 200);
      assert.equal((await login(server, email, 'wrong one', '10.6.0.1')).status, 401);
      assert.equal((await login(server, email, 'wrong two', '10.6.0.1')).status, 401);
      assert.equal((await login(server, email, GOOD_PASSWORD, '10.6.0.1')).status, 429);
    }));
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
