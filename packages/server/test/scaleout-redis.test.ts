import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type Limit, memoryRateLimiter } from '../src/auth/rateLimiter.js';
import { redisRateLimiter } from '../src/auth/redisRateLimiter.js';
import { createManualClock, createServer } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { NO_REDIS, probeRedis, REDIS_URL } from './support/redis.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, uniqueEmail } from './support/server.js';

const skipRedis = needs(await probeRedis(), NO_REDIS);
const skipBoth = skipRedis || needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('Redis rate limiter', { skip: skipRedis }, () => {
  let redis: Redis;
  let other: Redis;
  // A prefix per run, so parallel runs and leftovers never meet.
  const prefix = `baton:test:${randomUUID()}:`;
  before(() => {
    redis = new Redis(REDIS_URL);
    // An app that hands Baton its own client may have it pipeline commands: the scripts must
    // count alike on a plain connection (as openRateLimiter opens it) and a pipelining one.
    other = new Redis(REDIS_URL, { enableAutoPipelining: true });
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await Promise.all([redis.quit(), other.quit()]);
  });

  const count = (key: string, max: number): Limit => ({ kind: 'count', key, max, windowSeconds: 60 });

  it('200 reservations at once from two connections (two instances): exactly the maximum is granted', async () => {
    const limiters = [redisRateLimiter(redis, { prefix }), redisRateLimiter(other, { prefix })];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) => limiters[n % 2]?.reserve([count('burst', 17)])),
    );
    assert.equal(answers.filter((answer) => answer?.granted).length, 17);
    const refused = answers.find((answer) => answer && !answer.granted);
    assert.ok(refused && !refused.granted && refused.retryAfter > 0 && refused.retryAfter <= 60);
    const ttl = await redis.pttl(`${prefix}burst`);
    assert.ok(ttl > 0 && ttl <= 60_000, 'the first reservation opened the window');
  });

  it('keeps counting after Redis forgot its scripts (SCRIPT FLUSH, a restart)', async () => {
    const limiters = [redisRateLimiter(redis, { prefix }), redisRateLimiter(other, { prefix })];
    const limit = count('flushed', 3);
    const first = await limiters[0]!.reserve([limit]);
    assert.ok(first.granted);
    await redis.script('FLUSH');
    // Both connections now meet NOSCRIPT, the pipelined one with parallel reservations in flight.
    const answers = await Promise.all(Array.from({ length: 6 }, (_, n) => limiters[n % 2]!.reserve([limit])));
    assert.equal(answers.filter((answer) => answer.granted).length, 2);
    await redis.script('FLUSH');
    await limiters[1]!.release([limit], first);
    assert.equal(await redis.get(`${prefix}flushed`), '2');
  });

  it('reserves on all limits or on none, and a release hands one event back', async () => {
    const limiter = redisRateLimiter(redis, { prefix });
    const narrow = count('all-or-none:narrow', 1);
    const wide = count('all-or-none:wide', 100);
    const first = await limiter.reserve([narrow, wide]);
    assert.ok(first.granted);
    assert.equal((await limiter.reserve([narrow, wide])).granted, false);
    assert.equal(
      await redis.get(`${prefix}all-or-none:wide`),
      '1',
      'the refused reservation counted nothing',
    );
    await limiter.release([narrow, wide], first);
    assert.equal((await limiter.reserve([narrow, wide])).granted, true);
  });

  it('an exchange hands one reservation back and takes another in one script, the hand-back even when refused', async () => {
    const limiter = redisRateLimiter(redis, { prefix });
    const held = count('exchange:held', 1);
    const full = count('exchange:full', 1);
    const reservation = await limiter.reserve([held]);
    assert.ok(reservation.granted);
    assert.ok((await limiter.reserve([full])).granted);
    const refused = await limiter.exchange({ limits: [held], reservation }, [full]);
    assert.ok(!refused.granted && refused.retryAfter >= 1);
    assert.equal(await redis.get(`${prefix}exchange:held`), '0', 'handed back');
    assert.equal(await redis.get(`${prefix}exchange:full`), '1', 'the refused reservation counted nothing');
  });

  it('an exchange lifts the back-off lock the handed-back reservation set, and sets the new one its own', async () => {
    const limiter = redisRateLimiter(redis, { prefix });
    const backoff = (key: string): Limit => ({
      kind: 'backoff',
      key,
      free: 0,
      baseSeconds: 30,
      maxSeconds: 30,
      windowSeconds: 600,
    });
    const returned = [count('exchange-lock:before', 5), backoff('exchange-lock:old')];
    const reservation = await limiter.reserve(returned);
    assert.ok(reservation.granted && reservation.locked.includes('exchange-lock:old'));
    const taken = await limiter.exchange({ limits: returned, reservation }, [
      backoff('exchange-lock:new'),
      count('exchange-lock:after', 5),
    ]);
    assert.ok(taken.granted);
    assert.deepEqual(taken.locked, ['exchange-lock:new']);
    assert.equal(await redis.exists(`${prefix}exchange-lock:old:lock`), 0, 'the old lock was lifted');
    assert.equal(await redis.exists(`${prefix}exchange-lock:new:lock`), 1);
    assert.deepEqual(await redis.mget(`${prefix}exchange-lock:before`, `${prefix}exchange-lock:after`), [
      '0',
      '1',
    ]);
  });

  it('200 exchanges at once from two connections: every hand-back lands and exactly the maximum is granted', async () => {
    const limiters = [redisRateLimiter(redis, { prefix }), redisRateLimiter(other, { prefix })];
    const failures = count('exchange-burst:failures', 200);
    const perUser = count('exchange-burst:user', 60);
    const reservations = await Promise.all(
      Array.from({ length: 200 }, (_, n) => limiters[n % 2]!.reserve([failures])),
    );
    const answers = await Promise.all(
      reservations.map((reservation, n) => {
        assert.ok(reservation.granted);
        return limiters[n % 2]!.exchange({ limits: [failures], reservation }, [perUser]);
      }),
    );
    assert.equal(answers.filter((answer) => answer.granted).length, 60);
    assert.equal(await redis.get(`${prefix}exchange-burst:failures`), '0');
  });

  it('a back-off limit locks past its free events, doubling, and a release lifts the lock it set', async () => {
    const limiter = redisRateLimiter(redis, { prefix });
    const backoff: Limit = {
      kind: 'backoff',
      key: 'backoff',
      free: 2,
      baseSeconds: 30,
      maxSeconds: 90,
      windowSeconds: 600,
    };
    assert.ok((await limiter.reserve([backoff])).granted);
    assert.ok((await limiter.reserve([backoff])).granted);
    const third = await limiter.reserve([backoff]);
    assert.ok(third.granted && third.locked.includes('backoff'), 'the third event switched the lock on');
    const locked = await limiter.reserve([backoff]);
    assert.ok(!locked.granted && locked.retryAfter === 30);
    await limiter.release([backoff], third);
    assert.ok((await limiter.reserve([backoff])).granted, 'the lock was lifted');
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
    assert.ok((await limiter.reserve([count('x', 2)])).granted);
    assert.ok((await limiter.reserve([count('x', 2)])).granted);
    assert.equal((await limiter.reserve([count('x', 2)])).granted, false);
    assert.equal(errors.length, 3);
    dead.disconnect();
  });
});

describe('two instances on one PostgreSQL database sharing Redis', { skip: skipBoth }, () => {
  let database: TestDatabase;
  let dataDir: string;
  const apps: Awaited<ReturnType<typeof createServer>>[] = [];
  const urls: string[] = [];
  // A network of our own per run: limit keys are per address and Redis outlives test runs.
  const net = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

  before(async () => {
    database = await requireTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-redis-'));
    const options = {
      dataDir,
      databaseUrl: database.schemaUrl,
      secret: randomBytes(32).toString('base64url'),
      issuer: 'http://baton.test',
      logLevel: false as const,
      redisUrl: REDIS_URL,
      trustProxy: 1,
      // Redis keeps real time: a first lock of a minute (not 2 s) outlasts a burst on a slow machine.
      rateLimits: { loginAccountBackoff: { ...DEFAULT_LIMITS.loginAccountBackoff, baseSeconds: 60 } },
    };
    for (let instance = 0; instance < 2; instance++) {
      const app = await createServer(options);
      apps.push(app);
      urls.push(await app.listen({ host: '127.0.0.1', port: 0 }));
    }
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const post = async (
    instance: number,
    route: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${urls[instance % 2]}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => undefined)) as Record<string, unknown>,
    };
  };
  const register = async (email: string) => {
    const answer = await post(
      0,
      '/auth/register',
      { email, password: GOOD_PASSWORD },
      { 'x-forwarded-for': `${net}.250` },
    );
    assert.equal(answer.status, 201);
    return answer.body;
  };

  it('200 wrong passwords at once, spread over both instances: as many answers as one instance gives a sequence (6)', async () => {
    const email = uniqueEmail('redis-burst');
    await register(email);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        post(n, '/auth/login', { email, password: `guess ${n}` }, { 'x-forwarded-for': `${net}.1` }),
      ),
    );
    assert.equal(answers.filter((answer) => answer.status !== 429).length, 6);
    const owner = await post(
      1,
      '/auth/login',
      { email, password: GOOD_PASSWORD },
      { 'x-forwarded-for': `${net}.2` },
    );
    assert.equal(owner.status, 429, 'the account is locked for unknown clients on both instances');
  });

  it('30 wrong current passwords at once over both instances (limit 5): five 403s, the rest 429', async () => {
    const { accessToken } = await register(uniqueEmail('redis-password'));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        post(
          n,
          '/auth/password',
          { currentPassword: `guess ${n}`, newPassword: 'the attacker now owns it' },
          {
            authorization: `Bearer ${accessToken}`,
          },
        ),
      ),
    );
    assert.equal(answers.filter((answer) => answer.status === 403).length, 5);
    assert.equal(answers.filter((answer) => answer.status === 429).length, 25);
  });

  it('a device that signed in before gets in on either instance while the account is locked for others', async () => {
    const email = uniqueEmail('redis-device');
    const { deviceToken } = await register(email);
    await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        post(n, '/auth/login', { email, password: `guess ${n}` }, { 'x-forwarded-for': `${net}.${100 + n}` }),
      ),
    );
    for (const instance of [0, 1]) {
      const answer = await post(
        instance,
        '/auth/login',
        { email, password: GOOD_PASSWORD, deviceToken },
        {
          'x-forwarded-for': `${net}.3`,
        },
      );
      assert.equal(answer.status, 200, `instance ${instance}`);
    }
  });

  it('200 forgot-password requests at once over both instances for one address: three answered 202', async () => {
    const email = uniqueEmail('redis-forgot');
    await register(email);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        post(n, '/auth/password/forgot', { email }, { 'x-forwarded-for': `${net}.${n % 250}` }),
      ),
    );
    assert.equal(answers.filter((answer) => answer.status === 202).length, 3);
    assert.equal(answers.filter((answer) => answer.status === 429).length, 197);
  });

  it('30 verification resends at once over both instances: three answered 202, the rest 429', async () => {
    const { accessToken } = await register(uniqueEmail('redis-resend'));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        post(n, '/auth/email/resend', null, { authorization: `Bearer ${accessToken}` }),
      ),
    );
    assert.equal(answers.filter((answer) => answer.status === 202).length, 3);
    assert.equal(answers.filter((answer) => answer.status === 429).length, 27);
  });

  it('30 wrong passwords at once on email change and deletion over both instances: five 403s, the rest 429', async () => {
    const { accessToken } = await register(uniqueEmail('redis-email-change'));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        n % 2
          ? post(
              n,
              '/auth/email/change',
              { newEmail: uniqueEmail('redis-takeover'), password: `guess ${n}` },
              {
                authorization: `Bearer ${accessToken}`,
              },
            )
          : fetch(`${urls[n % 2]}/auth/me`, {
              method: 'DELETE',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
              body: JSON.stringify({ password: `guess ${n}` }),
            }).then((response) => ({ status: response.status })),
      ),
    );
    assert.equal(answers.filter((answer) => answer.status === 403).length, 5);
    assert.equal(answers.filter((answer) => answer.status === 429).length, 25);
  });

  it('200 made-up email links at once over both instances from one address: 30 answered 400, the rest 429', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        post(
          n,
          '/auth/email/verify',
          { token: `bev_${String(n).padStart(43, 'B')}` },
          { 'x-forwarded-for': `${net}.66` },
        ),
      ),
    );
    assert.equal(answers.filter((answer) => answer.status === 400).length, 30);
    assert.equal(answers.filter((answer) => answer.status === 429).length, 170);
  });

  it('Redis key names hold no email, address or user id, only digests', async () => {
    const email = uniqueEmail('redis-keys');
    const { user } = await register(email);
    await post(1, '/auth/login', { email, password: 'wrong password!' }, { 'x-forwarded-for': `${net}.77` });
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys('{baton-rl}:*');
      assert.ok(keys.length > 0, 'the limits live in Redis');
      const secrets = [email, email.split('@')[0] ?? email, `${net}.77`, String((user as { id: string }).id)];
      for (const secret of secrets) {
        assert.equal(keys.filter((key) => key.includes(secret)).length, 0, `a key holds ${secret}`);
      }
    } finally {
      await redis.quit();
    }
  });

  it('a todo title with a NUL is refused with 400 on PostgreSQL (which cannot store one), never a 500', async () => {
    const { accessToken } = await register(uniqueEmail('redis-nul'));
    const answer = await post(
      0,
      '/todos',
      { title: 'nul \u0000 inside' },
      { authorization: `Bearer ${accessToken}` },
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, 'invalid_request');
  });
});
