import { sendJson } from './http.js';
import type { Account, AuthApi } from './stacks.js';
import { loopFor, percentile } from './stats.js';

export interface LoginResult {
  readonly perSecond: number;
  readonly ok: number;
  readonly failed: number;
}

/**
 * Successful logins per second with `concurrency` clients logging in as `accounts` in turn; with
 * several base URLs (instances), client `n` talks to instance `n mod count`.
 */
export async function measureLogins(
  baseUrl: string | readonly string[],
  api: AuthApi,
  accounts: readonly Account[],
  concurrency: number,
  seconds: number,
): Promise<LoginResult> {
  let next = 0;
  const step = async (loop: number) => {
    const account = accounts[next++ % accounts.length]!;
    await api.login(typeof baseUrl === 'string' ? baseUrl : baseUrl[loop % baseUrl.length]!, account);
    return true;
  };
  return loopFor(seconds, concurrency, step);
}

/** The latency of one sequential client: the cost of a single password check plus a round trip. */
export async function singleLoginMs(
  baseUrl: string,
  api: AuthApi,
  account: Account,
  rounds: number,
): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await api.login(baseUrl, account);
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

export interface ProbeResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly sent: number;
  readonly errors: number;
}

/**
 * Open-loop probe: GETs `url` at a fixed `ratePerSecond` whatever the answers' pace, so a server
 * that stalls shows it as latency instead of slowing the probe down (no coordinated omission).
 */
export async function probeLatency(
  url: string,
  token: string,
  ratePerSecond: number,
  seconds: number,
): Promise<ProbeResult> {
  const samples: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.round(ratePerSecond * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Late sends count from when they were due (no coordinated omission); a timer that fired a
    // fraction of a millisecond early counts from the actual send, never giving a negative time.
    const start = Math.min(due, performance.now());
    inFlight.push(
      sendJson(url, { headers: { authorization: `Bearer ${token}` } }).then(
        (response) => {
          if (response.status === 200) samples.push(performance.now() - start);
          else errors++;
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), sent: total, errors };
}
