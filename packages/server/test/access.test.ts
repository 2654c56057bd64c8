import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { registerUser, startServer, type TestServer } from './support/server.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens', () => {
  let server: TestServer;
  let issued: Awaited<ReturnType<typeof registerUser>>;
  before(async () => {
    server = await startServer({ issuer: 'https://auth.test', audience: 'baton-test' });
    issued = await registerUser(server);
  });
  after(() => server.close());

  const me = (token: string) => server.request('GET', '/auth/me', { token });

  /** Signs a token with the server's real private key, overriding the fields a test names. */
  async function signWithServerKey(
    override: {
      readonly issuer?: string;
      readonly audience?: string;
      readonly typ?: string;
      readonly lifetime?: number;
      readonly sid?: string;
      readonly sub?: string;
    } = {},
  ) {
    const keys = JSON.parse(await readFile(path.join(server.dataDir, 'signing-keys.json'), 'utf8'));
    const key = await importJWK(keys[0].privateJwk, keys[0].alg);
    const now = Math.floor(server.clock.now() / 1000);
    // The real session id: Baton's API also checks that the token's session is alive.
    const { sid } = decodeJwt(issued.accessToken);
    return new SignJWT({ sid: override.sid ?? sid, jti: 'j' })
      .setProtectedHeader({ alg: keys[0].alg, typ: override.typ ?? 'at+jwt', kid: keys[0].kid })
      .setIssuedAt(now)
      .setExpirationTime(now + (override.lifetime ?? 60))
      .setIssuer(override.issuer ?? 'https://auth.test')
      .setAudience(override.audience ?? 'baton-test')
      .setSubject(override.sub ?? issued.user.id)
      .sign(key);
  }

  it('is an ES256 JWT by default, with typ at+jwt, a kid, and the contract claims', () => {
    const header = decodeProtectedHeader(issued.accessToken);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.typ, 'at+jwt');
    assert.equal(typeof header.kid, 'string');
    const claims = decodeJwt(issued.accessToken);
    assert.equal(claims.iss, 'https://auth.test');
    assert.equal(claims.aud, 'baton-test');
    assert.equal(claims.sub, issued.user.id);
    assert.equal(typeof claims.sid, 'string');
    assert.equal(typeof claims.jti, 'string');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 300);
  });

  it('is published in the JWKS by kid', async () => {
    const jwks = await server.request('GET', '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    const kid = decodeProtectedHeader(issued.accessToken).kid;
    const key = jwks.body.keys.find((candidate: { kid: string }) => candidate.kid === kid);
    assert.ok(key);
    assert.equal(key.kty, 'EC');
    assert.equal(key.crv, 'P-256');
    assert.equal(key.alg, 'ES256');
    assert.equal(key.d, undefined, 'no private part is ever published');
  });

  it('a signature check with the real key accepts a well-formed token (control)', async () => {
    assert.equal((await me(await signWithServerKey())).status, 200);
  });

  it('rejects alg none', async () => {
    const now = Math.floor(server.clock.now() / 1000);
    const unsecured = new UnsecuredJWT({ sid: 'x', jti: 'j' })
      .setIssuer('https://auth.test')
      .setAudience('baton-test')
      .setSubject(issued.user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .encode();
    const response = await me(unsecured);
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'invalid_token');
  });

  it('rejects HS256 signed with the public key as the secret', async () => {
    const jwks = (await server.request('GET', '/.well-known/jwks.json')).body;
    const publicJwk = jwks.keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const rawSecret = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(publicJwk.x, 'base64url'),
      Buffer.from(publicJwk.y, 'base64url'),
    ]);
    for (const key of [secret, rawSecret]) {
      const now = Math.floor(server.clock.now() / 1000);
      const forged = await new SignJWT({ sid: 'x', jti: 'j' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: publicJwk.kid })
        .setIssuer('https://auth.test')
        .setAudience('baton-test')
        .setSubject(issued.user.id)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
      assert.equal((await me(forged)).status, 401);
    }
  });

  it('rejects a token signed by a foreign key that claims our kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = decodeProtectedHeader(issued.accessToken).kid;
    const now = Math.floor(server.clock.now() / 1000);
    const forged = await new SignJWT({ sid: 'x', jti: 'j' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...(kid ? { kid } : {}) })
      .setIssuer('https://auth.test')
      .setAudience('baton-test')
      .setSubject(issued.user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })));
    assert.equal((await me(forged)).status, 401);
  });

  it('rejects a tampered payload, even under the signature of a token it has just verified and cached', async () => {
    assert.equal((await me(issued.accessToken)).status, 200, 'the genuine token, now in the cache');
    const [header, , signature] = issued.accessToken.split('.');
    const claims = decodeJwt(issued.accessToken);
    const tampered = `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`;
    const response = await me(tampered);
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'invalid_token');
  });

  it('rejects a wrong iss, aud or typ, even when signed with our own key', async () => {
    const overrides = [
      { issuer: 'https://evil.test' },
      { audience: 'another-api' },
      { typ: 'JWT' },
      { typ: 'rt+jwt' },
    ];
    for (const override of overrides) {
      const response = await me(await signWithServerKey(override));
      assert.equal(response.status, 401, JSON.stringify(override));
      assert.equal(response.body.code, 'invalid_token', JSON.stringify(override));
    }
  });

  it('rejects a token that claims a longer life than this server issues, even signed with our key (a leaked key)', async () => {
    assert.equal(
      (await me(await signWithServerKey({ lifetime: 300 }))).status,
      200,
      'the configured lifetime (control)',
    );
    const response = await me(await signWithServerKey({ lifetime: 301 }));
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'invalid_token');
  });

  it("rejects a token whose sid is another user's session, even signed with our key", async () => {
    const attacker = await registerUser(server);
    const { sid } = decodeJwt(attacker.accessToken);
    // The victim's subject with the attacker's own live session: both exist, they do not belong together.
    const forged = await signWithServerKey({ sid: String(sid), sub: issued.user.id });
    const response = await server.request('GET', '/todos', { token: forged });
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'invalid_token');
  });

  it('rejects a refresh token used as a bearer token', async () => {
    const response = await me(issued.refreshToken);
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'invalid_token');
  });

  it('rejects an access token sent to /auth/refresh', async () => {
    const response = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: issued.accessToken },
    });
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'invalid_refresh_token');
  });

  it('expires: 401 token_expired with WWW-Authenticate once the lifetime has passed', async () => {
    const fresh = await registerUser(server);
    assert.equal((await me(fresh.accessToken)).status, 200, 'verified (and cached) while valid');
    server.clock.advance(299_000);
    assert.equal((await me(fresh.accessToken)).status, 200);
    server.clock.advance(2_000);
    const response = await me(fresh.accessToken);
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'token_expired');
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /^Bearer realm="baton", error="invalid_token"/,
    );
  });
});

describe('the verified-token cache and the key ring', () => {
  it('a key dropped from the ring stops the tokens it signed at once, even those verified and cached before', async () => {
    const server = await startServer();
    try {
      const fresh = await registerUser(server);
      const me = () => server.request('GET', '/auth/me', { token: fresh.accessToken });
      assert.equal((await me()).status, 200, 'verified and cached');
      const file = path.join(server.dataDir, 'signing-keys.json');
      const kid = decodeProtectedHeader(fresh.accessToken).kid;
      await server.app.baton.keys.rotate();
      const remaining = JSON.parse(await readFile(file, 'utf8')).filter(
        (key: { kid: string }) => key.kid !== kid,
      );
      await writeFile(file, JSON.stringify(remaining));
      await server.app.baton.keys.reload();
      const response = await me();
      assert.equal(response.status, 401);
      assert.equal(response.body.code, 'invalid_token');
    } finally {
      await server.close();
    }
  });
});
