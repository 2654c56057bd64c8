import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { NotFoundFallback } from './problems.js';

/** The path of a request target, without its query. */
const pathOf = (url: string): string => url.split('?')[0] ?? '/';

/**
 * Serves a built single-page app from `dir`, on the same origin as the API (so the app needs no
 * CORS). Browser navigations get the app's `index.html` on any path, so client-side routes such
 * as `/todos` survive a reload. Returns the not-found fallback that does the same for unknown GET
 * paths outside the API, while API paths keep their problem+json 404s.
 */
export async function serveApp(
  app: FastifyInstance,
  dir: string,
  apiPrefixes: readonly string[],
): Promise<NotFoundFallback> {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) throw new Error(`appDir ${dir} has no index.html: build the app first`);
  // Loaded only for a server that serves an app: a sixth of an API-only server's memory otherwise.
  const { default: fastifyStatic } = await import('@fastify/static');
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    // The index names the current build's assets, so it must be revalidated on every load;
    // the assets themselves may be cached for a while.
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', filePath.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600');
    },
  });
  // A browser navigating to (or reloading) an app route that shares its path with the API, such
  // as /todos, asks for HTML first; API clients never do. Answer those navigations with the app.
  // A callback hook: it runs on every request and, for all but navigations, has nothing to wait for.
  app.addHook('onRequest', (request, reply, done) => {
    const pathname = pathOf(request.url);
    const isAppNavigation =
      request.method === 'GET' &&
      /^text\/html/.test(request.headers.accept ?? '') &&
      !pathname.startsWith('/docs') &&
      !/\.[a-z0-9]+$/i.test(pathname);
    if (!isAppNavigation) {
      done();
      return;
    }
    // Answering here ends the request: Fastify skips the route once a hook has sent a reply.
    void reply.sendFile('index.html');
  });
  return (request, reply) => {
    const pathname = pathOf(request.url);
    if (request.method !== 'GET' || apiPrefixes.some((prefix) => pathname.startsWith(prefix))) return false;
    void reply.sendFile('index.html');
    return true;
  };
}
