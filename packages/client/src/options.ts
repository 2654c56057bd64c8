import type { Backend } from './backends/backend.js';
import { batonBackend } from './backends/baton.js';
import { memoryStorage } from './storage/memory.js';
import type { TokenStorage } from './storage/storage.js';
import { hasUsableLocalStorage, localStorageAdapter } from './storage/webStorage.js';
import { systemTimers, type Timers } from './timers.js';

/** Options of {@link createAuthClient}. Only `baseUrl` is required. */
export interface AuthClientOptions {
  /** The auth server, e.g. `https://api.example.com`. Its origin receives the bearer token by default. */
  readonly baseUrl: string;
  /** How to talk to the server. Default {@link batonBackend}. */
  readonly backend?: Backend;
  /** Where the session is kept. Default `localStorage` in browsers, memory elsewhere. */
  readonly storage?: TokenStorage;
  /** Origins that receive `Authorization: Bearer`. Default: the origin of `baseUrl` only. */
  readonly allowedOrigins?: readonly string[];
  /** Refresh this many seconds before the access token expires (capped at half its lifetime). Default 30. */
  readonly refreshLeadSeconds?: number;
  /** The fetch to send requests with. Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Coordinate refreshes and share the session between tabs. Default true where `document` exists. */
  readonly crossTab?: boolean;
  /** The storage key (and the name of the cross-tab lock and channel). Default `baton.session`. */
  readonly storageKey?: string;
  /** Time source (epoch ms), for tests and simulations. Default `Date.now`. */
  readonly clock?: { now(): number };
  /** Give up on a refresh request after this many ms (it then counts as a network failure). Default 30000. */
  readonly refreshTimeoutMs?: number;
  /**
   * Wait at most this many ms for the cross-tab refresh lock, then refresh without it (a frozen
   * tab may hold it forever). Default 5000: inside the server's default 10 s grace window.
   */
  readonly lockTimeoutMs?: number;
  /** `setTimeout` / `clearTimeout` for every delay of the client, for tests. Default the platform's. */
  readonly timers?: Timers;
}

/** Options with every default applied and checked once, at creation. */
export interface ResolvedOptions {
  readonly baseUrl: string;
  readonly backend: Backend;
  readonly storage: TokenStorage;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly leadMs: number;
  readonly fetch: typeof globalThis.fetch;
  readonly crossTab: boolean;
  readonly storageKey: string;
  readonly clock: { now(): number };
  readonly refreshTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly timers: Timers;
}

export function resolveOptions(options: AuthClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createAuthClient() expects options');
  const baseUrl = absoluteUrl(options.baseUrl, 'baseUrl').href.replace(/\/+$/, '');
  const allowedOrigins = new Set(
    (options.allowedOrigins ?? [baseUrl]).map((origin) => absoluteUrl(origin, 'allowedOrigins').origin),
  );
  const leadSeconds = options.refreshLeadSeconds ?? 30;
  if (!(Number.isFinite(leadSeconds) && leadSeconds >= 0)) {
    throw new TypeError('refreshLeadSeconds must be a number >= 0');
  }
  const refreshTimeoutMs = positiveMs(options.refreshTimeoutMs ?? 30_000, 'refreshTimeoutMs');
  const lockTimeoutMs = positiveMs(options.lockTimeoutMs ?? 5_000, 'lockTimeoutMs');
  const timers = options.timers ?? systemTimers;
  if (typeof timers?.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new TypeError('timers must have setTimeout() and clearTimeout()');
  }
  const baseFetch = options.fetch ?? globalThis.fetch;
  if (typeof baseFetch !== 'function') throw new TypeError('No fetch available: pass options.fetch');
  return {
    baseUrl,
    backend: options.backend ?? batonBackend(),
    storage: options.storage ?? (hasUsableLocalStorage() ? localStorageAdapter() : memoryStorage()),
    allowedOrigins,
    leadMs: leadSeconds * 1000,
    // Calling an unbound `window.fetch` throws "Illegal invocation" in browsers.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    crossTab: options.crossTab ?? typeof globalThis.document !== 'undefined',
    storageKey: options.storageKey ?? 'baton.session',
    clock: options.clock ?? { now: () => Date.now() },
    refreshTimeoutMs,
    lockTimeoutMs,
    timers,
  };
}

function positiveMs(value: number, option: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${option} must be a number of ms > 0`);
  return value;
}

function absoluteUrl(value: unknown, option: string): URL {
  try {
    const url = new URL(String(value));
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.origin === 'null') throw new Error();
    return url;
  } catch {
    throw new TypeError(`${option}: expected an absolute URL, got '${String(value)}'`);
  }
}
