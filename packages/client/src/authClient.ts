import type { LoginInput, RegisterInput } from './backends/backend.js';
import type { SessionExpiredError } from './errors.js';
import type { AuthEvent } from './events.js';
import type { Session } from './session.js';

/** Which sessions {@link AuthClient.logout} ends. */
export interface LogoutOptions {
  /**
   * `current` (default): this session, here and (best effort) on the server. `others`: every
   * other session of the user, on the server, keeping this one; throws when the server did not
   * confirm.
   */
  readonly scope?: 'current' | 'others';
}

/**
 * The token client: one per app, made by `createAuthClient`. Every method is safe to call before
 * `ready`; they wait for the stored session to be restored first.
 */
export interface AuthClient {
  /** Resolves once the stored session has been restored (never rejects). */
  readonly ready: Promise<void>;
  register(input: RegisterInput): Promise<Session>;
  login(input: LoginInput): Promise<Session>;
  /**
   * Signs out here and, best effort, on the server; never throws for server or network failures.
   * With `{ scope: 'others' }` ends every other session of the user instead (see {@link LogoutOptions}).
   */
  logout(options?: LogoutOptions): Promise<void>;
  /**
   * Ends every session of the user on the server, then signs out here. If the server did not
   * confirm (network failure, refusal), this device stays signed in and the error is thrown.
   */
  logoutAll(): Promise<void>;
  /** The global `fetch`, authenticated for allowed origins; refreshes and retries once on a 401. */
  fetch: typeof globalThis.fetch;
  /** A fresh access token (waits for a running refresh, refreshes when near expiry), or null when signed out. */
  getAccessToken(): Promise<string | null>;
  readonly session: Session | null;
  /**
   * Calls `listener` with every {@link AuthEvent}; returns an unsubscribe function. Each listener
   * first gets one `initial-session` event: at once when the stored session is already restored,
   * else when it is.
   */
  subscribe(listener: (event: AuthEvent) => void): () => void;
  /** Whether a bearer token would be attached to this URL. */
  isAllowedUrl(url: string | URL): boolean;
  /**
   * Shared single-flight refresh for a 401 seen by another HTTP stack (e.g. Angular's HttpClient).
   * Returns the current token without refreshing if it already differs from the rejected one.
   * Throws {@link SessionExpiredError} when the session is dead.
   */
  recoverFromUnauthorized(rejectedAccessToken: string): Promise<string>;
  /** Call when the app returns to the foreground (Capacitor `resume`); refreshes if due. */
  resume(): Promise<void>;
  /** Stops timers, listeners and channels. */
  dispose(): void;
}
