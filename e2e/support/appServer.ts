import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createManualClock, createServer, type ManualClock } from '@baton/server';
import { APP_DIR } from './appDir.js';

/** The Baton server serving the built app on one origin, with a clock the test moves. */
export interface AppServer {
  readonly url: string;
  readonly clock: ManualClock;
  /** How many API requests (page navigations excluded) reached `path` (e.g. `/auth/refresh`) so far. */
  count(path: string): number;
  /** Statuses answered on `path`, in order. */
  statuses(path: string): number[];
  close(): Promise<void>;
}

/**
 * Records the status of every API answer `app` sends, by path (page navigations excluded: a
 * reload of /todos is the app's HTML, not a call to the API).
 */
export function recordAnswers(app: Awaited<ReturnType<typeof createServer>>): {
  statuses(path: string): number[];
} {
  const answered: { path: string; status: number }[] = [];
  app.addHook('onResponse', async (request, reply) => {
    if (/^text\/html/.test(request.headers.accept ?? '')) return;
    answered.push({ path: request.url.split('?')[0] ?? request.url, status: reply.statusCode });
  });
  return { statuses: (p) => answered.filter((each) => each.path === p).map((each) => each.status) };
}

/**
 * Starts the server on a free port of 127.0.0.1. The access lifetime is the default 5 minutes:
 * tests expire tokens by moving the server's clock past it, never by waiting, and the client's
 * proactive refresh (timed by the browser's real clock) stays far away during a test.
 */
export async function startAppServer(options: { accessTtl?: number } = {}): Promise<AppServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-'));
  const clock = createManualClock();
  const app = await createServer({
    dataDir,
    clock,
    logLevel: false,
    accessTtl: options.accessTtl ?? 300,
    rateLimits: false,
    appDir: APP_DIR,
  });
  const answers = recordAnswers(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    clock,
    count: (p) => answers.statuses(p).length,
    statuses: answers.statuses,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
