/**
 * The limit: a bare `node:http` server answering the todos JSON. With `BARE_ALG` set it first
 * verifies the JWT of the `Authorization` header with `node:crypto` on every request (no cache):
 * the floor of what a stateless bearer check with that algorithm costs.
 *
 * Environment: `PORT`, `BARE_ALG` (`EdDSA` | `ES256` | `RS256`; unset: no auth), `BARE_PUBLIC_JWK`
 * (the public key as a JWK, required with `BARE_ALG`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exitWithParent } from './orphanGuard';
import { SAMPLE_TODOS } from './todos';
import { type BareAlgorithm, jwtVerifier } from './verify';

const port = Number(process.env.PORT ?? 0);
const alg = process.env.BARE_ALG as BareAlgorithm | undefined;
const verifies = alg ? jwtVerifier(alg, JSON.parse(process.env.BARE_PUBLIC_JWK ?? '')) : undefined;

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
  if (verifies && !verifies(req.headers.authorization)) return send(res, 401, { code: 'invalid_token' });
  send(res, 200, SAMPLE_TODOS);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
exitWithParent();
