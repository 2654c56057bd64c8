import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A proxy in front of a server that sends the head of `path`'s answers and holds their body. */
export interface StallingProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Forwards every request to `upstream` on 127.0.0.1; the answers to `path` leave with their status
 * and headers (a `Content-Length` included) and none of their body, as from a server that stalls
 * mid-answer or a connection that stops delivering.
 */
export async function stallingProxy(upstream: string, path: string): Promise<StallingProxy> {
  const target = new URL(upstream);
  const stalled: ServerResponse[] = [];
  const server = createServer((incoming, outgoing) => {
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        if ((incoming.url ?? '').split('?')[0] !== path) {
          answer.pipe(outgoing);
          return;
        }
        outgoing.flushHeaders();
        answer.resume();
        stalled.push(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const answer of stalled) answer.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
