/**
 * What a start loads: the metrics come from prom-client's four classes alone
 * (src/promClient.ts), not from its index, which also loads the default metrics,
 * @opentelemetry/api, the Pushgateway and the cluster aggregator.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './support/server.js';

/** The CommonJS files this process has loaded whose path contains `part`. */
const loadedFiles = (part: string) =>
  Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes(part));

describe('a server start', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ metrics: 'api' });
  });
  after(() => server.close());

  it("loads prom-client's Registry, Counter, Gauge and Histogram, and none of what Baton does not use", async () => {
    const scrape = await fetch(new URL('/metrics', server.url));
    assert.equal(scrape.status, 200);
    // The check below means something only if prom-client is loaded at all.
    assert.ok(loadedFiles('/node_modules/prom-client/lib/registry.js').length === 1);
    for (const unused of [
      '/node_modules/prom-client/index.js',
      '/node_modules/prom-client/lib/defaultMetrics.js',
      '/node_modules/prom-client/lib/pushgateway.js',
      '/node_modules/prom-client/lib/cluster.js',
      '/node_modules/@opentelemetry/api/',
    ]) {
      assert.deepEqual(loadedFiles(unused), [], `${unused} was loaded`);
    }
  });

  it("gives an embedding app prom-client's own Registry, which its default metrics accept", async () => {
    const promClient = await import('prom-client');
    const ours = await import('../src/promClient.js');
    assert.equal(ours.Registry, promClient.Registry);
    assert.equal(ours.Counter, promClient.Counter);
    assert.equal(ours.Gauge, promClient.Gauge);
    assert.equal(ours.Histogram, promClient.Histogram);
    assert.ok(server.app.baton.metrics instanceof promClient.Registry);
    promClient.collectDefaultMetrics({ register: server.app.baton.metrics });
    const text = await (await fetch(new URL('/metrics', server.url))).text();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^baton_http_requests_total\{/m);
  });
});
