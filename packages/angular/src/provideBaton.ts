import {
  DestroyRef,
  type EnvironmentProviders,
  inject,
  makeEnvironmentProviders,
  type Provider,
  provideEnvironmentInitializer,
} from '@angular/core';
import { type AuthClient, createAuthClient } from '@baton/client';
import { BatonAuth } from './batonAuth.js';
import {
  BATON_CLIENT,
  BATON_ROUTES,
  BATON_SIGN_IN_HANDLER,
  BATON_SIGN_OUT_HANDLER,
  type BatonConfig,
  type BatonRoutes,
  DEFAULT_ROUTES,
  type SignInHandler,
  type SignOutHandler,
} from './config.js';
import { followSessionChanges } from './navigation.js';

/** An optional part of {@link provideBaton}, made by a `withX()` function. */
export interface BatonFeature {
  readonly kind: 'routes' | 'sign-out' | 'sign-in';
  readonly providers: Provider[];
}

/**
 * Wires a Baton token client into Angular: {@link BatonAuth} (the session as signals and
 * observables), the client for {@link batonInterceptor}, one navigation to the login page per
 * ended session (logout, revoked, refresh token dead; with `returnUrl` and `reason` when it was
 * forced), and one navigation away from a guest-only page when a session starts (here or in
 * another tab), so login pages need not navigate themselves. Add the interceptor to `provideHttpClient` yourself, so
 * that its order among your other interceptors stays visible.
 *
 * @example
 * bootstrapApplication(App, {
 *   providers: [
 *     provideRouter(routes),
 *     provideHttpClient(withInterceptors([batonInterceptor])),
 *     provideBaton({ baseUrl: location.origin }, withRoutes({ loginPath: '/login', homePath: '/todos' })),
 *   ],
 * });
 */
export function provideBaton(config: BatonConfig, ...features: BatonFeature[]): EnvironmentProviders {
  if (typeof config !== 'object' || config === null) throw new TypeError('provideBaton() expects a config');
  return makeEnvironmentProviders([
    {
      provide: BATON_CLIENT,
      useFactory: (): AuthClient => {
        if ('client' in config) return config.client;
        const client = createAuthClient(config);
        inject(DestroyRef).onDestroy(() => client.dispose());
        return client;
      },
    },
    {
      provide: BatonAuth,
      useFactory: () => {
        const auth = new BatonAuth(inject(BATON_CLIENT));
        inject(DestroyRef).onDestroy(() => auth.disconnect());
        return auth;
      },
    },
    // Defaults first: a feature's provider for the same token comes later and wins.
    { provide: BATON_ROUTES, useValue: DEFAULT_ROUTES },
    { provide: BATON_SIGN_OUT_HANDLER, useValue: null },
    { provide: BATON_SIGN_IN_HANDLER, useValue: null },
    features.map((feature) => feature.providers),
    provideEnvironmentInitializer(followSessionChanges),
  ]);
}

/**
 * Sets the login page and the page signed-in users land on instead of guest-only pages.
 *
 * @example
 * provideBaton(config, withRoutes({ loginPath: '/login', homePath: '/todos' }))
 */
export function withRoutes(routes: Partial<BatonRoutes>): BatonFeature {
  const resolved: BatonRoutes = { ...DEFAULT_ROUTES, ...routes };
  for (const [name, path] of Object.entries(resolved)) {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`withRoutes(): ${name} must be an absolute path, got '${String(path)}'`);
    }
  }
  return { kind: 'routes', providers: [{ provide: BATON_ROUTES, useValue: resolved }] };
}

/**
 * Replaces the default sign-out navigation (`router.navigateByUrl(loginUrl)`), e.g. with Ionic's
 * `NavController.navigateRoot` so that the page stack of the signed-out user is discarded.
 * The handler runs in an injection context, once per ended session.
 *
 * @example
 * withSignOutHandler((loginUrl) => inject(NavController).navigateRoot(loginUrl))
 */
export function withSignOutHandler(handler: SignOutHandler): BatonFeature {
  if (typeof handler !== 'function') throw new TypeError('withSignOutHandler() expects a function');
  return { kind: 'sign-out', providers: [{ provide: BATON_SIGN_OUT_HANDLER, useValue: handler }] };
}

/**
 * Replaces the default navigation away from a guest-only page when a session starts
 * (`router.navigateByUrl(url)`), e.g. with `NavController.navigateRoot`.
 *
 * @example
 * withSignInHandler((url) => inject(NavController).navigateRoot(url))
 */
export function withSignInHandler(handler: SignInHandler): BatonFeature {
  if (typeof handler !== 'function') throw new TypeError('withSignInHandler() expects a function');
  return { kind: 'sign-in', providers: [{ provide: BATON_SIGN_IN_HANDLER, useValue: handler }] };
}
