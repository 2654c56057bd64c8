import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

/**
 * The four prom-client classes Baton uses, each loaded from its own module. prom-client's index
 * also loads its default metrics (and, through them, @opentelemetry/api), the Pushgateway and the
 * cluster aggregator: about 85 modules and 40 ms of every start on the benchmark machine, and
 * their code in memory, for features Baton does not use. These are the very classes the index
 * exports (`test/startup-modules.test.ts` checks), so an embedding app can still hand
 * `app.baton.metrics` to prom-client's `collectDefaultMetrics`.
 */
const load = createRequire(import.meta.url);

export const Registry = load('prom-client/lib/registry') as typeof PromClient.Registry;
export type Registry = PromClient.Registry;
export const Counter = load('prom-client/lib/counter') as typeof PromClient.Counter;
export const Gauge = load('prom-client/lib/gauge') as typeof PromClient.Gauge;
export const Histogram = load('prom-client/lib/histogram') as typeof PromClient.Histogram;
