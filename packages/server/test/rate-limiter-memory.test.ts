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
    assert.equal(refused, 102_000 - 50_000, "the flood was refused once its kind's room was full");
  });

  it('a kind whose room is full of live counters refuses a new key with 429 until one ends, and forgets none of them', async () => {
    const clock = createManualClock();
    const limiter = memoryRateLimiter(clock, 3);
    assert.ok((await limiter.reserve([count('login:victim', 1, 60)])).granted);
    clock.advance(10_000);
    for (const key of ['login:a', 'login:b'])
      assert.ok((await limiter.reserve([count(key, 1, 600)])).granted);

    assert.deepEqual(await limiter.reserve([count('login:new')]), { granted: false, retryAfter: 50 });
    assert.deepEqual(
      await limiter.reserve([count('login:victim', 1, 60)]),
      { granted: false, retryAfter: 50 },
      'the victim is still locked out',
    );
    assert.ok((await limiter.reserve([count('mail:new')])).granted, 'another kind has room of its own');

    clock.advance(50_000);
    assert.ok((await limiter.reserve([count('login:new')])).granted, 'the ended counter made room');
    assert.deepEqual(await limiter.reserve([count('login:a', 1, 600)]), { granted: false, retryAfter: 550 });
  });

  it('a back-off lock keeps its counter after the window ends, until the lock does', async () => {
    const clock = createManualClock();
    const limiter = memoryRateLimiter(clock, 1);
    const backoff: Limit = {
      kind: 'backoff',
      key: 'account:victim',
      free: 0,
      baseSeconds: 300,
      maxSeconds: 300,
      windowSeconds: 60,
    };
    assert.ok((await limiter.reserve([backoff])).granted);
    clock.advance(120_000);
    assert.deepEqual(await limiter.reserve([count('account:other')]), { granted: false, retryAfter: 180 });
    assert.deepEqual(await limiter.reserve([backoff]), { granted: false, retryAfter: 180 });
  });

  it('attempts handed back take no room: successful logins never fill it', async () => {
    const limiter = memoryRateLimiter(createManualClock(), 2);
    for (let n = 0; n < 100; n++) {
      const limits = [count(`login:${n}`, 5, 900)];
      const reservation = await limiter.reserve(limits);
      assert.ok(reservation.granted, `login ${n}`);
      await limiter.release(limits, reservation);
    }
  });

  it('holds at most its room of counters of one kind however many keys come, and takes new ones as they end', async () => {
    const clock = createManualClock();
    const limiter = memoryRateLimiter(clock, 100);
    const flood = async (round: number) => {
      let granted = 0;
      for (let n = 0; n < 10_000; n++)
        if ((await limiter.reserve([count(`mail:${round}.${n}`, 3, 3600)])).granted) granted++;
      return granted;
    };
    assert.equal(await flood(1), 100);
    clock.advance(3_599_999);
    assert.equal(await flood(2), 0, 'all of them still count');
    clock.advance(1);
    assert.equal(await flood(3), 100);
  });

  it('refuses a room size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN])
      assert.throws(() => memoryRateLimiter(createManualClock(), size), TypeError);
  });
});
