import type { Clock } from '../clock.js';

/** At most `max` events for `key` in a window of `windowSeconds` that opens at the key's first event. */
export interface CountLimit {
  readonly kind: 'count';
  readonly key: string;
  readonly max: number;
  readonly windowSeconds: number;
}

/**
 * Events for `key` counted over `windowSeconds`; the first `free` pass, and each one beyond them
 * locks the key for `baseSeconds`, doubling with every further event, at most `maxSeconds`.
 */
export interface BackoffLimit {
  readonly kind: 'backoff';
  readonly key: string;
  readonly free: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly windowSeconds: number;
}

export type Limit = CountLimit | BackoffLimit;

/** The answer to {@link RateLimiter.reserve}. */
export type Reservation =
  | {
      readonly granted: true;
      /** Keys of the backoff limits whose lock this reservation switched on. */
      readonly locked: readonly string[];
    }
  | {
      readonly granted: false /** Whole seconds until the blocking window or lock ends (at least 1). */;
      readonly retryAfter: number;
    };

/** A granted reservation. */
export type Granted = Extract<Reservation, { granted: true }>;

/**
 * Counts events against limits, atomically: {@link reserve} checks every limit and, only if all
 * of them allow one more event, counts it on all of them, in one step that no concurrent caller
 * can interleave with. Callers reserve *before* the slow work (a password hash) and hand the event
 * back with {@link release} when it turns out not to count (a successful login), so a burst of
 * parallel requests is limited exactly like the same requests one after the other.
 *
 * Implementations: in this process ({@link memoryRateLimiter}) and in Redis (one Lua script, so
 * every instance of a deployment shares one count). The policy (which keys, which limits) lives in
 * `throttle.ts`. A key reads `kind:subject`, the kind one of a fixed set of names (`login-account`,
 * `mail-address`, ...) and never anything a request chose: the in-process limiter gives each kind
 * room of its own.
 */
export interface RateLimiter {
  reserve(limits: readonly Limit[]): Promise<Reservation>;
  /** Hands back a granted reservation: one event less on each limit, and the locks it switched on lifted. */
  release(limits: readonly Limit[], reservation: Granted): Promise<void>;
  /**
   * Hands back `returned`, then reserves `limits`, in one step: for an attempt that turns out not
   * to count at the moment it needs its next reservation (a refresh token found genuine, then
   * counted against its user). The hand-back happens whether or not the reservation is granted;
   * when the call fails (Redis unreachable and no fallback), neither happens, and the handed-back
   * events stay counted until their window ends. On Redis one round trip instead of two.
   */
  exchange(returned: Returned, limits: readonly Limit[]): Promise<Reservation>;
}

/** A granted reservation of `limits`, to hand back. */
export interface Returned {
  readonly limits: readonly Limit[];
  readonly reservation: Granted;
}

/** Seconds of lock for the `count`th event of a backoff limit (0 while the event is free). */
export function backoffSeconds(limit: BackoffLimit, count: number): number {
  if (count <= limit.free) return 0;
  const doublings = Math.min(count - limit.free - 1, 30);
  return Math.min(limit.baseSeconds * 2 ** doublings, limit.maxSeconds);
}

/**
 * A key's events in its current window and, for a backoff limit, the end of its lock: kept while
 * either still restricts something, and not longer.
 */
interface Counter {
  start: number;
  windowMs: number;
  count: number;
  lockedUntil: number;
}

/** The counters of one kind of key. */
interface Room {
  readonly counters: Map<string, Counter>;
  /** No counter of the room ends before this (a lower bound): a sweep before it frees nothing. */
  earliestEnd: number;
  sweptAt: number;
}

/** A full room is swept at most this often: a sweep visits every counter of the room. */
const SWEEP_INTERVAL_MS = 1000;

/** How many of a full room's oldest counters are weighed to choose the one that makes way. */
const CANDIDATES = 16;

const counting = (counter: Counter, now: number) =>
  counter.count > 0 && now - counter.start < counter.windowMs;

/** When `counter` stops restricting anything: its window and its lock both over. */
const endOf = (counter: Counter) =>
  Math.max(counter.count > 0 ? counter.start + counter.windowMs : 0, counter.lockedUntil);

/** What forgetting `counter` would give away: a lock, above all; else the events it counted. */
const worth = (counter: Counter, now: number) =>
  counter.lockedUntil > now ? Number.POSITIVE_INFINITY : counter.count;

/**
 * A {@link RateLimiter} in this process's memory, on the injected clock. JavaScript runs
 * `reserve` to completion before any other request's code, which is what makes it atomic here.
 *
 * Bounded, and a flood forgets its own counters first. Each kind of key (see {@link RateLimiter})
 * has room for `maxKeysPerKind` counters: with the default, about 3.4 MB a full kind (170 bytes a
 * counter), 48 MB were all 14 kinds of `throttle.ts` full at once. A counter leaves when it stops
 * restricting anything: its window and lock are over (seen at its next use, or by a sweep of its
 * room when the room is full, at most once a second) or all its events were handed back (a
 * successful login leaves nothing behind).
 *
 * When a room is full of live counters, a new key still gets its counter: the least-counted of
 * the room's {@link CANDIDATES} oldest counters makes way (a locked one only if all are locked;
 * the oldest among equals). A flood of made-up keys, one request each, then forgets its own
 * counters, never a lockout or a counter that many failures built: dropping the oldest counter, as
 * this limiter once did, let forgot-password requests for made-up addresses lift every lockout. To
 * push a counter out a flooder must fill the room with counters that count more, as many failures
 * each as the victim's: a failed login costs an argon2 hash, and a wrong current password needs
 * the account's token. Refusing new keys instead would let the same flood stop every refresh and
 * every sign-in from an address not yet counted. Behind Redis this limiter is the fallback while
 * Redis is unreachable, and holds to the same bound.
 */
export function memoryRateLimiter(clock: Clock, maxKeysPerKind = 20_000): RateLimiter {
  if (!Number.isSafeInteger(maxKeysPerKind) || maxKeysPerKind < 1)
    throw new TypeError(`maxKeysPerKind must be a positive integer, not ${maxKeysPerKind}`);
  const rooms = new Map<string, Room>();
  const kindOf = (key: string) => key.slice(0, key.indexOf(':') + 1);
  const roomOf = (key: string): Room => {
    const kind = kindOf(key);
    let room = rooms.get(kind);
    if (!room) {
      room = {
        counters: new Map(),
        earliestEnd: Number.POSITIVE_INFINITY,
        sweptAt: Number.NEGATIVE_INFINITY,
      };
      rooms.set(kind, room);
    }
    return room;
  };
  /** The counter of `key` if it still restricts something; an ended one is deleted. */
  const live = (room: Room, key: string, now: number): Counter | undefined => {
    const counter = room.counters.get(key);
    if (counter && endOf(counter) <= now) {
      room.counters.delete(key);
      return undefined;
    }
    return counter;
  };
  const sweep = (room: Room, now: number) => {
    room.sweptAt = now;
    room.earliestEnd = Number.POSITIVE_INFINITY;
    for (const [key, counter] of room.counters) {
      const end = endOf(counter);
      if (end <= now) room.counters.delete(key);
      else room.earliestEnd = Math.min(room.earliestEnd, end);
    }
  };
  /** Frees a place in a full `room`: ended counters if a sweep is due, else the one worth least. */
  const makeWay = (room: Room, now: number) => {
    if (now >= room.earliestEnd && now - room.sweptAt >= SWEEP_INTERVAL_MS) sweep(room, now);
    if (room.counters.size < maxKeysPerKind) return;
    let chosen: string | undefined;
    let least = Number.POSITIVE_INFINITY;
    let weighed = 0;
    // Maps iterate in insertion order: these are the oldest counters.
    for (const [key, counter] of room.counters) {
      const value = worth(counter, now);
      if (chosen === undefined || value < least) {
        chosen = key;
        least = value;
      }
      // One event is the least a live counter holds: none of the rest can be worth less.
      if (++weighed === CANDIDATES || least <= 1) break;
    }
    if (chosen !== undefined) room.counters.delete(chosen);
  };
  const reserve = (limits: readonly Limit[]): Reservation => {
    const now = clock.now();
    let blockedUntil = 0;
    for (const limit of limits) {
      const counter = live(roomOf(limit.key), limit.key, now);
      if (!counter) continue;
      if (limit.kind === 'backoff') blockedUntil = Math.max(blockedUntil, counter.lockedUntil);
      else if (counting(counter, now) && counter.count >= limit.max)
        blockedUntil = Math.max(blockedUntil, counter.start + counter.windowMs);
    }
    if (blockedUntil > now)
      return { granted: false, retryAfter: Math.max(1, Math.ceil((blockedUntil - now) / 1000)) };
    const locked: string[] = [];
    for (const limit of limits) {
      const room = roomOf(limit.key);
      const windowMs = limit.windowSeconds * 1000;
      let counter = room.counters.get(limit.key);
      if (!counter) {
        if (room.counters.size >= maxKeysPerKind) makeWay(room, now);
        counter = { start: now, windowMs, count: 0, lockedUntil: 0 };
        room.counters.set(limit.key, counter);
        room.earliestEnd = Math.min(room.earliestEnd, now + windowMs);
      } else if (!counting(counter, now)) {
        // Only its lock was left: a new window opens.
        counter.start = now;
        counter.windowMs = windowMs;
        counter.count = 0;
      }
      counter.count += 1;
      const lockSeconds = limit.kind === 'backoff' ? backoffSeconds(limit, counter.count) : 0;
      if (lockSeconds > 0) {
        counter.lockedUntil = now + lockSeconds * 1000;
        locked.push(limit.key);
      }
    }
    return { granted: true, locked };
  };
  const release = (limits: readonly Limit[], reservation: Granted): void => {
    const now = clock.now();
    for (const limit of limits) {
      const room = rooms.get(kindOf(limit.key));
      const counter = room && live(room, limit.key, now);
      if (!room || !counter) continue;
      if (counting(counter, now)) counter.count -= 1;
      if (reservation.locked.includes(limit.key)) counter.lockedUntil = 0;
      // Back at zero and unlocked it restricts nothing, and a window its next event opens is no wider.
      if (endOf(counter) <= now) room.counters.delete(limit.key);
      else room.earliestEnd = Math.min(room.earliestEnd, endOf(counter));
    }
  };
  return {
    reserve: async (limits) => reserve(limits),
    release: async (limits, reservation) => release(limits, reservation),
    async exchange(returned, limits) {
      release(returned.limits, returned.reservation);
      return reserve(limits);
    },
  };
}
