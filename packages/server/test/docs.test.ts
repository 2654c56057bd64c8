/**
 * /docs is built on its first request (src/http/docs.ts): the server starts without loading
 * @fastify/swagger and Swagger UI, and then serves them as if they had always been there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer } from '../src/index.js';
import { startServer, type TestServer } from './support/server.js';

/** Whether this process has loaded a file of `pkg` (CommonJS, as both plugins are). */
const loaded = (pkg: string) =>
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(`/node_modules/${pkg}/`));

describe('the API documentation', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('is not loaded when the server starts, only on the first request to /docs', async () => {
    assert.equal(loaded('@fastify/swagger'), false, '@fastify/swagger loaded at start');
    assert.equal(loaded('@fastify/swagger-ui'), false, 'Swagger UI loaded at start');
    const spec = await server.request('GET', '/docs/json');
    assert.equal(spec.status, 200);
    assert.equal(spec.body.info.title, 'Baton');
    assert.ok(loaded('@fastify/swagger') && loaded('@fastify/swagger-ui'));
  });

  it('describes every route the server declared, and none of its own', async () => {
    const spec = await server.request('GET', '/docs/json');
    const documented = Object.entries(spec.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of [
      'POST /auth/refresh',
      'GET /todos',
      'PATCH /todos/{id}',
      'GET /.well-known/jwks.json',
    ])
      assert.ok(documented.includes(route), `${route} is documented`);
    assert.ok(!documented.some((route) => route.includes('/docs')), 'the docs routes are not documented');
    assert.ok(!documented.some((route) => route.startsWith('HEAD ')), 'no HEAD twins of GET routes');
  });

  it('answers HEAD, and a page it does not have with the API not-found problem', async () => {
    const head = await fetch(new URL('/docs/json', server.url), { method: 'HEAD' });
    const get = await fetch(new URL('/docs/json', server.url));
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(
      head.headers.get('content-length'),
      get.headers.get('content-length'),
      'the length of the GET answer',
    );
    const missing = await server.request('GET', '/docs/no-such-page');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'not_found');
  });

  it("documents an app's routes told apart only by constraints", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-docs-'));
    const app = await createServer({ dataDir, logLevel: false });
    try {
      for (const version of ['1.0.0', '2.0.0'])
        app.get(
          '/versioned',
          { constraints: { version }, schema: { summary: `v${version}` } },
          async () => version,
        );
      const spec = await app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(spec.statusCode, 200, spec.body);
      assert.ok(spec.json().paths['/versioned'].get);
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is absent with docs off', async () => {
    const off = await startServer({ docs: false });
    try {
      assert.equal((await off.request('GET', '/docs/json')).status, 404);
    } finally {
      await off.close();
    }
  });
});
