import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';

describe('registration and login', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ rateLimits: { loginAccountClient: { max: 3, windowSeconds: 60 } } });
  });
  after(() => server.close());

  it('register answers 201 with a token pair and the user', async () => {
    const email = uniqueEmail();
    const response = await server.request('POST', '/auth/register', {
      body: { email, password: GOOD_PASSWORD, name: 'Ann' },
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.tokenType, 'Bearer');
    assert.equal(response.body.expiresIn, 300);
    assert.ok(response.body.refreshExpiresIn > 29 * 86_400);
    assert.match(response.body.refreshToken, /^brt_[A-Za-z0-9_-]{43}$/);
    assert.equal(response.body.accessToken.split('.').length, 3);
    assert.deepEqual(Object.keys(response.body.user).sort(), [
      'createdAt',
      'email',
      'emailVerified',
      'id',
      'name',
    ]);
    assert.equal(response.body.user.email, email);
    assert.equal(response.body.user.name, 'Ann');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('register refuses a taken email with 409 email_taken, whatever the case of the address', async () => {
    const { email } = await registerUser(server);
    const response = await server.request('POST', '/auth/register', {
      body: { email: email.toUpperCase(), password: GOOD_PASSWORD },
    });
    assert.equal(response.status, 409);
    assert.equal(response.body.code, 'email_taken');
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('register refuses short, overlong and common passwords with 400 weak_password', async () => {
    for (const password of ['short', 'x'.repeat(129), 'password1', 'qwertyuiop', 'ILOVEYOU1']) {
      const response = await server.request('POST', '/auth/register', {
        body: { email: uniqueEmail(), password },
      });
      assert.equal(response.status, 400, password);
      assert.equal(response.body.code, 'weak_password', password);
    }
  });

  it('register accepts any characters, with no composition rules, up to 128 of them', async () => {
    for (const password of ['ümlaut 🔐 passphrase', 'a'.repeat(8).replace(/a/g, 'ä'), '🙂'.repeat(128)]) {
      const response = await server.request('POST', '/auth/register', {
        body: { email: uniqueEmail(), password },
      });
      assert.equal(response.status, 201, password);
    }
  });

  it('register refuses malformed input with 400 invalid_request', async () => {
    const bodies = [
      {},
      { email: uniqueEmail() },
      { email: 'no-at-sign', password: GOOD_PASSWORD },
      { email: 'a@b', password: GOOD_PASSWORD },
      { email: 12, password: GOOD_PASSWORD },
      { email: uniqueEmail(), password: GOOD_PASSWORD, admin: true },
    ];
    for (const body of bodies) {
      const response = await server.request('POST', '/auth/register', { body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.code, 'invalid_request', JSON.stringify(body));
    }
  });

  it('login answers 200 with a new session for the right password, normalising the email', async () => {
    const { email } = await registerUser(server);
    const [local, domain] = email.split('@');
    const response = await server.request('POST', '/auth/login', {
      body: { email: `  ${local}@${domain?.toUpperCase()} `, password: GOOD_PASSWORD },
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.user.email, email);
    assert.match(response.body.refreshToken, /^brt_/);
  });

  it('login answers unknown email and wrong password with the same 401 body', async () => {
    const { email } = await registerUser(server);
    const wrong = await server.request('POST', '/auth/login', {
      body: { email, password: 'not the password' },
    });
    const unknown = await server.request('POST', '/auth/login', {
      body: { email: uniqueEmail('ghost'), password: 'not the password' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.code, 'invalid_credentials');
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('login is throttled after repeated failures with 429 rate_limited and Retry-After', async () => {
    const { email } = await registerUser(server);
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await server.request('POST', '/auth/login', {
        body: { email, password: 'wrong password' },
      });
      assert.equal(response.status, 401);
    }
    const limited = await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD } });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '60');
    server.clock.advance(61_000);
    const later = await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD } });
    assert.equal(later.status, 200);
  });

  it('me answers the current user, and 401 without a token', async () => {
    const registered = await registerUser(server);
    const me = await server.request('GET', '/auth/me', { token: registered.accessToken });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, registered.user);
    const anonymous = await server.request('GET', '/auth/me');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'invalid_token');
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
  });

  it('password change needs the current password, refuses weak ones and ends the other sessions', async () => {
    const first = await registerUser(server);
    const second = await server.request('POST', '/auth/login', {
      body: { email: first.email, password: GOOD_PASSWORD },
    });
    const wrong = await server.request('POST', '/auth/password', {
      token: first.accessToken,
      body: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
    });
    assert.equal(wrong.status, 403, 'not 401: a client SDK would refresh and send the wrong password again');
    assert.equal(wrong.body.code, 'invalid_current_password');
    const weak = await server.request('POST', '/auth/password', {
      token: first.accessToken,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'password' },
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.code, 'weak_password');
    const changed = await server.request('POST', '/auth/password', {
      token: first.accessToken,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'a brand new passphrase' },
    });
    assert.equal(changed.status, 204);
    const otherRefresh = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    assert.equal(otherRefresh.status, 401);
    assert.equal(otherRefresh.body.code, 'session_revoked');
    const ownRefresh = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    assert.equal(ownRefresh.status, 200);
    const oldLogin = await server.request('POST', '/auth/login', {
      body: { email: first.email, password: GOOD_PASSWORD },
    });
    assert.equal(oldLogin.status, 401);
    const newLogin = await server.request('POST', '/auth/login', {
      body: { email: first.email, password: 'a brand new passphrase' },
    });
    assert.equal(newLogin.status, 200);
  });
});
