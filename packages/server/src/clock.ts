/** A source of the current time in epoch milliseconds. Injected so that tests move time instead of sleeping. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests and simulations. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the current time. */
  set(epochMs: number): void;
}

/**
 * Creates a {@link ManualClock}.
 *
 * @example
 * const clock = createManualClock();
 * const app = await createServer({ clock, accessTtl: 2 });
 * clock.advance(3_000); // every access token issued so far has expired
 */
export function createManualClock(start: number = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(epochMs) {
      current = epochMs;
    },
  };
}
