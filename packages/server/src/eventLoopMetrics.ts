import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from './promClient.js';

/**
 * How often the delay monitor's timer is due, in ms: 100 samples a second, each a few µs of work
 * in Node's C++ (no JavaScript runs for it).
 */
export const DELAY_RESOLUTION_MS = 10;

/** The event loop's metrics of one app, measuring until stopped. */
export interface EventLoopMetrics {
  /** Stops the delay monitor (the app closed). */
  stop(): void;
}

/**
 * Registers the two signals that an instance is saturated, on `registry`. Every request's
 * JavaScript and SQLite statements run on the event loop, one thread: once it is busy all the
 * time, requests queue, however many cores are free, and the answer is another instance
 * (docs/deploy.md, sizing).
 *
 * - `baton_event_loop_busy_seconds_total`: the time the loop spent running rather than waiting
 *   for I/O, so `rate()` of it is the loop's utilisation (1: saturated).
 * - `baton_event_loop_delay_seconds{quantile}`: how late the loop ran a timer due every
 *   {@link DELAY_RESOLUTION_MS} ms, since the previous scrape (the median, the 99th percentile and,
 *   as quantile 1, the longest): what a request arriving at that moment waited before its turn.
 *   Read at each scrape and started over, as prom-client's own `nodejs_eventloop_lag_*` are, so
 *   two Prometheus servers scraping one instance each see part of the delays. Started over, the
 *   monitor counts from its next run: the one interval around a scrape is left out.
 *
 * Both count the process's one event loop: several apps in one process (tests) report the same.
 */
export function registerEventLoopMetrics(registry: Registry): EventLoopMetrics {
  const delays = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delays.enable();
  let counted = performance.eventLoopUtilization();
  new Counter({
    name: 'baton_event_loop_busy_seconds_total',
    help: 'Time the event loop spent running rather than waiting; rate() is its utilisation (1: saturated, add an instance)',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.inc(Math.max(0, now.active - counted.active) / 1000);
      counted = now;
    },
  });
  new Gauge({
    name: 'baton_event_loop_delay_seconds',
    help: `How late the event loop ran a timer due every ${DELAY_RESOLUTION_MS} ms, since the previous scrape, by quantile (1: the longest)`,
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      // The monitor records the whole interval between two runs of its timer: the lateness is what
      // exceeds the resolution. No run since the last scrape records nothing: 0.
      const late = (nanoseconds: number) =>
        delays.count === 0 ? 0 : Math.max(0, nanoseconds / 1e9 - DELAY_RESOLUTION_MS / 1000);
      this.set({ quantile: '0.5' }, late(delays.percentile(50)));
      this.set({ quantile: '0.99' }, late(delays.percentile(99)));
      this.set({ quantile: '1' }, late(delays.max));
      delays.reset();
    },
  });
  return { stop: () => delays.disable() };
}
