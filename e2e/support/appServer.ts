import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createManualClock, createServer, type ManualClock } from '@baton/server';
import { freePort } from '../../packages/server/test/support/serverProcess.js';
import { APP_DIR } from './appDir.js';
import { type Inbox, startInbox } from './inbox.js';

/** The Baton server serving the built app on one origin, with a clock the test moves. */
export interface AppServer {
  readonly url: string;
  readonly clock: ManualClock;
  /** The account mail the server sent (password reset, verification), through real SMTP. */
  readonly inbox: Inbox;
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
 * proactive refresh (timed by the browser's real clock) stays far away during a test. Account
 * mail goes to a real SMTP server, with links to the server's own origin (which serves the app):
 * the port is chosen before the server starts because the links are configured at creation.
 */
export async function startAppServer(options: { accessTtl?: number } = {}): Promise<AppServer> {
  // The port is free when chosen, not reserved: a browser's outgoing connection or another test
  // server may take it before `listen` (seen once in a full run). Then start again on another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(options);
    } catch (error) {
      if (attempt === 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

async function startOnFreePort(options: { accessTtl?: number }): Promise<AppServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-'));
  const clock = createManualClock();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const inbox = await startInbox(() => url);
  let app: Awaited<ReturnType<typeof createServer>> | undefined;
  try {
    app = await createServer({
      dataDir,
      clock,
      logLevel: false,
      accessTtl: options.accessTtl ?? 300,
      rateLimits: false,
      appDir: APP_DIR,
      publicUrl: url,
      smtpUrl: inbox.smtpUrl,
    });
    const answers = recordAnswers(app);
    await app.listen({ host: '127.0.0.1', port });
    const started = app;
    return {
      url,
      clock,
      inbox,
      count: (p) => answers.statuses(p).length,
      statuses: answers.statuses,
      async close() {
        await started.close();
        await inbox.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app?.close();
    await inbox.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
