import { ProblemError } from '../errors.js';
import type { ShareRule } from '../limits.js';

/** A key (an IP, an account) and the share it may take. */
export interface Claim {
  readonly key: string;
  readonly rule: ShareRule;
}

/** Gives each key (client address, account) a bounded share of a scarce resource: the hashing threads. */
export interface FairShare {
  /**
   * Waits until every claimed key has a free slot, takes them all at once, and returns the
   * function that gives them back. Throws 429 `rate_limited` when a key's waiting line is full.
   */
  enter(claims: readonly Claim[]): Promise<() => void>;
  /** Tasks running per key now (for tests and metrics). */
  inFlight(key: string): number;
}

interface Waiter {
  readonly claims: readonly Claim[];
  readonly start: () => void;
}

/**
 * Password hashing is the one expensive thing an anonymous request can make the server do. The
 * rate limits bound how many attempts count; this bounds how many of one client's (or one
 * account's) attempts hash *at the same time*, so a burst from one address queues behind itself
 * and a user elsewhere still finds a hashing thread within a few hashes' time.
 *
 * Slots of all claimed keys are taken together (never one and then wait for the next, which
 * could deadlock two tasks claiming the same keys in another order), and each key's line is
 * first come, first served.
 */
export function createFairShare(): FairShare {
  const running = new Map<string, number>();
  const waitingPerKey = new Map<string, number>();
  const line: Waiter[] = [];
  const add = (map: Map<string, number>, key: string, delta: number) => {
    const next = (map.get(key) ?? 0) + delta;
    if (next > 0) map.set(key, next);
    else map.delete(key);
  };
  const hasRoom = (claims: readonly Claim[]) =>
    claims.every(({ key, rule }) => (running.get(key) ?? 0) < rule.inFlight);
  const take = (claims: readonly Claim[]): (() => void) => {
    for (const { key } of claims) add(running, key, 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      for (const { key } of claims) add(running, key, -1);
      startWaiters();
    };
  };
  const startWaiters = () => {
    // Keys that an earlier waiter still waits for: later waiters on them keep their place in line.
    const blocked = new Set<string>();
    for (let index = 0; index < line.length; ) {
      const waiter = line[index] as Waiter;
      const overtakes = waiter.claims.some(({ key }) => blocked.has(key));
      if (!overtakes && hasRoom(waiter.claims)) {
        line.splice(index, 1);
        for (const { key } of waiter.claims) add(waitingPerKey, key, -1);
        waiter.start();
        continue;
      }
      for (const { key } of waiter.claims) blocked.add(key);
      index++;
    }
  };
  return {
    async enter(claims) {
      const queued = claims.some(({ key }) => waitingPerKey.has(key));
      if (!queued && hasRoom(claims)) return take(claims);
      const full = claims.find(({ key, rule }) => (waitingPerKey.get(key) ?? 0) >= rule.queue);
      if (full) {
        throw new ProblemError(
          'rate_limited',
          'Too many sign-in attempts are running at once. Try again in a moment.',
          {
            'retry-after': '1',
          },
        );
      }
      for (const { key } of claims) add(waitingPerKey, key, 1);
      return new Promise((resolve) => {
        line.push({ claims, start: () => resolve(take(claims)) });
      });
    },
    inFlight: (key) => running.get(key) ?? 0,
  };
}
