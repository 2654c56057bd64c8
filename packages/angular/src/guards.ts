import { inject } from '@angular/core';
import { type CanActivateFn, Router, type UrlTree } from '@angular/router';
import { BatonAuth } from './batonAuth.js';
import { BATON_ROUTES } from './config.js';

/**
 * Lets signed-in users through; anyone else gets the login page with `?returnUrl=` set to the
 * page they asked for. Returns a `UrlTree` (the router redirects), never navigates itself.
 *
 * @example
 * { path: 'todos', canActivate: [authGuard], loadComponent: () => import('./todos.page') }
 */
export const authGuard: CanActivateFn = async (_route, state): Promise<true | UrlTree> => {
  const auth = inject(BatonAuth);
  const router = inject(Router);
  const { loginPath } = inject(BATON_ROUTES);
  await auth.ready;
  if (auth.signedIn()) return true;
  return router.createUrlTree([loginPath], { queryParams: { returnUrl: state.url } });
};

/**
 * For guest-only pages (login, register): a signed-in user skips them and goes to `returnUrl`
 * (when it is a path of this app) or to the home page. Returns a `UrlTree`, never navigates.
 *
 * @example
 * { path: 'login', canActivate: [guestGuard], loadComponent: () => import('./login.page') }
 */
export const guestGuard: CanActivateFn = async (route): Promise<true | UrlTree> => {
  const auth = inject(BatonAuth);
  const router = inject(Router);
  const { homePath } = inject(BATON_ROUTES);
  await auth.ready;
  if (!auth.signedIn()) return true;
  return router.parseUrl(safeReturnUrl(route.queryParamMap.get('returnUrl')) ?? homePath);
};

/**
 * `returnUrl` comes from the address bar, so an attacker can set it: only paths of this app are
 * followed (`/todos`, not `https://evil.example` nor the protocol-relative `//evil.example`).
 */
export function safeReturnUrl(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return null;
  // Browsers read `/\evil.example` as `//evil.example` and drop tabs and newlines from URLs.
  if (value.includes('\\') || [...value].some((char) => char.charCodeAt(0) < 0x20)) return null;
  return value;
}
