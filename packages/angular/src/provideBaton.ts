import {
  DestroyRef,
  type EnvironmentProviders,
  Injector,
  inject,
  makeEnvironmentProviders,
  type Provider,
  provideEnvironmentInitializer,
  runInInjectionContext,
} from '@angular/core';
import { Router } from '@angular/router';
import { type AuthClient, createAuthClient } from '@baton/client';
import { BatonAuth } from './batonAuth.js';
import {
  BATON_CLIENT,
  BATON_ROUTES,
  BATON_SIGN_OUT_HANDLER,
  type BatonConfig,
  type BatonRoutes,
  DEFAULT_ROUTES,
  type SignOutHandler,
} from './config.js';

/** An optional part of {@link provideBaton}, made by a `withX()` function. */
export interface BatonFeature {
  readonly kind: 'routes' | 'sign-out';
  readonly providers: Provider[];
}

/**
 * Wires a Baton token client into Angular: {@link BatonAuth} (the session as signals), the
 * client for {@link batonInterceptor}, and one navigation to the login page per ended session
 * (logout, revoked, refresh token dead). Add the interceptor to `provideHttpClient` yourself, so
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
    features.map((feature) => feature.providers),
    provideEnvironmentInitializer(followSignOuts),
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
 * Replaces the default sign-out navigation (`router.navigateByUrl(loginPath)`), e.g. with Ionic's
 * `NavController.navigateRoot` so that the page stack of the signed-out user is discarded.
 * The handler runs in an injection context, once per ended session.
 *
 * @example
 * withSignOutHandler((loginPath) => inject(NavController).navigateRoot(loginPath))
 */
export function withSignOutHandler(handler: SignOutHandler): BatonFeature {
  if (typeof handler !== 'function') throw new TypeError('withSignOutHandler() expects a function');
  return { kind: 'sign-out', providers: [{ provide: BATON_SIGN_OUT_HANDLER, useValue: handler }] };
}

/**
 * The client emits exactly one `signed-out` event per ended session (also when another tab ended
 * it), so navigating here, and only here, sends the user to the login page exactly once.
 */
function followSignOuts(): void {
  const injector = inject(Injector);
  const client = inject(BATON_CLIENT);
  const { loginPath } = inject(BATON_ROUTES);
  const handler = inject(BATON_SIGN_OUT_HANDLER);
  // Eager, so that the session signal follows the client from the first event on.
  inject(BatonAuth);
  const unsubscribe = client.subscribe((event) => {
    if (event.type !== 'signed-out') return;
    runInInjectionContext(injector, () => {
      if (handler !== null) return void handler(loginPath);
      const router = inject(Router);
      if (router.url.split('?')[0] !== loginPath) void router.navigateByUrl(loginPath, { replaceUrl: true });
    });
  });
  inject(DestroyRef).onDestroy(unsubscribe);
}
