import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { memoryRateLimiter } from '../src/auth/rateLimiter.js';
import { redisRateLimiter } from '../src/auth/redisRateLimiter.js';
import { createManualClock, createServer } from '../src/index.js';
import { GOOD_PASSWORD, uniqueEmail } from './support/server.js';

const REDIS_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function probeRedis(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const available = await probeRedis();
const NO_REDIS = `no Redis at ${REDIS_URL}`;
if (!available) console.log(`skipped: ${NO_REDIS}`);

describe('Redis rate limiter', { skip: available ? false : NO_REDIS }, () => {
  let redis: Redis;
  // A prefix per run, so parallel runs and leftovers never meet.
  const prefix = `baton:test:${randomUUID()}:`;
  before(() => {
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('counts hits in a window that expires in Redis, and resets', async () => {
    const limiter = redisRateLimiter(redis, { prefix });
    assert.deepEqual(await limiter.peek('k'), { count: 0, resetIn: 0 });
    assert.equal(await limiter.hit('k', 60), 1);
    assert.equal(await limiter.hit('k', 60), 2);
    const state = await limiter.peek('k');
    assert.equal(state.count, 2);
    assert.ok(state.resetIn > 0 && state.resetIn <= 60);
    const ttl = await redis.pttl(`${prefix}k`);
    assert.ok(ttl > 0 && ttl <= 60_000, 'the first hit set the expiry');
    await limiter.reset('k');
    assert.deepEqual(await limiter.peek('k'), { count: 0, resetIn: 0 });
  });

  it('shares one count between limiters, as between instances', async () => {
    const a = redisRateLimiter(redis, { prefix });
    const other = new Redis(REDIS_URL);
    const b = redisRateLimiter(other, { prefix });
    const hits = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 ? a : b).hit('shared', 60)),
    );
    assert.deepEqual(
      [...hits].sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, index) => index + 1),
      'every hit got its own count: no lost updates',
    );
    await other.quit();
  });

  it('falls back to in-process counters while Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const errors: unknown[] = [];
    const limiter = redisRateLimiter(dead, {
      fallback: memoryRateLimiter(createManualClock()),
      onError: (error) => errors.push(error),
    });
    assert.equal(await limiter.hit('x', 60), 1);
    assert.equal(await limiter.hit('x', 60), 2);
    assert.equal((await limiter.peek('x')).count, 2);
    assert.ok(errors.length >= 3);
    dead.disconnect();
  });

  it('two servers with BATON_REDIS_URL enforce one login limit together', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-redis-'));
    // A unique IP per run: the limit keys are IP-based and Redis outlives test runs.
    const ip = `127.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const options = {
      dataDir,
      logLevel: false as const,
      redisUrl: REDIS_URL,
      trustProxy: true,
      rateLimits: { loginAccountIp: { max: 3, windowSeconds: 60 } },
    };
    // One after the other: they share the data directory's key file.
    const apps = [await createServer(options)];
    apps.push(await createServer(options));
    try {
      const email = uniqueEmail('redis');
      const [a, b] = apps;
      assert.ok(a && b);
      const registered = await a.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: GOOD_PASSWORD },
        headers: { 'x-forwarded-for': ip },
      });
      assert.equal(registered.statusCode, 201);
      const attempt = (app: typeof a) =>
        app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email, password: 'wrong password!' },
          headers: { 'x-forwarded-for': ip },
        });
      const statuses = [];
      for (const app of [a, b, a, b]) statuses.push((await attempt(app)).statusCode);
      assert.deepEqual(
        statuses,
        [401, 401, 401, 429],
        'the fourth failure is refused, whichever instance sees it',
      );
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
