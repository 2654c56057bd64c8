/** Runs asynchronous tasks with at most a fixed number in flight; the rest wait in FIFO order. */
export interface ConcurrencyLimit {
  /** Runs `task` once fewer than `limit` tasks are in flight, and settles as it settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

/**
 * A counting semaphore for CPU-heavy work handed to the thread pool. Password hashing is the
 * case: argon2 on every core at once starves the event loop, and a login storm would then slow
 * every other request (the benchmark measures it as the p99 of protected GETs during a storm).
 */
export function createConcurrencyLimit(limit: number): ConcurrencyLimit {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active -= 1;
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < limit) active += 1;
      // The slot passes straight from the releasing task to this one (active stays the same).
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
