import type { ServerConfig } from '../config.js';
import { memoryRateLimiter, type RateLimiter } from './rateLimiter.js';

/** The limiter a deployment's configuration selects, and how to release it. */
export interface OpenedRateLimiter {
  readonly limiter: RateLimiter;
  close(): Promise<void>;
}

/**
 * Opens the rate limiter of `config`: Redis when `redisUrl` is set (falling back to in-process
 * counters while Redis is unreachable, so an outage never blocks logins), otherwise in-process.
 */
export async function openRateLimiter(
  config: Pick<ServerConfig, 'redisUrl' | 'clock'>,
  onError: (error: unknown) => void = () => {},
): Promise<OpenedRateLimiter> {
  const local = memoryRateLimiter(config.clock);
  if (config.redisUrl === undefined) return { limiter: local, close: async () => {} };
  // Loaded only with a Redis URL: an embedded server never pays for the client.
  const [{ Redis }, { redisRateLimiter }] = await Promise.all([
    import('ioredis'),
    import('./redisRateLimiter.js'),
  ]);
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    // Fail fast while disconnected instead of queueing: the fallback answers meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // No auto-pipelining: it holds each command back to the next setImmediate and wraps it in a
    // pipeline of its own, and a refresh's two scripts rarely meet another request's in one turn.
    // Measured with `AB_STORE=postgres npm run ab -w @baton/bench` (16 clients, one instance, two
    // runs of 6 and 8 alternating rounds): without it 2,608 and 2,474 rotations/s against 2,488 and
    // 2,358 (every pair won), Baton's CPU 287-291 against 310-319 µs a rotation, p99 10.9-11.9
    // against 14.5 ms; with 64 clients 4,133 against 3,805/s. Redis spends about 5 µs more a
    // rotation reading the commands one by one.
  });
  redis.on('error', () => {});
  await redis.connect().catch(onError);
  return {
    limiter: redisRateLimiter(redis, { fallback: local, onError }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
