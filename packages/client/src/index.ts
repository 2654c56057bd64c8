/**
 * @baton/client: a framework-agnostic token client. Keeps an access + refresh token pair,
 * authenticates `fetch` for allowed origins, refreshes once for any number of parallel requests
 * (and once across tabs), and signs out cleanly when the refresh token dies.
 */

export type { AuthClient, LogoutOptions } from './authClient.js';
export type {
  Backend,
  BackendContext,
  ChangeEmailInput,
  ChangePasswordInput,
  LoginInput,
  RegisterInput,
  ResetPasswordInput,
  UpdateProfileInput,
  VerifyEmailInput,
} from './backends/backend.js';
export { type BatonBackendOptions, batonBackend } from './backends/baton.js';
export { type DjoserBackendOptions, defaultDjoserRegistration, djoserBackend } from './backends/djoser.js';
export { type OAuth2BackendOptions, oauth2Backend } from './backends/oauth2.js';
export { createAuthClient } from './client.js';
export {
  type AuthErrorCode,
  BATON_PROBLEM_CODES,
  type BatonProblemCode,
  type ClientErrorCode,
} from './errorCodes.js';
export {
  AuthError,
  type AuthErrorOptions,
  NetworkError,
  RefreshUnavailableError,
  SessionExpiredError,
} from './errors.js';
export type { AuthEvent, SignOutReason } from './events.js';
export type { AuthClientOptions } from './options.js';
export { type SingleFlight, singleFlight } from './refresh.js';
export { RETRY_BASE_MS, RETRY_MAX_MS, retryDelayAfter, retryDelayMs } from './scheduler.js';
export type { Session, TokenGrant, User } from './session.js';
export { type AsyncKeyValue, asyncStorage } from './storage/keyValue.js';
export { memoryStorage } from './storage/memory.js';
export type { TokenStorage } from './storage/storage.js';
export { localStorageAdapter } from './storage/webStorage.js';
export type { Timers } from './timers.js';
export { resolveUrl } from './url.js';
