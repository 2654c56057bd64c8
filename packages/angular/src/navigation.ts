import { DestroyRef, Injector, inject, runInInjectionContext } from '@angular/core';
import { type ActivatedRouteSnapshot, Router } from '@angular/router';
import type { SignOutReason } from '@baton/client';
import { BatonAuth } from './batonAuth.js';
import {
  BATON_CLIENT,
  BATON_ROUTES,
  BATON_SIGN_IN_HANDLER,
  BATON_SIGN_OUT_HANDLER,
  type SignOutDetail,
} from './config.js';
import { guestGuard, safeReturnUrl } from './guards.js';

/**
 * Follows the session with navigation, for every tab alike: an ended session goes to the login
 * page once (the client emits exactly one `signed-out` per ended session, also when another tab
 * ended it), and a session that starts while a guest-only page is shown (a login here, or in
 * another tab) leaves that page for its `returnUrl` or the home page.
 */
export function followSessionChanges(): void {
  const injector = inject(Injector);
  const client = inject(BATON_CLIENT);
  // Eager, so that the session signal follows the client from the first event on.
  inject(BatonAuth);
  const unsubscribe = client.subscribe((event) => {
    if (event.type === 'signed-out') runInInjectionContext(injector, () => toLogin(event.reason));
    if (event.type === 'signed-in') runInInjectionContext(injector, leaveGuestPage);
  });
  inject(DestroyRef).onDestroy(unsubscribe);
}

function toLogin(reason: SignOutReason): void {
  const router = inject(Router);
  const { loginPath } = inject(BATON_ROUTES);
  const handler = inject(BATON_SIGN_OUT_HANDLER);
  const onLoginPage = router.url.split('?')[0] === loginPath;
  // A deliberate sign-out (logout, or deleting the account) has no page to come back to.
  const deliberate = reason === 'logout' || reason === 'deleted';
  const detail: SignOutDetail = {
    reason,
    // A forced sign-out keeps the page the user was on (and so what they typed there, if the
    // page keeps drafts) to come back to; a deliberate one does not.
    returnUrl: deliberate || onLoginPage ? null : router.url,
  };
  // `reason=deleted` lets the login page say that the account is gone.
  const queryParams = reason === 'logout' ? {} : { returnUrl: detail.returnUrl ?? undefined, reason };
  const loginUrl = router.serializeUrl(router.createUrlTree([loginPath], { queryParams }));
  if (handler !== null) return void handler(loginUrl, detail);
  if (!onLoginPage) void router.navigateByUrl(loginUrl, { replaceUrl: true });
}

function leaveGuestPage(): void {
  const router = inject(Router);
  let route: ActivatedRouteSnapshot = router.routerState.snapshot.root;
  while (route.firstChild !== null) route = route.firstChild;
  if (!route.routeConfig?.canActivate?.includes(guestGuard)) return;
  const target = safeReturnUrl(route.queryParamMap.get('returnUrl')) ?? inject(BATON_ROUTES).homePath;
  const handler = inject(BATON_SIGN_IN_HANDLER);
  if (handler !== null) return void handler(target);
  void router.navigateByUrl(target, { replaceUrl: true });
}
