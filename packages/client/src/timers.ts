/**
 * The client's only source of delays: the proactive refresh, the retry back-off, the refresh
 * deadline and the cross-tab lock's timeout all go through an injected {@link Timers}, so tests
 * fire them at will instead of sleeping.
 */
export interface Timers {
  setTimeout(task: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The platform's timers; in Node they never keep the process alive. */
export const systemTimers: Timers = {
  setTimeout(task, delayMs) {
    const handle = globalThis.setTimeout(task, delayMs);
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** setTimeout fires at once beyond 2^31-1 ms. */
const MAX_DELAY_MS = 2_147_483_647;

/** A single re-armable timer: arming it again replaces the pending task. */
export interface Timer {
  set(delayMs: number, task: () => void): void;
  clear(): void;
}

export function createTimer(timers: Timers): Timer {
  let handle: unknown;
  let armed = false;
  const clear = () => {
    if (armed) timers.clearTimeout(handle);
    armed = false;
  };
  return {
    set(delayMs, task) {
      clear();
      armed = true;
      handle = timers.setTimeout(
        () => {
          armed = false;
          task();
        },
        Math.min(Math.max(0, delayMs), MAX_DELAY_MS),
      );
    },
    clear,
  };
}

/** A deadline: its `signal` aborts with a `TimeoutError` after `delayMs`, timed by `timers`. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Disarms it once the work is done, so that no timer outlives the work (and keeps Node alive). */
  clear(): void;
}

/** A {@link Deadline} of `delayMs` on `timers`. */
export function deadline(delayMs: number, timers: Timers): Deadline {
  const controller = new AbortController();
  const handle = timers.setTimeout(
    () => controller.abort(new DOMException(`No answer within ${delayMs} ms.`, 'TimeoutError')),
    delayMs,
  );
  return { signal: controller.signal, clear: () => timers.clearTimeout(handle) };
}
