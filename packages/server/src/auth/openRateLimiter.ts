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
    // Commands of one event-loop turn (the reservations of every request it handled) leave in one
    // write and their answers come back in one read, instead of a round trip each.
    enableAutoPipelining: true,
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
