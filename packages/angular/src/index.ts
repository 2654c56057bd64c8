/**
 * @baton/angular: the Baton token client in Angular. `provideBaton()` puts a client into DI,
 * `batonInterceptor` authenticates `HttpClient`, `authGuard` / `guestGuard` guard routes with
 * `UrlTree`s, and `BatonAuth` exposes the session as signals and RxJS observables.
 */
export { BatonAuth } from './batonAuth.js';
export {
  BATON_CLIENT,
  BATON_ROUTES,
  type BatonConfig,
  type BatonRoutes,
  type SignInHandler,
  type SignOutDetail,
  type SignOutHandler,
} from './config.js';
export { authGuard, guestGuard, safeReturnUrl } from './guards.js';
export { batonInterceptor } from './interceptor.js';
export {
  type BatonFeature,
  provideBaton,
  withRoutes,
  withSignInHandler,
  withSignOutHandler,
} from './provideBaton.js';
