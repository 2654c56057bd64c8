import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A server an attacker controls, named by `jku`/`x5u` headers of forged tokens. It serves a JWKS
 * holding the attacker's key, so a verifier that followed the header would accept the forgery;
 * the test asserts it was never contacted at all.
 */
export interface AttackerServer {
  readonly url: string;
  /** Every request it received, as `METHOD path`. */
  readonly hits: readonly string[];
  close(): Promise<void>;
}

/** Starts the attacker's server on a free port of 127.0.0.1, serving `jwks` at every path. */
export async function startAttackerServer(jwks: unknown): Promise<AttackerServer> {
  const hits: string[] = [];
  const server = http.createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
