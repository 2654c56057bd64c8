import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { baton } from './support/cli.js';
import { compactJws, loadServerKey, signerFor } from './support/jws.js';
import {
  basicAuthorization,
  createResourceClientWithCli,
  type ResourceClient,
} from './support/resourceClient.js';
import { type ApiResponse, registerUser, startServer, type TestServer } from './support/server.js';

const FORM = 'application/x-www-form-urlencoded';

describe('token introspection (RFC 7662)', () => {
  let server: TestServer;
  let client: ResourceClient;
  const env = () => ({ BATON_DATA_DIR: server.dataDir });

  before(async () => {
    server = await startServer({ issuer: 'https://auth.test', audience: 'todos-api' });
    client = await createResourceClientWithCli(env(), 'todos-api');
  });
  after(() => server.close());

  const introspect = (
    token: string,
    auth: { readonly basic?: ResourceClient; readonly post?: ResourceClient } = { basic: client },
  ): Promise<ApiResponse> => {
    const form = new URLSearchParams({ token });
    if (auth.post) {
      form.set('client_id', auth.post.clientId);
      form.set('client_secret', auth.post.clientSecret);
    }
    return server.request('POST', '/oauth/introspect', {
      raw: form.toString(),
      headers: {
        'content-type': FORM,
        ...(auth.basic ? { authorization: basicAuthorization(auth.basic) } : {}),
      },
    });
  };

  const assertInvalidClient = (response: ApiResponse) => {
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
    assert.equal(response.headers.get('www-authenticate'), 'Basic realm="baton"');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  };

  it('is advertised in the RFC 8414 metadata with the client authentication methods', async () => {
    const metadata = await server.request('GET', '/.well-known/oauth-authorization-server');
    assert.equal(metadata.body.introspection_endpoint, 'https://auth.test/oauth/introspect');
    assert.deepEqual(metadata.body.introspection_endpoint_auth_methods_supported, [
      'client_secret_basic',
      'client_secret_post',
    ]);
  });

  it('answers the claims of a live token, uncached, to HTTP Basic and to body credentials', async () => {
    const user = await registerUser(server);
    const claims = decodeJwt(user.accessToken);
    for (const auth of [{ basic: client }, { post: client }]) {
      const response = await introspect(user.accessToken, auth);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(response.body, {
        active: true,
        token_type: 'Bearer',
        iss: 'https://auth.test',
        aud: 'todos-api',
        sub: user.user.id,
        sid: claims.sid,
        iat: claims.iat,
        exp: claims.exp,
        jti: claims.jti,
      });
    }
  });

  it('answers only {"active": false} for expired, unknown, malformed and refresh tokens', async () => {
    const user = await registerUser(server);
    for (const token of ['not-a-jwt', 'a.b.c', user.refreshToken, `${user.accessToken}x`, 'x'.repeat(9000)]) {
      assert.deepEqual((await introspect(token)).body, { active: false }, token);
    }
    server.clock.advance(301_000);
    const expired = await introspect(user.accessToken);
    assert.equal(expired.status, 200);
    assert.deepEqual(expired.body, { active: false });
  });

  it('sees a revocation made elsewhere at once, while bearer routes may trust their one-second memory', async () => {
    const user = await registerUser(server);
    assert.equal((await server.request('GET', '/todos', { token: user.accessToken })).status, 200);
    // Another process (the CLI) ends the session: this server's session memory is not told.
    const revoked = await baton(['sessions', 'revoke', '--user', user.email], env());
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual((await introspect(user.accessToken)).body, { active: false });
  });

  it("answers inactive for a token signed with Baton's key that names another user's session", async () => {
    const victim = await registerUser(server);
    const other = await registerUser(server);
    const key = await loadServerKey(server.dataDir);
    const now = Math.floor(server.clock.now() / 1000);
    const claims = {
      ...decodeJwt(other.accessToken),
      sid: decodeJwt(victim.accessToken).sid,
      iat: now,
      exp: now + 60,
    };
    const token = compactJws(
      { alg: key.alg, typ: 'at+jwt', kid: key.kid },
      claims,
      signerFor(key.alg, key.privateKey),
    );
    assert.deepEqual((await introspect(token)).body, { active: false });
    assert.equal((await introspect(other.accessToken)).body.active, true, 'control: the real token is live');
  });

  it('refuses missing, wrong and unknown credentials with 401 invalid_client, and deleted clients at once', async () => {
    const user = await registerUser(server);
    assertInvalidClient(await introspect(user.accessToken, {}));
    assertInvalidClient(
      await introspect(user.accessToken, { basic: { ...client, clientSecret: `${client.clientSecret}x` } }),
    );
    assertInvalidClient(
      await introspect(user.accessToken, { post: { ...client, clientSecret: 'brs_guess' } }),
    );
    assertInvalidClient(
      await introspect(user.accessToken, {
        basic: { clientId: 'brc_nobody', clientSecret: client.clientSecret },
      }),
    );
    const malformed = await server.request('POST', '/oauth/introspect', {
      raw: `token=${user.accessToken}`,
      headers: { 'content-type': FORM, authorization: 'Basic !!!' },
    });
    assertInvalidClient(malformed);

    const doomed = await createResourceClientWithCli(env(), 'doomed');
    assert.equal((await introspect(user.accessToken, { basic: doomed })).body.active, true);
    const listed = JSON.parse((await baton(['clients', 'list', '--json'], env())).stdout) as Array<{
      id: string;
      name: string;
    }>;
    assert.ok(listed.some((entry) => entry.id === doomed.clientId && entry.name === 'doomed'));
    assert.ok(!JSON.stringify(listed).includes(doomed.clientSecret), 'the secret is never shown again');
    assert.equal((await baton(['clients', 'delete', '--id', doomed.clientId], env())).code, 0);
    assertInvalidClient(await introspect(user.accessToken, { basic: doomed }));
    assert.equal((await baton(['clients', 'delete', '--id', doomed.clientId], env())).code, 2);
  });

  it('answers 400 invalid_request to a malformed body from an authenticated client, and to two methods at once', async () => {
    const cases = [
      { raw: '', type: FORM },
      { raw: 'token_type_hint=access_token', type: FORM },
      { raw: JSON.stringify({ token: 42 }), type: 'application/json' },
      { raw: JSON.stringify(['token']), type: 'application/json' },
      { raw: '{"token":', type: 'application/json' },
      { raw: `token=x&token_type_hint=${'x'.repeat(5000)}`, type: FORM },
    ];
    for (const { raw, type } of cases) {
      const response = await server.request('POST', '/oauth/introspect', {
        raw,
        headers: { 'content-type': type, authorization: basicAuthorization(client) },
      });
      assert.equal(response.status, 400, raw.slice(0, 40));
      assert.equal(response.body.error, 'invalid_request', raw.slice(0, 40));
    }
    const user = await registerUser(server);
    const both = await introspect(user.accessToken, { basic: client, post: client });
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_request');
  });
});

describe('introspection client authentication limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ rateLimits: { clientAuthFailuresIp: { max: 5, windowSeconds: 60 } } });
  });
  after(() => server.close());

  const guess = (secret: string) =>
    server.request('POST', '/oauth/introspect', {
      raw: 'token=x',
      headers: {
        'content-type': FORM,
        authorization: basicAuthorization({ clientId: 'brc_guess', clientSecret: secret }),
      },
    });

  it('answers 429 slow_down with Retry-After once an IP failed too often, and never a 5xx in a burst', async () => {
    for (let attempt = 0; attempt < 5; attempt++) assert.equal((await guess(`brs_${attempt}`)).status, 401);
    const limited = await guess('brs_more');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'slow_down');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const burst = await Promise.all(Array.from({ length: 200 }, (_, index) => guess(`brs_burst_${index}`)));
    assert.deepEqual([...new Set(burst.map((response) => response.status))], [429]);
    server.clock.advance(61_000);
    assert.equal((await guess('brs_later')).status, 401, 'the window passes');
  });
});
