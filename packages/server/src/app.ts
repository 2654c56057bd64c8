import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import { createAuthenticator } from './auth/authenticate.js';
import type { AuthDeps } from './auth/context.js';
import { createDeviceTokens } from './auth/deviceTokens.js';
import { openRateLimiter } from './auth/openRateLimiter.js';
import { SessionGate } from './auth/sessionGate.js';
import { createThrottle, NO_THROTTLE } from './auth/throttle.js';
import { resolveConfig, type ServerOptions, type TrustProxy } from './config.js';
import { registerEventLoopMetrics } from './eventLoopMetrics.js';
import { onAnswered } from './http/answered.js';
import { registerDocs } from './http/docs.js';
import { clientErrorHandler, frameworkErrorHandler, registerProblemHandlers } from './http/problems.js';
import { loadSchemaCode, type UsableSchemaCode } from './http/schemaCode.js';
import { asCompilersFactory, type SchemaCompilers, schemaCompilers } from './http/schemaCompilers.js';
import { sharedSchemas } from './http/schemas.js';
import { registerSecurityHeaders } from './http/securityHeaders.js';
import { serveApp } from './http/staticApp.js';
import { createLoggers } from './logging.js';
import { type AccountMail, createAccountMail } from './mail/accountMail.js';
import { createMetrics } from './metrics.js';
import { openStore } from './openStore.js';
import { accountRoutes } from './routes/account.js';
import { authRoutes } from './routes/auth.js';
import { introspectRoutes } from './routes/introspect.js';
import { metricsRoutes } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth.js';
import { sessionRoutes } from './routes/sessions.js';
import { todoRoutes } from './routes/todos.js';
import { wellKnownRoutes } from './routes/wellKnown.js';
import type { Store } from './store/store.js';
import { type Sweeps, startSweeps } from './store/sweeps.js';
import { keepTickObjectShape } from './tickObjectShape.js';
import { type AccessClaims, AccessTokenService } from './tokens/access.js';
import type { KeyRing } from './tokens/keys.js';
import { openKeyRing } from './tokens/openKeyRing.js';

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const BODY_LIMIT = 16 * 1024;

/** Paths that always belong to the API, never to the single-page app. */
const API_PREFIXES = ['/auth/', '/todos', '/oauth/', '/.well-known/', '/docs', '/healthz', '/metrics'];

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
  return createServerWithCode(options, loadSchemaCode());
}

/**
 * {@link createServer} on the given stored schema code; says in the log when some of it was set
 * aside (compiled at start instead), and what to do about it.
 */
export async function createServerWithCode(
  options: ServerOptions,
  code: UsableSchemaCode,
): Promise<FastifyInstance> {
  const compilers = schemaCompilers(code);
  const app = await buildServer(options, compilers);
  if (code.setAside.length > 0) {
    app.addHook('onReady', async () => {
      app.log.info(
        `compiled ${compilers.counts.compiled} route schemas at start, because ${code.setAside.join(' and ')}. ` +
          "Run 'npx baton schema-code' after installing to store code for these versions and start faster.",
      );
    });
  }
  return app;
}

/**
 * {@link createServer} with the given schema compilers: the build records the code they generate
 * (`writeSchemaCode`), and tests count what they compiled.
 */
export async function buildServer(
  options: ServerOptions,
  compilers: Pick<SchemaCompilers, 'buildValidator' | 'buildSerializer'>,
): Promise<FastifyInstance> {
  const config = resolveConfig(options);
  const { clock } = config;
  keepTickObjectShape();
  // The store opens before the logger: what it has to tell an operator waits for one.
  let warn: (message: string) => void = () => {};
  const store = options.store ?? (await openStore(config, (message) => warn(message)));
  // Released on close, or here if building the app fails half-way (an open Redis keeps a process alive).
  let releaseShared = async () => {};
  let accountMail: AccountMail | undefined;
  try {
    await store.migrate();
    // Other instances (and `baton keys rotate`) add keys: re-read them periodically and on an unknown kid.
    const keys = await openKeyRing(config, store);
    const stopReloadingKeys = keys.reloadEvery();
    const rateLimiter = await openRateLimiter(config);
    const sweeps = startSweeps(store, config);
    const metrics = createMetrics(store, clock);
    const loopMetrics = config.metrics === false ? undefined : registerEventLoopMetrics(metrics.registry);
    releaseShared = async () => {
      stopReloadingKeys();
      sweeps.stop();
      loopMetrics?.stop();
      // Work a request left behind may still write (a reset link): it finishes before the store closes.
      await accountMail?.close();
      await rateLimiter.close();
    };
    const throttle = config.rateLimits
      ? createThrottle(rateLimiter.limiter, config.rateLimits, await sharedSecret(store, 'throttle-keys'))
      : NO_THROTTLE;
    const mail = createAccountMail({ store, clock, config, throttle });
    accountMail = mail;
    const accessTokens = new AccessTokenService({
      keys,
      issuer: config.issuer,
      audience: config.audience,
      ttl: config.accessTtl,
      cacheSize: config.tokenCache,
      clock,
    });
    const sessions = new SessionGate(store, clock);
    const deps: AuthDeps = {
      store,
      config,
      clock,
      accessTokens,
      authenticate: createAuthenticator(accessTokens, sessions),
      throttle,
      observe: metrics.observe,
      sessions,
      devices: createDeviceTokens(await sharedSecret(store, 'device-tokens')),
      mailer: mail.mailer,
      background: mail.background,
    };

    const loggers =
      config.logLevel === false || config.logLevel === 'silent'
        ? undefined
        : await createLoggers(config.logLevel, config.logFormat, options.logStream);
    const app = Fastify({
      // A silent pino would still cost a child logger per request; no logger costs nothing.
      ...(loggers === undefined ? { logger: false } : { loggerInstance: loggers.app }),
      // One line per request instead of Fastify's two: see createLoggers.
      logController: new LogController({ disableRequestLogging: true }),
      // No child logger per request (2 µs of a protected GET): the request line and the error
      // lines carry `reqId` themselves.
      childLoggerFactory: (logger) => logger,
      bodyLimit: BODY_LIMIT,
      trustProxy: fastifyTrustProxy(config.trustProxy),
      // Input must already have the right types: no silent coercion of `123` into `"123"`. Our
      // schemas are constants the tests exercise, so they are not checked against the JSON Schema
      // meta-schema at each start (a twentieth of the start-up).
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, validateSchema: false } },
      // Validators and serialisers come built with the package where they can (see schemaCode.ts).
      schemaController: {
        compilersFactory: asCompilersFactory(compilers),
      },
      routerOptions: { maxParamLength: 200 },
      frameworkErrors: frameworkErrorHandler,
      clientErrorHandler,
    });
    mail.start(app.log);
    warn = (message) => app.log.warn(message);
    if (config.databaseUrl !== undefined && options.issuer === undefined) {
      // The default issuer names this process's host and port; another instance names its own and
      // refuses these tokens. Scale-out is what PostgreSQL is for, so say so before that bites.
      app.log.warn(
        `BATON_ISSUER is not set, so access tokens name ${config.issuer} as their issuer and other instances ` +
          'refuse them. Set BATON_ISSUER (the issuer option) to one public URL for every instance.',
      );
    }
    // One hook, so the order is certain: everything that writes stops before the store closes.
    app.addHook('onClose', async () => {
      await releaseShared();
      if (!options.store) await store.close();
      loggers?.close();
    });
    onAnswered(app, [config.metrics === false ? undefined : metrics.countAnswer, loggers?.requestLine]);
    // Declared before any hook sets it, so every request object has one shape. It stays null on
    // routes without requireBearer, which never read it (its type serves the routes that do).
    app.decorateRequest('auth', null as unknown as AccessClaims);
    app.decorate('baton', {
      config,
      store,
      keys,
      accessTokens: deps.accessTokens,
      metrics: metrics.registry,
      mail: { deliverDue: mail.deliverDue, flush: mail.flush },
      sweep: sweeps.run,
    });
    for (const schema of sharedSchemas) app.addSchema(schema);
    const appFallback = config.appDir ? await serveApp(app, config.appDir, API_PREFIXES) : undefined;
    registerProblemHandlers(app, appFallback);
    registerSecurityHeaders(app, config.appConnectOrigins);

    // A strict allow-list: no origin is allowed unless configured, and without an allow-list the
    // plugin (a hook on every request) is not installed at all. Credentials travel as bearer
    // tokens, never cookies, so no `Access-Control-Allow-Credentials`.
    if (config.corsOrigins.length > 0) {
      const { default: cors } = await import('@fastify/cors');
      await app.register(cors, {
        origin: [...config.corsOrigins],
        methods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type'],
        // A browser hides every other header of a cross-origin answer from the app: Retry-After
        // tells a client how long to wait after a 429 or a 503.
        exposedHeaders: ['retry-after'],
        maxAge: 600,
      });
    }
    // Before the routes, so that it sees each of them declared.
    if (config.docs) registerDocs(app);
    await app.register(authRoutes, { deps });
    await app.register(accountRoutes, { deps });
    await app.register(sessionRoutes, { deps });
    await app.register(todoRoutes, { deps });
    await app.register(wellKnownRoutes, { keys, store });
    await app.register(oauthRoutes, { deps });
    await app.register(introspectRoutes, { deps });
    if (config.metrics === 'api') await app.register(metricsRoutes, { registry: metrics.registry });
    return app;
  } catch (error) {
    await releaseShared();
    if (!options.store) await store.close();
    throw error;
  }
}

/**
 * `trustProxy` as Fastify takes it: a hop count becomes "the first `hops` addresses from our side
 * are proxies" (proxy-addr's hop numbering), so the client is the address the outermost trusted
 * proxy saw, never a value the client wrote further left.
 */
function fastifyTrustProxy(
  trust: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

/**
 * A secret shared by every instance on one store, created by whichever starts first: all
 * instances must agree on it (rate-limit key names, device tokens), and none may generate its own.
 */
async function sharedSecret(store: Store, name: string): Promise<Buffer> {
  return Buffer.from(await store.getOrCreateSecret(name, randomBytes(32).toString('base64url')), 'base64url');
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Baton's services, for embedding apps and the CLI. */
    baton: {
      readonly config: ReturnType<typeof resolveConfig>;
      readonly store: import('./store/store.js').Store;
      readonly keys: KeyRing;
      readonly accessTokens: AccessTokenService;
      /** The Prometheus registry, for a metrics listener of its own (`metrics: <port>`). */
      readonly metrics: Registry;
      /** The mail queue's delivery in this instance (it also runs by itself, every second and on each new message). */
      readonly mail: Pick<AccountMail, 'deliverDue' | 'flush'>;
      /** The store's housekeeping now (it also runs by itself; `retention: true` includes the hourly part). */
      readonly sweep: Sweeps['run'];
    };
  }
}
