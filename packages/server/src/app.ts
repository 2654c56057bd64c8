import { randomBytes } from 'node:crypto';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { AuthDeps } from './auth/context.js';
import { openRateLimiter } from './auth/redisRateLimiter.js';
import { SessionGate } from './auth/sessionGate.js';
import { Throttle } from './auth/throttle.js';
import { resolveConfig, type ServerOptions } from './config.js';
import { clientErrorHandler, frameworkErrorHandler, registerProblemHandlers } from './http/problems.js';
import { sharedSchemas } from './http/schemas.js';
import { registerSecurityHeaders } from './http/securityHeaders.js';
import { serveApp } from './http/staticApp.js';
import { createMetrics } from './metrics.js';
import { openStore } from './openStore.js';
import { authRoutes } from './routes/auth.js';
import { introspectRoutes } from './routes/introspect.js';
import { metricsRoutes } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth.js';
import { sessionRoutes } from './routes/sessions.js';
import { todoRoutes } from './routes/todos.js';
import { wellKnownRoutes } from './routes/wellKnown.js';
import type { AccessTokenService } from './tokens/access.js';
import { ReloadingAccessTokenService, startKeyReload } from './tokens/keyReload.js';
import type { KeyRing } from './tokens/keys.js';
import { openKeyRing } from './tokens/openKeyRing.js';

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const BODY_LIMIT = 16 * 1024;

/** Paths that always belong to the API, never to the single-page app. */
const API_PREFIXES = ['/auth/', '/todos', '/oauth/', '/.well-known/', '/docs', '/healthz', '/metrics'];

/** Log paths that must never reach a log line: credentials and tokens. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'currentPassword',
  'newPassword',
  'refreshToken',
  'accessToken',
  'token',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
];

/** pino with the secrets redacted, writing to `stream` (default standard output). */
function createLogger(level: string, stream?: { write(line: string): void }): FastifyBaseLogger {
  const options = { level, redact: { paths: REDACTED, censor: '[redacted]' } };
  return stream ? pino(options, stream) : pino(options);
}

/**
 * Builds the Baton server as a Fastify instance, ready to `listen()` or to `register` inside a
 * larger app. Opens (and migrates) the store, loads or creates the signing keys, and closes the
 * store it opened when the instance closes.
 *
 * @example
 * const app = await createServer({ dataDir: './data', accessTtl: 300 });
 * await app.listen({ host: '127.0.0.1', port: 3000 });
 */
export async function createServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const config = resolveConfig(options);
  const { clock } = config;
  const store = options.store ?? (await openStore(config));
  // Released on close, or here if building the app fails half-way (an open Redis keeps a process alive).
  let releaseShared = async () => {};
  try {
    await store.migrate();
    // Other instances (and `baton keys rotate`) add keys: re-read them periodically and on an unknown kid.
    const keys = await openKeyRing(config, store);
    const keyReload = startKeyReload(keys);
    const rateLimiter = await openRateLimiter(config);
    releaseShared = async () => {
      keyReload.close();
      await rateLimiter.close();
    };
    const metrics = createMetrics(store, clock);
    const secret = await store.getOrCreateSecret('refresh-rotation', randomBytes(32).toString('base64url'));
    const deps: AuthDeps = {
      store,
      config,
      clock,
      accessTokens: new ReloadingAccessTokenService(
        { keys, issuer: config.issuer, audience: config.audience, ttl: config.accessTtl, clock },
        keyReload,
      ),
      throttle: new Throttle(rateLimiter.limiter, config.rateLimits),
      observe: metrics.observe,
      sessions: new SessionGate(store, clock),
      rotationSecret: Buffer.from(secret, 'base64url'),
    };

    const app = Fastify({
      // A silent pino would still cost a child logger per request; no logger costs nothing.
      ...(config.logLevel === false || config.logLevel === 'silent'
        ? { logger: false }
        : { loggerInstance: createLogger(config.logLevel, options.logStream) }),
      bodyLimit: BODY_LIMIT,
      trustProxy: config.trustProxy,
      // Input must already have the right types: no silent coercion of `123` into `"123"`.
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
      routerOptions: { maxParamLength: 200 },
      frameworkErrors: frameworkErrorHandler,
      clientErrorHandler,
    });
    app.addHook('onClose', () => releaseShared());
    if (!options.store) app.addHook('onClose', () => store.close());
    metrics.instrument(app);
    app.decorate('baton', { config, store, keys, accessTokens: deps.accessTokens });
    for (const schema of sharedSchemas) app.addSchema(schema);
    const appFallback = config.appDir ? await serveApp(app, config.appDir, API_PREFIXES) : undefined;
    registerProblemHandlers(app, appFallback);
    registerSecurityHeaders(app, config.appConnectOrigins);

    // A strict allow-list: no origin is allowed unless configured, and without an allow-list the
    // plugin (a hook on every request) is not installed at all. Credentials travel as bearer
    // tokens, never cookies, so no `Access-Control-Allow-Credentials`.
    if (config.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: [...config.corsOrigins],
        methods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type'],
        maxAge: 600,
      });
    }
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Baton',
          version: '0.1.0',
          description: 'JWT access tokens and rotating refresh tokens.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            clientBasic: {
              type: 'http',
              scheme: 'basic',
              description: 'a resource-server client credential',
            },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    await app.register(authRoutes, { deps });
    await app.register(sessionRoutes, { deps });
    await app.register(todoRoutes, { deps });
    await app.register(wellKnownRoutes, { keys });
    await app.register(oauthRoutes, { deps });
    await app.register(introspectRoutes, { deps });
    await app.register(metricsRoutes, { registry: metrics.registry });
    return app;
  } catch (error) {
    await releaseShared();
    if (!options.store) await store.close();
    throw error;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Baton's services, for embedding apps and the CLI. */
    baton: {
      readonly config: ReturnType<typeof resolveConfig>;
      readonly store: import('./store/store.js').Store;
      readonly keys: KeyRing;
      readonly accessTokens: AccessTokenService;
    };
  }
}
