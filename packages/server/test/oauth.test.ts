import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { createManualClock, createServer } from '../src/index.js';
import { GOOD_PASSWORD, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { freePort } from './support/serverProcess.js';

/** A real outside client: oauth4webapi, allowed plain http only because this is the loopback. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: 'baton-oauth-test' };

describe('OAuth 2.0 endpoints with a standard client (oauth4webapi)', () => {
  const clock = createManualClock();
  let app: Awaited<ReturnType<typeof createServer>>;
  let issuer: URL;
  let as: oauth.AuthorizationServer;
  let dataDir: string;
  const email = uniqueEmail('oauth');

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-oauth-'));
    const port = await freePort();
    issuer = new URL(`http://127.0.0.1:${port}`);
    app = await createServer({
      dataDir,
      clock,
      logLevel: false,
      port,
      issuer: issuer.origin,
      oauthPasswordGrant: true,
    });
    await app.listen({ host: '127.0.0.1', port });
    const registered = await fetch(new URL('/auth/register', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: GOOD_PASSWORD }),
    });
    assert.equal(registered.status, 201);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
  });
  after(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const passwordGrant = async (password = GOOD_PASSWORD) => {
    const response = await fetch(as.token_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: email,
        password,
        client_id: client.client_id,
      }),
    });
    return { response, cacheControl: response.headers.get('cache-control') };
  };

  it('publishes RFC 8414 metadata that the client accepts', () => {
    assert.equal(as.issuer, issuer.origin);
    assert.equal(as.token_endpoint, `${issuer.origin}/oauth/token`);
    assert.equal(as.revocation_endpoint, `${issuer.origin}/oauth/revoke`);
    assert.equal(as.jwks_uri, `${issuer.origin}/.well-known/jwks.json`);
    assert.deepEqual(as.grant_types_supported, ['password', 'refresh_token']);
    assert.deepEqual(as.token_endpoint_auth_methods_supported, ['none']);
    assert.deepEqual(as.response_types_supported, []);
  });

  it('password grant, then refresh_token grant: RFC 6749 §5.1 answers, never cached', async () => {
    const { response, cacheControl } = await passwordGrant();
    assert.equal(cacheControl, 'no-store');
    const tokens = await oauth.processGenericTokenEndpointResponse(as, client, response);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 300);
    assert.ok(tokens.refresh_token?.startsWith('brt_'));

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token ?? '', insecure),
    );
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    const me = await fetch(new URL('/auth/me', issuer), {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(me.status, 200);
  });

  it('a refresh token reused after the grace window is invalid_grant and ends the family', async () => {
    const tokens = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      (await passwordGrant()).response,
    );
    const first = tokens.refresh_token ?? '';
    const next = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first, insecure),
    );
    clock.advance(60_000);
    const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first, insecure);
    assert.equal(reuse.status, 400);
    await assert.rejects(oauth.processRefreshTokenResponse(as, client, reuse), (error: unknown) => {
      assert.ok(error instanceof oauth.ResponseBodyError);
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
    const successor = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      next.refresh_token ?? '',
      insecure,
    );
    assert.equal(successor.status, 400, 'the successor died with its family');
  });

  it('revocation (RFC 7009) ends the session of a refresh token and answers 200 for anything else', async () => {
    const tokens = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      (await passwordGrant()).response,
    );
    const revoke = (token: string) => oauth.revocationRequest(as, client, oauth.None(), token, insecure);
    assert.equal(await oauth.processRevocationResponse(await revoke(tokens.refresh_token ?? '')), undefined);
    const refresh = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token ?? '',
      insecure,
    );
    assert.equal(refresh.status, 400);
    assert.equal((await revoke('not-a-token')).status, 200);
    assert.equal((await revoke(tokens.refresh_token ?? '')).status, 200, 'revoking twice is fine');
  });

  it('revoking an access token ends its session: the token stops working at once, and so does its refresh token', async () => {
    const tokens = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      (await passwordGrant()).response,
    );
    const me = () =>
      fetch(new URL('/auth/me', issuer), { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal((await me()).status, 200);
    const revoked = await oauth.revocationRequest(as, client, oauth.None(), tokens.access_token, insecure);
    assert.equal(revoked.status, 200);
    assert.equal((await me()).status, 401);
    const refresh = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token ?? '',
      insecure,
    );
    assert.equal(refresh.status, 400);
  });

  it('answers RFC 6749 §5.2 errors for bad grants and requests', async () => {
    const post = async (body: string | object, headers: Record<string, string> = {}) => {
      const json = typeof body === 'object';
      const response = await fetch(as.token_endpoint ?? '', {
        method: 'POST',
        headers: {
          'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: json ? JSON.stringify(body) : body,
      });
      return { status: response.status, body: (await response.json()) as { error: string } };
    };
    const wrong = await oauth
      .processGenericTokenEndpointResponse(as, client, (await passwordGrant('wrong password!')).response)
      .catch((error: unknown) => error);
    assert.ok(wrong instanceof oauth.ResponseBodyError && wrong.error === 'invalid_grant');
    assert.deepEqual(await post('grant_type=client_credentials'), {
      status: 400,
      body: {
        error: 'unsupported_grant_type',
        error_description: "grant_type 'client_credentials' is not supported",
      },
    });
    assert.equal((await post('username=a')).body.error, 'invalid_request');
    assert.equal((await post('grant_type=refresh_token')).body.error, 'invalid_request');
    assert.equal(
      (await post({ grant_type: 'refresh_token', refresh_token: 'brt_nope' })).body.error,
      'invalid_grant',
    );
    const json = await post({ grant_type: 'password', username: email, password: GOOD_PASSWORD });
    assert.equal(json.status, 200, 'JSON bodies work too');
    const basic = await post('grant_type=password&username=a&password=b', {
      authorization: `Basic ${Buffer.from('c:s').toString('base64')}`,
    });
    assert.deepEqual([basic.status, basic.body.error], [401, 'invalid_client']);
  });

  it('accepts form bodies only on the OAuth endpoints', async () => {
    const response = await fetch(new URL('/auth/login', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password: GOOD_PASSWORD }),
    });
    assert.equal(response.status, 415);
  });
});

describe('the issuer', () => {
  it('is one string in the tokens and the metadata, even when the setting ends in a slash', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-issuer-'));
    const app = await createServer({ dataDir, logLevel: false, issuer: 'https://auth.example.com/' });
    try {
      const metadata = (
        await app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })
      ).json();
      const registered = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: uniqueEmail('issuer'), password: GOOD_PASSWORD },
      });
      const payload = registered.json().accessToken.split('.')[1];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      assert.equal(claims.iss, 'https://auth.example.com');
      assert.equal(metadata.issuer, claims.iss, 'discovery-based verifiers compare the two exactly');
      assert.equal(metadata.jwks_uri, 'https://auth.example.com/.well-known/jwks.json');
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the OAuth password grant, off by default (RFC 9700)', () => {
  it('is neither advertised nor accepted unless switched on', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-oauth-'));
    const app = await createServer({ dataDir, logLevel: false });
    try {
      const metadata = await app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
      assert.deepEqual(metadata.json().grant_types_supported, ['refresh_token']);
      const email = uniqueEmail('nograpnt');
      await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: GOOD_PASSWORD },
      });
      const grant = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'password', username: email, password: GOOD_PASSWORD },
      });
      assert.equal(grant.statusCode, 400);
      assert.equal(grant.json().error, 'unsupported_grant_type');
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a client that hangs up in the middle of its request', () => {
  /** Sends the head of `route` with a body of 1000 announced bytes, 15 of them, then closes the socket. */
  const hangUpMidBody = (server: TestServer, route: string, contentType: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        socket.write(
          `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
            'Content-Length: 1000\r\n\r\ngrant_type=pass',
          () => socket.destroy(),
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  /** Resolves once the server holds no connection: it has seen every hang-up, and handled it. */
  const connectionsGone = async (server: TestServer) => {
    const open = () =>
      new Promise<number>((resolve, reject) =>
        server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    while ((await open()) > 0) await new Promise((resolve) => setImmediate(resolve));
  };

  it('is not logged as a storage outage (OAuth token endpoint and Baton’s API alike)', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logLevel: 'error',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      await hangUpMidBody(server, '/oauth/token', 'application/x-www-form-urlencoded');
      await hangUpMidBody(server, '/auth/login', 'application/json');
      await connectionsGone(server);
      // A request after the hang-ups: their handling, some turns of the event loop long, is over.
      assert.equal((await server.request('GET', '/healthz')).status, 200);
      const logged = lines.map((line) => JSON.parse(line) as { msg: string });
      assert.deepEqual(
        logged.filter((entry) => entry.msg === 'storage unavailable'),
        [],
        'a hang-up is the client’s doing: operators alert on storage outages',
      );
    } finally {
      await server.close();
    }
  });
});
