import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Limit, memoryRateLimiter, type RateLimiter } from '../src/auth/rateLimiter.js';
import { createThrottle } from '../src/auth/throttle.js';
import { ProblemError } from '../src/errors.js';
import { createManualClock } from '../src/index.js';
import { onlyLimits } from './support/throttle.js';

/** The in-process limiter, with every call to it written down by name. */
function recordingLimiter() {
  const calls: string[] = [];
  const inner = memoryRateLimiter(createManualClock());
  const limiter: RateLimiter = {
    reserve(limits) {
      calls.push('reserve');
      return inner.reserve(limits);
    },
    release(limits, reservation) {
      calls.push('release');
      return inner.release(limits, reservation);
    },
    exchange(returned, limits) {
      calls.push('exchange');
      return inner.exchange(returned, limits);
    },
  };
  return { calls, limiter };
}

const isRateLimited = (error: unknown) => error instanceof ProblemError && error.status === 429;

describe('the refresh throttle', () => {
  const ip = '10.9.0.1';
  const throttleWith = (limiter: RateLimiter, limits: Parameters<typeof onlyLimits>[0]) =>
    createThrottle(limiter, onlyLimits(limits), Buffer.alloc(32, 7));

  it('a genuine token hands its failure reservation back and counts its user in one call of the limiter (one Redis round trip)', async () => {
    const { calls, limiter } = recordingLimiter();
    const throttle = throttleWith(limiter, { refreshFailuresIp: { max: 1, windowSeconds: 60 } });
    const attempt = await throttle.refresh(ip);
    await attempt.genuine('user-1');
    await attempt.end(false);
    assert.deepEqual(calls, ['reserve', 'exchange'], 'nothing is handed back twice');
    // The only failure this address may have in its window is free again.
    const next = await throttle.refresh(ip);
    await next.end(true);
    await assert.rejects(
      throttle.refresh(ip),
      isRateLimited,
      'the failure that ended without a genuine token counts',
    );
  });

  it('a refresh that fails before its token proves genuine stays counted against its address', async () => {
    const { calls, limiter } = recordingLimiter();
    const throttle = throttleWith(limiter, { refreshFailuresIp: { max: 2, windowSeconds: 60 } });
    for (let n = 0; n < 2; n++) await (await throttle.refresh(ip)).end(true);
    await assert.rejects(throttle.refresh(ip), isRateLimited);
    assert.deepEqual(calls, ['reserve', 'reserve', 'reserve']);
  });

  it('a refresh that ends well without proving its token (the server failed) hands its reservation back', async () => {
    const { calls, limiter } = recordingLimiter();
    const throttle = throttleWith(limiter, { refreshFailuresIp: { max: 1, windowSeconds: 60 } });
    await (await throttle.refresh(ip)).end(false);
    await (await throttle.refresh(ip)).end(true);
    assert.deepEqual(calls, ['reserve', 'release', 'reserve']);
  });

  it('a user over the per-user limit is refused with 429, and the address keeps no failure for it', async () => {
    const { limiter } = recordingLimiter();
    const throttle = throttleWith(limiter, {
      refreshFailuresIp: { max: 1, windowSeconds: 60 },
      refreshUser: { max: 1, windowSeconds: 60 },
    });
    const first = await throttle.refresh(ip);
    await first.genuine('user-2');
    await first.end(false);
    const second = await throttle.refresh(ip);
    await assert.rejects(second.genuine('user-2'), isRateLimited);
    await second.end(false);
    // Were the refused refresh's failure reservation kept, this third one would be refused.
    await (await throttle.refresh(ip)).end(true);
  });
});

describe('the in-process rate limiter', () => {
  const count = (key: string, max: number): Limit => ({ kind: 'count', key, max, windowSeconds: 60 });

  it('exchange hands one reservation back and takes another, the hand-back even when the new one is refused', async () => {
    const limiter = memoryRateLimiter(createManualClock());
    const held = count('held', 1);
    const full = count('full', 1);
    const reservation = await limiter.reserve([held]);
    assert.ok(reservation.granted);
    assert.ok((await limiter.reserve([full])).granted);
    const refused = await limiter.exchange({ limits: [held], reservation }, [full]);
    assert.equal(refused.granted, false);
    assert.ok((await limiter.reserve([held])).granted, 'the held event was handed back');
  });

  it('exchange lifts the back-off lock the handed-back reservation set', async () => {
    const limiter = memoryRateLimiter(createManualClock());
    const backoff: Limit = {
      kind: 'backoff',
      key: 'b',
      free: 0,
      baseSeconds: 30,
      maxSeconds: 30,
      windowSeconds: 600,
    };
    const locking = await limiter.reserve([backoff]);
    assert.ok(locking.granted && locking.locked.includes('b'));
    assert.equal((await limiter.reserve([backoff])).granted, false);
    assert.ok(
      (await limiter.exchange({ limits: [backoff], reservation: locking }, [count('other', 5)])).granted,
    );
    assert.ok((await limiter.reserve([backoff])).granted, 'the lock was lifted');
  });
});
