import { InjectionToken } from '@angular/core';
import type { AuthClient, AuthClientOptions, SignOutReason } from '@baton/client';

/**
 * What {@link provideBaton} needs: either the options of a client to create, or a client created
 * elsewhere (shared with non-Angular code, or a test double).
 */
export type BatonConfig = AuthClientOptions | { readonly client: AuthClient };

/** Where the guards and the sign-out navigation send the user. */
export interface BatonRoutes {
  /** The sign-in page. Default `/login`. */
  readonly loginPath: string;
  /** Where a signed-in user lands when a guest-only page is asked for. Default `/`. */
  readonly homePath: string;
}

/** Why and from where a session ended, for a {@link SignOutHandler}. */
export interface SignOutDetail {
  /** The client's reason: `logout`, `revoked`, `reused` or `refresh_failed`. */
  readonly reason: SignOutReason;
  /**
   * The page the user was on when a forced sign-out (anything but `logout`) took them away, to
   * come back to after signing in again; `null` for a deliberate logout.
   */
  readonly returnUrl: string | null;
}

/**
 * Called once per ended session, in an injection context. `loginUrl` is `loginPath`, with
 * `?returnUrl=...&reason=...` after a forced sign-out. Default: navigate to `loginUrl` (unless the
 * login page is already shown).
 */
export type SignOutHandler = (loginUrl: string, detail: SignOutDetail) => unknown;

/**
 * Called, in an injection context, when a session starts (here or in another tab) while a
 * guest-only page (one guarded by `guestGuard`) is shown; `url` is its `returnUrl` (same-app paths
 * only) or `homePath`. Default: navigate there.
 */
export type SignInHandler = (url: string) => unknown;

/** The {@link AuthClient} behind the adapter, for code that needs the client itself. */
export const BATON_CLIENT = new InjectionToken<AuthClient>('BATON_CLIENT');

/** The resolved {@link BatonRoutes}. */
export const BATON_ROUTES = new InjectionToken<BatonRoutes>('BATON_ROUTES');

/** The routes used when no `withRoutes()` feature says otherwise. */
export const DEFAULT_ROUTES: BatonRoutes = { loginPath: '/login', homePath: '/' };

/** The resolved {@link SignOutHandler}; `null` means "navigate to the login page". */
export const BATON_SIGN_OUT_HANDLER = new InjectionToken<SignOutHandler | null>('BATON_SIGN_OUT_HANDLER');

/** The resolved {@link SignInHandler}; `null` means "navigate to the URL". */
export const BATON_SIGN_IN_HANDLER = new InjectionToken<SignInHandler | null>('BATON_SIGN_IN_HANDLER');
