import type { Meter } from './cpuSplit.js';
import type { AuthApi, TokenPair } from './stacks.js';
import { loopFor, percentile } from './stats.js';

export interface RefreshResult {
  readonly clients: number;
  readonly sessions: number;
  /** Successful (2xx) rotations per second. */
  readonly perSecond: number;
  readonly ok: number;
  readonly failed: number;
  /** The 99th percentile of a successful rotation's round trip, in ms (what a waiting client sees). */
  readonly p99Ms: number;
}

/**
 * Refresh chains: every session is a chain that presents its newest refresh token and keeps the
 * successor, as a client does. `clients` loops run at once, each taking the next idle session in
 * turn, so no two requests ever present the same token and, with many sessions, no one user
 * refreshes more often than a real client would (Baton limits successful refreshes per user).
 * A refused rotation leaves the session's token as it was and counts as a failure, never a success.
 * `sessions` is updated in place; `meter`, if given, sees the measured part (after the warm-up)
 * begin and end. With several base URLs (instances behind one database) each session keeps to one
 * of them, as a client behind a sticky balancer would not, but every instance gets the same share.
 */
export async function runRefreshChains(
  baseUrl: string | readonly string[],
  api: AuthApi,
  sessions: TokenPair[],
  clients: number,
  seconds: number,
  meter?: Meter,
): Promise<RefreshResult> {
  if (sessions.length < clients) throw new TypeError('need at least one session per client');
  const idle = sessions.map((_, index) => index);
  let latencies: number[] | undefined;
  const step = async () => {
    const index = idle.shift()!;
    try {
      const url = typeof baseUrl === 'string' ? baseUrl : baseUrl[index % baseUrl.length]!;
      const started = performance.now();
      const next = await api.refresh(url, sessions[index]!.refreshToken);
      if (!next) return false;
      latencies?.push(performance.now() - started);
      sessions[index] = next;
      return true;
    } finally {
      idle.push(index);
    }
  };
  await loopFor(0.5, clients, step);
  latencies = [];
  meter?.begin();
  const { ok, failed, perSecond } = await loopFor(seconds, clients, step);
  meter?.end(ok);
  return { clients, sessions: sessions.length, perSecond, ok, failed, p99Ms: percentile(latencies, 99) };
}
