import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Limit, memoryRateLimiter } from '../src/auth/rateLimiter.js';
import { createThrottle } from '../src/auth/throttle.js';
import { ProblemError } from '../src/errors.js';
import { createManualClock } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';

/** The Retry-After of a 429, or the outcome of an attempt that was let through and failed. */
async function outcome(attempt: () => Promise<{ end(counted: boolean): Promise<void> }>): Promise<string> {
  try {
    await (await attempt()).end(true);
    return 'counted';
  } catch (error) {
    if (error instanceof ProblemError && error.status === 429)
      return `429 after ${error.headers?.['retry-after']} s`;
    throw error;
  }
}

const count = (key: string, max = 1, windowSeconds = 60): Limit => ({
  kind: 'count',
  key,
  max,
  windowSeconds,
});

describe('the in-process rate limiter flooded with other keys', () => {
  it('forgot-password requests for made-up addresses from 5,100 networks leave a lockout and the account back-off in force', async () => {
    const clock = createManualClock();
    const throttle = createThrottle(memoryRateLimiter(clock), DEFAULT_LIMITS, Buffer.alloc(32, 3));
    const guess = () => outcome(() => throttle.passwordCheck('victim-user-id', '192.0.2.1'));
    const login = (n: number) =>
      outcome(() =>
        throttle.login({ ip: `198.51.100.${n}`, account: 'victim@example.com', device: undefined }),
      );
    for (let n = 0; n < 5; n++) assert.equal(await guess(), 'counted');
    assert.equal(await guess(), '429 after 900 s');
    for (let n = 0; n < 6; n++) assert.equal(await login(n), 'counted');
    assert.equal(await login(6), '429 after 2 s');
    clock.advance(20_000);

    // 20 requests per IPv6 /64, that limit's maximum, for 102,000 counters of addresses.
    let refused = 0;
    for (let network = 0; network < 5_100; network++) {
      const ip = `2001:db8:${(network >> 8).toString(16)}:${(network & 0xff).toString(16)}::1`;
      for (let n = 0; n < 20; n++)
        await throttle
          .mailRequest('password_reset', `x${network}.${n}@example.com`, ip)
          .catch(() => refused++);
    }

    assert.equal(await guess(), '429 after 880 s', 'the wrong current passwords are still counted');
    assert.equal(await login(7), 'counted', 'the 2 s lock is over');
    assert.equal(
      await login(8),
      '429 after 4 s',
      'the seventh failure locks for twice as long: six were remembered',
    );
    assert.equal(refused, 0, 'the flood refused nobody: its own counters made way');
  });

  it('failed logins for 30,000 made-up accounts from as many networks leave the back-off of the account they target', async () => {
    const clock = createManualClock();
    const throttle = createThrottle(memoryRateLimiter(clock), DEFAULT_LIMITS, Buffer.alloc(32, 4));
    const login = (account: string, ip: string) =>
      outcome(() => throttle.login({ ip, account, device: undefined }));
    for (let n = 0; n < 6; n++) assert.equal(await login('victim@example.com', `198.51.100.${n}`), 'counted');
    clock.advance(3_000);
    for (let n = 0; n < 30_000; n++) {
      const ip = `2001:db8:${(n >> 8).toString(16)}:${(n & 0xff).toString(16)}::1`;
      assert.equal(await login(`made-up-${n}@example.com`, ip), 'counted');
    }
    assert.equal(await login('victim@example.com', '203.0.113.1'), 'counted', 'the 2 s lock is over');
    assert.equal(
      await login('victim@example.com', '203.0.113.2'),
      '429 after 4 s',
      'the seventh failure locks for twice as long: six were remembered',
    );
    assert.equal(
      await login('alice@example.com', '203.0.113.3'),
      'counted',
      'an account the flood never named signs in as ever',
    );
  });

  it('bad refresh tokens from 50,000 networks refuse no refresh from another address', async () => {
    const clock = createManualClock();
    const throttle = createThrottle(memoryRateLimiter(clock), DEFAULT_LIMITS, Buffer.alloc(32, 5));
    for (let n = 0; n < 50_000; n++) {
      const ip = `2001:db8:${(n >> 8).toString(16)}:${(n & 0xff).toString(16)}::1`;
      await (await throttle.refresh(ip)).end(true);
    }
    const genuine = await throttle.refresh('203.0.113.7');
    await genuine.genuine('a-user');
    await genuine.end(false);
  });

  it('a full room makes way by forgetting the least-counted of its oldest counters, and refuses nobody', async () => {
    const clock = createManualClock();
    const limiter = memoryRateLimiter(clock, 3);
    for (let n = 0; n < 5; n++) assert.ok((await limiter.reserve([count('login:victim', 5, 600)])).granted);
    for (const key of ['login:a', 'login:b'])
      assert.ok((await limiter.reserve([count(key, 1, 600)])).granted);

    assert.ok((await limiter.reserve([count('login:new')])).granted, 'a new key is let in and counted');
    assert.deepEqual(
      await limiter.reserve([count('login:victim', 5, 600)]),
      { granted: false, retryAfter: 600 },
      'the oldest counter, with five events, stays',
    );
    assert.ok((await limiter.reserve([count('login:a', 1, 600)])).granted, 'a, with one event, made way');
    assert.ok((await limiter.reserve([count('mail:new')])).granted, 'another kind has room of its own');
  });

  it('a lock is the last to make way, whatever the other counters count', async () => {
    const clock = createManualClock();
    const limiter = memoryRateLimiter(clock, 2);
    const backoff: Limit = {
      kind: 'backoff',
      key: 'account:victim',
      free: 0,
      baseSeconds: 300,
      maxSeconds: 300,
      windowSeconds: 60,
    };
    assert.ok((await limiter.reserve([backoff])).granted);
    for (let n = 0; n < 3; n++) assert.ok((await limiter.reserve([count('account:busy', 10, 600)])).granted);
    clock.advance(120_000);
    assert.ok((await limiter.reserve([count('account:other')])).granted);
    assert.deepEqual(
      await limiter.reserve([backoff]),
      { granted: false, retryAfter: 180 },
      'the lock outlives its window and the room being full',
    );
  });

  it('attempts handed back take no room: successful logins never fill it', async () => {
    const limiter = memoryRateLimiter(createManualClock(), 2);
    for (let n = 0; n < 100; n++) {
      const limits = [count(`login:${n}`, 5, 900)];
      const reservation = await limiter.reserve(limits);
      assert.ok(reservation.granted, `login ${n}`);
      await limiter.release(limits, reservation);
    }
    assert.ok((await limiter.reserve([count('login:first', 1)])).granted);
    assert.ok((await limiter.reserve([count('login:second', 1)])).granted);
    assert.equal((await limiter.reserve([count('login:first', 1)])).granted, false, 'nothing pushed it out');
  });

  it('holds at most its room of counters of one kind however many keys come', async () => {
    const limiter = memoryRateLimiter(createManualClock(), 100);
    for (let n = 0; n < 10_000; n++)
      assert.ok((await limiter.reserve([count(`mail:${n}`, 1, 3600)])).granted, `key ${n}`);
    const remembered = async (n: number) => !(await limiter.reserve([count(`mail:${n}`, 1, 3600)])).granted;
    assert.equal(await remembered(9_999), true, 'the newest counters are kept');
    assert.equal(await remembered(0), false, 'the oldest made way');
  });

  it('refuses a room size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN])
      assert.throws(() => memoryRateLimiter(createManualClock(), size), TypeError);
  });
});
