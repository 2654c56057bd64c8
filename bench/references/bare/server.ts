/**
 * The limit: a bare `node:http` server answering the todos JSON. With `BARE_MODE=ed25519` it
 * first verifies an EdDSA (Ed25519) JWT from the `Authorization` header with `node:crypto` on every
 * request (no cache), which is the floor of what any stateless bearer check costs.
 *
 * Environment: `PORT`, `BARE_MODE` (`none` | `ed25519`), `BARE_PUBLIC_JWK` (the Ed25519 public key
 * as a JWK, required for `ed25519`).
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exitWithParent } from './orphanGuard';
import { SAMPLE_TODOS } from './todos';

const port = Number(process.env.PORT ?? 0);
const mode = process.env.BARE_MODE ?? 'none';
const publicKey: KeyObject | undefined =
  mode === 'ed25519'
    ? createPublicKey({ key: JSON.parse(process.env.BARE_PUBLIC_JWK ?? ''), format: 'jwk' })
    : undefined;

/** True when `header` carries a JWT whose Ed25519 signature checks out and whose `exp` is ahead. */
function bearerIsValid(header: string | undefined, key: KeyObject): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const token = header.slice(7);
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot < 0 || lastDot === firstDot) return false;
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  if (!verify(null, Buffer.from(token.slice(0, lastDot)), key, signature)) return false;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8'));
    return typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() && typeof claims.sub === 'string';
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.url !== '/todos' || req.method !== 'GET') return send(res, 404, { code: 'not_found' });
  if (publicKey && !bearerIsValid(req.headers.authorization, publicKey)) {
    return send(res, 401, { code: 'invalid_token' });
  }
  send(res, 200, SAMPLE_TODOS);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
exitWithParent();
