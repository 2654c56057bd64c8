/**
 * @baton/server: JWT access tokens, rotating refresh tokens with reuse detection, sessions and
 * JWKS, as an embeddable Fastify app.
 */
export { BODY_LIMIT, createServer } from './app.js';
export type { PublicUser } from './auth/context.js';
export type { SessionView } from './auth/sessionList.js';
export type { TokenResponse } from './auth/sessions.js';
export { type Clock, createManualClock, type ManualClock, systemClock } from './clock.js';
export {
  ConfigError,
  optionsFromEnv,
  resolveConfig,
  type ServerConfig,
  type ServerOptions,
} from './config.js';
export { PROBLEMS, type ProblemBody, type ProblemCode, ProblemError } from './errors.js';
export * from './store/index.js';
export { type BatchFailure, createPostgresStore, type PostgresStoreOptions } from './store/postgres/index.js';
export type { AccessClaims } from './tokens/access.js';
export { REFRESH_TOKEN_PREFIX } from './tokens/refresh.js';
