import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthObservation } from './auth/context.js';
import type { Clock } from './clock.js';
import { Counter, Gauge, Histogram, Registry } from './promClient.js';
import { RequestTally } from './requestTally.js';
import type { Store } from './store/store.js';

/** One app instance's Prometheus metrics: its own registry, never prom-client's global one. */
export interface Metrics {
  readonly registry: Registry;
  /** The `observe` hook of the domain services (AuthDeps). */
  observe(event: AuthObservation): void;
  /** Counts an answered request by method, route pattern and status (see `http/answered.ts`). */
  countAnswer(request: FastifyRequest, reply: FastifyReply): void;
}

/**
 * Creates the metrics of one Baton instance. Each instance has its own registry, so several apps
 * in one process (tests, an embedding app) never share or double-register series.
 *
 * @example
 * const metrics = createMetrics(store, clock);
 * onAnswered(app, [metrics.countAnswer]);
 * const deps = { ...services, observe: metrics.observe };
 */
export function createMetrics(store: Store, clock: Clock): Metrics {
  const registry = new Registry();
  const tally = new RequestTally();
  new Counter({
    name: 'baton_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      tally.flush((labels, count) => this.inc(labels, count));
    },
  });
  const logins = new Counter({
    name: 'baton_logins_total',
    help: 'Password logins, by outcome (ok or failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'baton_refreshes_total',
    help: 'Refresh token presentations, by outcome (rotated, grace, reuse, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const reuse = new Counter({
    name: 'baton_refresh_reuse_detected_total',
    help: 'Refresh tokens presented after their grace window: sessions revoked as stolen',
    registers: [registry],
  });
  const graceForeign = new Counter({
    name: 'baton_refresh_grace_foreign_client_total',
    help: 'Consumed refresh tokens presented again within the grace window by another client (address or user agent): treated as reuse',
    registers: [registry],
  });
  const hashSeconds = new Histogram({
    name: 'baton_password_hash_seconds',
    help: 'Time spent hashing or verifying a password (argon2id)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'baton_active_sessions',
    help: 'Sessions neither revoked nor expired (all users), read from the store at scrape time',
    registers: [registry],
    async collect() {
      this.set(await store.countActiveSessions(clock.now()));
    },
  });
  // Pre-create the label sets a dashboard expects, so they read 0 instead of being absent.
  for (const outcome of ['ok', 'failed']) logins.inc({ outcome }, 0);
  for (const outcome of ['rotated', 'grace', 'reuse', 'rejected']) refreshes.inc({ outcome }, 0);

  return {
    registry,
    observe(event) {
      if (event.kind === 'login') logins.inc({ outcome: event.ok ? 'ok' : 'failed' });
      else if (event.kind === 'refresh') {
        refreshes.inc({ outcome: event.outcome });
        if (event.outcome === 'reuse') reuse.inc();
      } else if (event.kind === 'password_hash') hashSeconds.observe(event.seconds);
      else if (event.kind === 'grace_foreign_client') graceForeign.inc();
    },
    countAnswer(request, reply) {
      // The route pattern (`/todos/:id`), never the raw URL: ids and scans would explode the series.
      tally.count(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    },
  };
}
