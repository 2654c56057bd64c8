/**
 * Baton's own event loop over a window of the bench, read from its `/metrics`: how busy the loop
 * was and how late it ran (`baton_event_loop_busy_seconds_total`, `baton_event_loop_delay_seconds`).
 * Beside a latency probe's numbers, they tell a stall of Baton's loop from one of the machine (the
 * probe's own process, or the server's, waiting for a core).
 */
export interface LoopWindow {
  /** Share of the window the loop spent running, 0 to 1. */
  readonly busy: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
}

/** The value of one series in Prometheus text, or NaN. */
export function seriesValue(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

/** The window between two scrapes `seconds` apart (the delays are the second scrape's own). */
export function loopWindow(before: string, after: string, seconds: number): LoopWindow {
  const busy = 'baton_event_loop_busy_seconds_total';
  const delay = (quantile: string) =>
    seriesValue(after, `baton_event_loop_delay_seconds{quantile="${quantile}"}`) * 1000;
  return {
    busy: (seriesValue(after, busy) - seriesValue(before, busy)) / seconds,
    delayP99Ms: delay('0.99'),
    delayMaxMs: delay('1'),
  };
}

/**
 * Starts a window on the server at `baseUrl` (a scrape, which also starts its delays over);
 * `end()` scrapes again and gives the window's numbers.
 */
export async function startLoopWindow(baseUrl: string): Promise<{ end(): Promise<LoopWindow> }> {
  const scrape = async () => (await fetch(`${baseUrl}/metrics`)).text();
  const before = await scrape();
  const started = performance.now();
  return {
    async end() {
      const after = await scrape();
      return loopWindow(before, after, (performance.now() - started) / 1000);
    },
  };
}
