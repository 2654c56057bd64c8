import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createManualClock, createServer, type ManualClock } from '@baton/server';

/** A real Baton server on 127.0.0.1 with a manual clock and a count of requests per path. */
export interface BatonTestServer {
  readonly url: string;
  readonly port: number;
  readonly clock: ManualClock;
  readonly dataDir: string;
  /** Requests seen so far, by path (e.g. `/auth/refresh`), not counting CORS preflights. */
  count(path: string): number;
  /** Every request except CORS preflights, in arrival order: path and Authorization header. */
  readonly log: { readonly path: string; readonly authorization: string | undefined }[];
  /** Stops listening, keeping the data directory. */
  stop(): Promise<void>;
  /** Stops and deletes the data directory. */
  close(): Promise<void>;
}

export async function startBaton(
  options: {
    accessTtl?: number;
    refreshGrace?: number;
    port?: number;
    dataDir?: string;
    clock?: ManualClock;
    /** Origins allowed by CORS (a page served from elsewhere). */
    corsOrigins?: readonly string[];
  } = {},
): Promise<BatonTestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'baton-client-')));
  const clock = options.clock ?? createManualClock();
  const app = await createServer({
    dataDir,
    clock,
    logLevel: false,
    accessTtl: options.accessTtl ?? 60,
    refreshGrace: options.refreshGrace ?? 10,
    // Tests sign in many times from one address.
    rateLimits: false,
    // oauth2Backend's tests sign in with the password grant, off by default (RFC 9700).
    oauthPasswordGrant: true,
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });
  const log: { path: string; authorization: string | undefined }[] = [];
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS') return;
    log.push({
      path: request.url.split('?')[0] ?? request.url,
      authorization: request.headers.authorization,
    });
  });
  const url = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    url,
    port: Number(new URL(url).port),
    clock,
    dataDir,
    log,
    count: (wanted) => log.filter((seen) => seen.path === wanted).length,
    stop,
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let users = 0;
/** A fresh, valid account for each call. */
export function newAccount(): { email: string; password: string } {
  users += 1;
  return { email: `user${users}-${process.pid}@example.com`, password: `correct horse battery ${users}` };
}
