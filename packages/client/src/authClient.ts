import type {
  ChangeEmailInput,
  ChangePasswordInput,
  LoginInput,
  RegisterInput,
  ResetPasswordInput,
  UpdateProfileInput,
  VerifyEmailInput,
} from './backends/backend.js';
import type { SessionExpiredError } from './errors.js';
import type { AuthEvent } from './events.js';
import type { Session, User } from './session.js';

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

  // Account operations. Those marked "signed in" use a fresh access token (one refresh and retry
  // on a 401) and throw SessionExpiredError when nobody is signed in. An operation the backend
  // lacks throws AuthError `not_supported`; a refusal throws the server's code.

  /** Asks the server to mail a reset link to `email`. Resolves alike for unknown addresses. */
  requestPasswordReset(email: string): Promise<void>;
  /**
   * Sets a new password with what the reset link carried (`uid` too for djoser). On Baton every
   * session of the account ends. Throws `invalid_reset_token` for a used or unknown token.
   */
  resetPassword(input: ResetPasswordInput): Promise<void>;
  /**
   * Signed in: changes the password. Every other session ends; this one stays. A wrong current
   * password is `invalid_current_password` (403, so it never triggers a refresh).
   */
  changePassword(input: ChangePasswordInput): Promise<void>;
  /**
   * Follows a verification link (`uid` too for djoser's activation links), signed in or out. When
   * signed in, the session's user is reloaded so `emailVerified` says what the server now knows.
   */
  verifyEmail(input: VerifyEmailInput): Promise<void>;
  /**
   * Asks for a new verification link. Signed in: for the signed-in user (Baton uses the token;
   * djoser the given email or the session user's). Signed out: `email` is required.
   */
  resendVerification(input?: { readonly email?: string }): Promise<void>;
  /** Signed in: mails a link to `newEmail`; the address changes when it is followed (Baton only). */
  changeEmail(input: ChangeEmailInput): Promise<void>;
  /**
   * Signed in: changes the name (`null` removes it) and returns the updated user, which also
   * replaces the session's user here and in the other tabs (`user-updated` event).
   */
  updateProfile(input: UpdateProfileInput): Promise<User>;
  /**
   * Fetches the signed-in user again and stores it in the session (`user-updated` event when it
   * changed). Resolves `null` when nobody is signed in.
   */
  reloadUser(): Promise<User | null>;
  /**
   * Signed in: deletes the account and everything of it, then signs out with reason `deleted`.
   * On a refusal (`invalid_current_password`) or no answer, stays signed in and throws.
   */
  deleteAccount(input: { readonly password: string }): Promise<void>;
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
