import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RawRequest, sendRaw } from './support/rawHttp.js';
import { registerUser, startServer, type TestServer } from './support/server.js';

describe('bad input never reaches a 5xx', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const assertProblem = (
    response: { status: number; body: { code?: string; stack?: unknown } },
    status: number,
    code: string,
  ) => {
    assert.equal(response.status, status);
    assert.equal(response.body.code, code);
    assert.equal(response.body.stack, undefined);
    assert.doesNotMatch(JSON.stringify(response.body), /at .*\.(ts|js):\d+/, 'no stack trace');
  };

  it('malformed JSON answers 400 invalid_request', async () => {
    for (const raw of ['{', '{"email": }', 'null x', '\u0000']) {
      assertProblem(await server.request('POST', '/auth/login', { raw }), 400, 'invalid_request');
    }
  });

  it('a body over 16 KiB answers 413 before parsing', async () => {
    const raw = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(17 * 1024) });
    assertProblem(await server.request('POST', '/auth/register', { raw }), 413, 'payload_too_large');
  });

  it('a non-JSON content type answers 415', async () => {
    const response = await server.request('POST', '/auth/login', {
      raw: 'email=a@b.co',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertProblem(response, 415, 'unsupported_media_type');
  });

  it('unknown routes answer 404 problem+json', async () => {
    const response = await server.request('GET', '/nope');
    assertProblem(response, 404, 'not_found');
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('wrong types and missing fields answer 400 invalid_request on every body route', async () => {
    const routes = [
      '/auth/register',
      '/auth/login',
      '/auth/refresh',
      '/auth/password/forgot',
      '/auth/password/reset',
      '/auth/email/verify',
      '/auth/email/resend',
      '/auth/email/change',
    ];
    for (const route of routes) {
      for (const body of [
        [],
        'text',
        42,
        { email: ['a'], password: {} },
        { refreshToken: 1 },
        { token: null },
      ]) {
        const response = await server.request('POST', route, { body });
        assertProblem(response, 400, 'invalid_request');
      }
    }
    for (const method of ['PATCH', 'DELETE']) {
      for (const body of [[], 'text', 42, { name: 1, password: 2 }, { token: null }]) {
        assertProblem(await server.request(method, '/auth/me', { body }), 400, 'invalid_request');
      }
    }
  });

  it('an oversized bearer token and odd authorization headers answer 401', async () => {
    for (const authorization of [
      `Bearer ${'a'.repeat(5000)}`,
      'Bearer',
      'Basic dXNlcjpwYXNz',
      'Bearer a b',
      'bearer ..',
    ]) {
      const response = await server.request('GET', '/auth/me', { headers: { authorization } });
      assertProblem(response, 401, 'invalid_token');
    }
  });

  it('answers problem+json even for requests refused before routing or by the HTTP parser', async () => {
    const cases: Array<[RawRequest, number, string]> = [
      [{ method: 'DELETE', target: '/todos/%zz' }, 400, 'invalid_request'],
      [{ method: 'DELETE', target: `/auth/sessions/${'a'.repeat(201)}` }, 414, 'uri_too_long'],
      [
        { method: 'GET', target: '/auth/me', headers: [['authorization', Buffer.from('Bearer a\u0000b')]] },
        400,
        'invalid_request',
      ],
      [{ method: 'FOO', target: '/auth/me' }, 400, 'invalid_request'],
      [
        { method: 'GET', target: '/auth/me', headers: [['x-big', 'a'.repeat(20_000)]] },
        431,
        'headers_too_large',
      ],
    ];
    for (const [request, status, code] of cases) {
      const response = await sendRaw(server.url, request);
      assert.equal(response.status, status, `${request.method} ${request.target.slice(0, 40)}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(JSON.parse(response.body).code, code);
    }
  });

  it('does not announce its framework', async () => {
    const response = await server.request('GET', '/healthz');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-powered-by'), null);
  });

  it('serves the OpenAPI document and Swagger UI at /docs', async () => {
    const spec = await server.request('GET', '/docs/json');
    assert.equal(spec.status, 200);
    assert.ok(spec.body.paths['/auth/refresh']);
    assert.ok(spec.body.paths['/todos/{id}']);
    const account = {
      '/auth/password/forgot': ['post'],
      '/auth/password/reset': ['post'],
      '/auth/email/verify': ['post'],
      '/auth/email/resend': ['post'],
      '/auth/email/change': ['post'],
      '/auth/me': ['get', 'patch', 'delete'],
    };
    for (const [route, methods] of Object.entries(account)) {
      for (const method of methods)
        assert.ok(spec.body.paths[route]?.[method]?.summary, `${method} ${route}`);
    }
    const ui = await fetch(new URL('/docs', server.url), { redirect: 'follow' });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
  });
});

describe('CORS', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ corsOrigins: ['https://app.example.com'] });
  });
  after(() => server.close());

  it('allows only the configured origins', async () => {
    const preflight = (origin: string) =>
      server.request('OPTIONS', '/todos', {
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('https://app.example.com');
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const denied = await preflight('https://evil.example.com');
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
  });

  it('lets a browser app read Retry-After, which says how long to wait after a 429 or a 503', async () => {
    const answer = await server.request('GET', '/todos', { headers: { origin: 'https://app.example.com' } });
    assert.equal(answer.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(answer.headers.get('access-control-expose-headers'), 'retry-after');
  });

  it('grants no origin anything without an allow-list', async () => {
    const closed = await startServer();
    try {
      const headers = { origin: 'https://app.example.com' };
      const preflight = await closed.request('OPTIONS', '/todos', {
        headers: { ...headers, 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      assert.equal(preflight.headers.get('access-control-allow-methods'), null);
      const simple = await closed.request('GET', '/healthz', { headers });
      assert.equal(simple.status, 200);
      assert.equal(simple.headers.get('access-control-allow-origin'), null);
    } finally {
      await closed.close();
    }
  });
});

describe('security headers', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('are on every response: API answers, errors and pages', async () => {
    const responses = [
      await server.request('GET', '/healthz'),
      await server.request('GET', '/nope'),
      await server.request('POST', '/auth/login', { raw: '{' }),
      await server.request('GET', '/auth/me'),
    ];
    for (const response of responses) {
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
      assert.match(
        response.headers.get('content-security-policy') ?? '',
        /^default-src 'none'; frame-ancestors 'none'/,
      );
      assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-site');
      assert.equal(response.headers.get('x-powered-by'), null);
      // Headers that only govern documents stay on pages.
      assert.equal(response.headers.get('cross-origin-opener-policy'), null);
    }
    const page = await fetch(new URL('/docs/', server.url));
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'; script-src 'self'/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('origin-agent-cluster'), '?1');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(page.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
  });

  it('token answers are never cached', async () => {
    const response = await server.request('POST', '/auth/register', {
      body: { email: 'cache@example.com', password: 'correct horse battery staple' },
    });
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('pragma'), 'no-cache');
    const refused = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: `brt_${'A'.repeat(43)}` },
    });
    assert.equal(refused.status, 401);
    assert.deepEqual(
      [refused.headers.get('cache-control'), refused.headers.get('pragma')],
      ['no-store', 'no-cache'],
      'every answer to a POST, error or not',
    );
  });

  it("a GET's answer is kept by no cache either, by Cache-Control alone (Pragma is deprecated, RFC 9111 §5.4)", async () => {
    const { accessToken } = await registerUser(server);
    const response = await server.request('GET', '/todos', { token: accessToken });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('pragma'), null);
  });
});
