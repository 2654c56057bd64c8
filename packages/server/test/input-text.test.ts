import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

describe('text input: controls, look-alikes and ill-formed strings are refused early', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ rateLimits: false });
  });
  after(() => server.close());

  const register = (email: string, extra: Record<string, unknown> = {}) =>
    server.request('POST', '/auth/register', { body: { email, password: GOOD_PASSWORD, ...extra } });

  it('names with control, zero-width or bidi characters: 400', async () => {
    for (const name of ['Ann\u0000', 'Ann\u001b[31m', 'Ann\u202Eevil', 'A\u200Bnn', 'Ann\nSmith']) {
      const response = await register(`named.${Math.random()}@example.com`, { name });
      assert.equal(response.status, 400, JSON.stringify(name));
      assert.equal(response.body.code, 'invalid_request');
    }
    assert.equal(
      (await register(`named.${Math.random()}@example.com`, { name: 'Zoë 👩‍💻 Ng' })).status,
      400,
      'a ZWJ is a format character',
    );
    assert.equal((await register(`named.${Math.random()}@example.com`, { name: 'Zoë Ng 🙂' })).status, 201);
  });

  it('todo titles with control characters (a NUL, an escape, a line break): 400, and visible text is kept', async () => {
    const { accessToken } = await registerUser(server);
    for (const title of ['nul \u0000 inside', 'esc \u001b[2J', 'two\nlines', '   ']) {
      const response = await server.request('POST', '/todos', { token: accessToken, body: { title } });
      assert.equal(response.status, 400, JSON.stringify(title));
    }
    const kept = await server.request('POST', '/todos', {
      token: accessToken,
      body: { title: '  تم 👩‍👩‍👧 done  ' },
    });
    assert.equal(kept.status, 201);
    assert.equal(kept.body.title, 'تم 👩‍👩‍👧 done');
  });

  it('look-alike emails make one account for one mailbox: full-width, case, IDN U-label and A-label', async () => {
    const local = `look.${Date.now()}`;
    assert.equal((await register(`${local}@bücher.example`)).status, 201);
    for (const twin of [
      `${local}@xn--bcher-kva.example`,
      `${local.toUpperCase()}@BÜCHER.example`,
      `${local}@ｂüｃｈｅｒ.example`,
      `${[...local].map((c) => (/[a-z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('')}@bücher.example`,
    ]) {
      const response = await register(twin);
      assert.equal(response.status, 409, twin);
      assert.equal(response.body.code, 'email_taken', twin);
    }
    const login = await server.request('POST', '/auth/login', {
      body: { email: `${local}@xn--bcher-kva.example`, password: GOOD_PASSWORD },
    });
    assert.equal(login.status, 200, 'the A-label signs in to the U-label account');
    assert.equal(login.body.user.email, `${local}@bücher.example`);
  });

  it('emails with invisible or bidi characters are refused: zero-width space, soft hyphen, bidi override', async () => {
    for (const email of [
      'an\u200Bn@example.com',
      'an\u00ADn@example.com',
      'ann@example.com\u202E',
      'ann@exa\u2066mple.com',
    ]) {
      const response = await register(email);
      assert.equal(response.status, 400, JSON.stringify(email));
      assert.equal(response.body.code, 'invalid_request');
    }
    for (const email of ['ann@exa_mple.com', 'ann@-example.com', 'ann@example.123']) {
      assert.equal((await register(email)).status, 400, email);
    }
  });

  it('passwords with lone surrogates are refused, so two of them can never hash alike', async () => {
    for (const password of ['\uD800correct horse battery', 'correct horse battery\uDC00']) {
      const response = await register(`surrogate.${Math.random()}@example.com`, { password });
      assert.equal(response.status, 400, JSON.stringify(password));
      assert.equal(response.body.code, 'invalid_request');
    }
    assert.equal(
      (await register(`emoji.${Math.random()}@example.com`, { password: 'correct horse 🐎 battery' })).status,
      201,
    );
  });
});

describe('answers that must not be cached or that need a challenge', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ rateLimits: false });
  });
  after(() => server.close());

  it('Cache-Control: no-store on the sessions list and the todos, as on token answers', async () => {
    const { accessToken } = await registerUser(server);
    for (const route of ['/auth/sessions', '/todos', '/auth/me']) {
      const response = await server.request('GET', route, { token: accessToken });
      assert.equal(response.status, 200, route);
      assert.equal(response.headers.get('cache-control'), 'no-store', route);
    }
  });

  it('the 401s of login and refresh carry a WWW-Authenticate challenge (RFC 9110), without an error code', async () => {
    const { email } = await registerUser(server);
    const login = await server.request('POST', '/auth/login', {
      body: { email, password: 'wrong password!' },
    });
    const refresh = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: `brt_${'A'.repeat(43)}` },
    });
    for (const response of [login, refresh]) {
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="baton"');
    }
    const bearer = await server.request('GET', '/todos', { token: 'not.a.token' });
    assert.match(
      bearer.headers.get('www-authenticate') ?? '',
      /^Bearer realm="baton", error="invalid_token", error_description="[^"]+"$/,
    );
  });
});
