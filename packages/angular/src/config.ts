import { InjectionToken } from '@angular/core';
import type { AuthClient, AuthClientOptions } from '@baton/client';

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

/** Called once per ended session, in an injection context. Default: navigate to `loginPath`. */
export type SignOutHandler = (loginPath: string) => unknown;

/** The {@link AuthClient} behind the adapter, for code that needs the client itself. */
export const BATON_CLIENT = new InjectionToken<AuthClient>('BATON_CLIENT');

/** The resolved {@link BatonRoutes}. */
export const BATON_ROUTES = new InjectionToken<BatonRoutes>('BATON_ROUTES');

/** The routes used when no `withRoutes()` feature says otherwise. */
export const DEFAULT_ROUTES: BatonRoutes = { loginPath: '/login', homePath: '/' };

/** The resolved {@link SignOutHandler}; `null` means "navigate to the login page". */
export const BATON_SIGN_OUT_HANDLER = new InjectionToken<SignOutHandler | null>('BATON_SIGN_OUT_HANDLER');
