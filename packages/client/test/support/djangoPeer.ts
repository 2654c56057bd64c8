import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const START = fileURLToPath(new URL('../../../../scripts/django-peer/start.sh', import.meta.url));
export const PEER_SECRET = 'baton-client-test-secret';

/** The Django djoser + simplejwt peer (scripts/django-peer) on a free port of 127.0.0.1. */
export interface DjangoPeer {
  readonly url: string;
  /** Where the peer writes its account mail, one file per message (Django's filebased backend). */
  readonly mailDir: string;
  /** Stops gunicorn, keeping the database. */
  stop(): Promise<void>;
  /** Starts again on the same port and database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the peer (with `settings`, a module of scripts/django-peer/peer), or returns the reason
 * it cannot run here. Under `CI=true` a peer that cannot run is an error: CI installs Django.
 */
export async function startDjangoPeer(
  options: { settings?: 'peer.settings' | 'peer.settings_named' | 'peer.settings_activation' } = {},
): Promise<DjangoPeer | { skipped: string }> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'django-peer-data-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn(START, [String(port)], {
      env: {
        ...process.env,
        DJANGO_PEER_DATA_DIR: dataDir,
        DJANGO_PEER_SECRET: PEER_SECRET,
        DJANGO_PEER_SETTINGS: options.settings ?? 'peer.settings',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = started;
    return new Promise<string | null>((resolve, reject) => {
      let output = '';
      started.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('django-peer ready')) resolve(null);
        if (output.includes('skipped:')) resolve(output.trim());
      });
      started.on('exit', (code) =>
        code === 3 ? resolve(output.trim()) : reject(new Error(`peer exited ${code}`)),
      );
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill('SIGTERM');
    });
  };
  const skipped = await launch();
  if (skipped !== null) {
    await rm(dataDir, { recursive: true, force: true });
    if (process.env.CI === 'true') throw new Error(`CI needs the Django peer: ${skipped}`);
    return { skipped };
  }
  return {
    url: `http://127.0.0.1:${port}`,
    mailDir: path.join(dataDir, 'mail'),
    stop,
    async restart() {
      await launch();
    },
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the peer before the tests of the calling suite and stops it after them. `peer` is
 * undefined when it cannot run here; tests then skip with `skipReason`.
 */
export function useDjangoPeer(options: Parameters<typeof startDjangoPeer>[0] = {}): {
  readonly peer: DjangoPeer | undefined;
  readonly skipReason: string;
} {
  const state: { peer: DjangoPeer | undefined; skipReason: string } = { peer: undefined, skipReason: '' };
  before(async () => {
    const started = await startDjangoPeer(options);
    if ('skipped' in started) {
      state.skipReason = started.skipped;
      console.log(started.skipped);
    } else {
      state.peer = started;
    }
  });
  after(() => state.peer?.close());
  return state;
}

/**
 * A copy of a simplejwt access token that expired an hour ago, signed with the peer's key: the
 * server refuses it exactly as it refuses a token that timed out, without the test waiting.
 */
export function expiredCopy(accessToken: string): string {
  const [header, payload] = accessToken.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
  const lifetime = claims.exp - claims.iat;
  claims.exp = Math.floor(Date.now() / 1000) - 3600;
  claims.iat = claims.exp - lifetime;
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', PEER_SECRET).update(body).digest('base64url')}`;
}

/**
 * The `uid` and `token` of the newest link under `linkPath` (`reset-password`, `verify-email`)
 * that the peer mailed to `email` (Django's filebased backend: one file per sending, messages
 * separated by a line of dashes).
 */
export async function mailedLink(
  peer: DjangoPeer,
  email: string,
  linkPath: 'reset-password' | 'verify-email',
): Promise<{ uid: string; token: string }> {
  const files = (await readdir(peer.mailDir).catch(() => [])).sort().reverse();
  for (const file of files) {
    const messages = (await readFile(path.join(peer.mailDir, file), 'utf8')).split(/^-{20,}$/m).reverse();
    for (const message of messages) {
      if (!message.split('\n').some((line) => line === `To: ${email}`)) continue;
      const link = new RegExp(`/${linkPath}\\?uid=([\\w-]+)&token=([\\w-]+)`).exec(message);
      if (link?.[1] !== undefined && link[2] !== undefined) return { uid: link[1], token: link[2] };
    }
  }
  throw new Error(`the peer mailed no ${linkPath} link to ${email} (${peer.mailDir})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
