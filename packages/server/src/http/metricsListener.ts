import { once } from 'node:events';
import http from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Serves `GET /metrics` on a listener of its own (`BATON_METRICS=<port>`), so scrapers reach it on
 * a port the load balancer never exposes, and the API's port has no `/metrics` at all.
 */
export async function listenForMetrics(registry: Registry, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Not found: try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) =>
        response
          .writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
          .end(text),
      () =>
        response
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('Metrics could not be collected.\n'),
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
