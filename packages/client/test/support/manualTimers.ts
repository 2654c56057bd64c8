import type { Timers } from '../../src/index.js';

/** Timers that run only when the test fires them: the client's delays without sleeping. */
export interface ManualTimers {
  readonly timers: Timers;
  /** The delays (ms) of the tasks armed and not yet fired or cleared, oldest first. */
  pending(): number[];
  /** Runs (and removes) the pending tasks whose delay matches; returns how many ran. */
  fire(which: (delayMs: number) => boolean): number;
}

export function manualTimers(): ManualTimers {
  const armed = new Map<number, { task: () => void; delayMs: number }>();
  let ids = 0;
  return {
    timers: {
      setTimeout(task, delayMs) {
        ids += 1;
        armed.set(ids, { task, delayMs });
        return ids;
      },
      clearTimeout(handle) {
        armed.delete(handle as number);
      },
    },
    pending: () => [...armed.values()].map((entry) => entry.delayMs),
    fire(which) {
      const due = [...armed].filter(([, entry]) => which(entry.delayMs));
      for (const [id] of due) armed.delete(id);
      for (const [, entry] of due) entry.task();
      return due.length;
    },
  };
}
