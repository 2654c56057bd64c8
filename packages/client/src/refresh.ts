/**
 * Single flight: however many callers ask at once, the task runs once and they all share its
 * outcome. The promise lives in this closure and is cleared in `finally`, so the next caller after
 * a settled run (success or failure) starts a fresh one.
 */
export interface SingleFlight<T> {
  /** Joins the running task, or starts it when none is running. */
  (): Promise<T>;
  /** The running task, if any, without starting one. */
  readonly pending: () => Promise<T> | null;
}

export function singleFlight<T>(task: () => Promise<T>): SingleFlight<T> {
  let running: Promise<T> | null = null;
  const run = () => {
    // Starting the task a microtask later keeps `finally` asynchronous even when the task throws
    // synchronously, so it can never clear the slot before it was filled.
    running ??= Promise.resolve()
      .then(task)
      .finally(() => {
        running = null;
      });
    return running;
  };
  return Object.assign(run, { pending: () => running });
}
