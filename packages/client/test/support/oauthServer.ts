import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small standards-following OAuth 2 authorization + resource server on 127.0.0.1:
 * `POST /token` (RFC 6749 §4.3 password and §6 refresh_token grants, form-encoded, §5.1/§5.2
 * bodies, rotating refresh tokens whose reuse revokes the family), `POST /revoke` (RFC 7009) and
 * bearer-protected `/resource` and `/echo` (answers the request body) per RFC 6750. Access tokens are opaque, so the client must rely
 * on `expires_in` and the `Date` header.
 */
export interface OAuthTestServer {
  readonly url: string;
  readonly clientId: string;
  /** Requests by path. */
  count(path: string): number;
  /** Moves the server's clock. */
  advance(ms: number): void;
  close(): Promise<void>;
}

interface Grant {
  readonly family: string;
  readonly expiresAt: number;
}

export async function startOAuthServer(options: { accessTtl?: number } = {}): Promise<OAuthTestServer> {
  const accessTtl = options.accessTtl ?? 60;
  const clientId = 'baton-spa';
  const users = new Map([['ada@example.com', 'correct horse battery staple']]);
  const accessTokens = new Map<string, Grant>();
  const refreshTokens = new Map<string, { family: string; used: boolean }>();
  const revokedFamilies = new Set<string>();
  const counts = new Map<string, number>();
  let offset = 0;
  const now = () => Date.now() + offset;
  const token = () => randomBytes(24).toString('base64url');

  const issue = (family: string) => {
    const access = token();
    const refresh = token();
    accessTokens.set(access, { family, expiresAt: now() + accessTtl * 1000 });
    refreshTokens.set(refresh, { family, used: false });
    return { access_token: access, token_type: 'Bearer', expires_in: accessTtl, refresh_token: refresh };
  };

  const server = http.createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      // §5.1: token answers must not be cached.
      response.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        pragma: 'no-cache',
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());

    if (path === '/resource' || path === '/echo') {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const grant = bearer === undefined ? undefined : accessTokens.get(bearer);
      if (grant === undefined || grant.expiresAt <= now() || revokedFamilies.has(grant.family)) {
        return send(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      return send(200, path === '/echo' ? { body: Buffer.concat(chunks).toString() } : { ok: true });
    }
    if (path === '/always-401') {
      return send(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (path === '/revoke' && request.method === 'POST') {
      const found = refreshTokens.get(form.get('token') ?? '');
      if (found) revokedFamilies.add(found.family);
      return send(200, {});
    }
    if (path !== '/token' || request.method !== 'POST') return send(404, { error: 'not_found' });
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return send(400, { error: 'invalid_request', error_description: 'form-encoded body expected' });
    }
    if (form.get('client_id') !== clientId) return send(401, { error: 'invalid_client' });
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const password = users.get(form.get('username') ?? '');
      if (password === undefined || password !== form.get('password')) {
        return send(400, { error: 'invalid_grant', error_description: 'wrong username or password' });
      }
      return send(200, issue(token()));
    }
    if (grantType === 'refresh_token') {
      const presented = refreshTokens.get(form.get('refresh_token') ?? '');
      if (presented === undefined || revokedFamilies.has(presented.family)) {
        return send(400, { error: 'invalid_grant', error_description: 'unknown or revoked refresh token' });
      }
      if (presented.used) {
        revokedFamilies.add(presented.family);
        return send(400, { error: 'invalid_grant', error_description: 'refresh token reused' });
      }
      presented.used = true;
      return send(200, issue(presented.family));
    }
    return send(400, { error: 'unsupported_grant_type' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    count: (path) => counts.get(path) ?? 0,
    advance(ms) {
      offset += ms;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
