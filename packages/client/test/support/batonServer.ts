import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
  /**
   * Holds requests to `path` on arrival (before the server handles it) until the returned gate is
   * released, so a test can make requests overlap for certain. Only the first `limit` are held;
   * later ones pass.
   */
  hold(path: string, limit?: number): RequestGate;
  /**
   * Delivers the mail the server queued (into `<dataDir>/outbox/`, no SMTP is configured) and
   * returns the token of the newest link to `email` under `path`.
   */
  mailedToken(email: string, path: '/reset-password' | '/verify-email'): Promise<string>;
  /** Stops listening, keeping the data directory. */
  stop(): Promise<void>;
  /** Stops and deletes the data directory. */
  close(): Promise<void>;
}

/** Requests held by {@link BatonTestServer.hold}. */
export interface RequestGate {
  /** How many requests are being held (or were, before the release). */
  arrived(): number;
  /** Resolves once `count` requests have arrived. */
  arrivals(count: number): Promise<void>;
  /** Lets the held requests (and every later one) through. */
  release(): void;
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
    /** Keep the server's default rate limits (most tests sign in many times from one address). */
    rateLimits?: boolean;
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
    ...(options.rateLimits ? {} : { rateLimits: false as const }),
    // oauth2Backend's tests sign in with the password grant, off by default (RFC 9700).
    oauthPasswordGrant: true,
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });
  const log: { path: string; authorization: string | undefined }[] = [];
  const gates = new Map<
    string,
    { arrived: number; limit: number; opened: Promise<void>; waiters: (() => void)[] }
  >();
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS') return;
    const path = request.url.split('?')[0] ?? request.url;
    log.push({ path, authorization: request.headers.authorization });
    const gate = gates.get(path);
    if (gate === undefined || gate.arrived >= gate.limit) return;
    gate.arrived += 1;
    for (const wake of gate.waiters.splice(0)) wake();
    await gate.opened;
  });
  const url = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // An outage, not a graceful shutdown: drop open connections instead of waiting for them.
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  };
  return {
    url,
    port: Number(new URL(url).port),
    clock,
    dataDir,
    log,
    count: (wanted) => log.filter((seen) => seen.path === wanted).length,
    hold(path, limit = Number.POSITIVE_INFINITY) {
      let open = () => {};
      const gate = {
        arrived: 0,
        limit,
        opened: new Promise<void>((resolve) => {
          open = resolve;
        }),
        waiters: [] as (() => void)[],
      };
      gates.set(path, gate);
      return {
        arrived: () => gate.arrived,
        arrivals: (count) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (gate.arrived >= count) resolve();
              else gate.waiters.push(check);
            };
            check();
          }),
        release() {
          gates.delete(path);
          open();
        },
      };
    },
    async mailedToken(email, linkPath) {
      await app.baton.mail.flush();
      const outbox = path.join(dataDir, 'outbox');
      const files = (await readdir(outbox).catch(() => [])).sort().reverse();
      for (const file of files) {
        const mail = decodeQuotedPrintable(await readFile(path.join(outbox, file), 'utf8'));
        if (!new RegExp(`^To: .*${email.replace(/[.+]/g, '\\$&')}`, 'im').test(mail)) continue;
        const token = new RegExp(`${linkPath}\\?token=([\\w-]+)`).exec(mail)?.[1];
        if (token !== undefined) return token;
      }
      throw new Error(`no mail to ${email} with a ${linkPath} link in ${outbox}`);
    },
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

/** Undoes quoted-printable (RFC 2045 §6.7) well enough to read a link out of an `.eml` file. */
function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
