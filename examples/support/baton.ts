/**
 * A real Baton for the examples' tests: `createServer` from `@baton/server`'s sources on a fresh
 * SQLite directory, on the real clock (the example APIs judge time with theirs), listening on a
 * free port of 127.0.0.1 that is also its issuer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createManualClock, createServer, type ServerOptions } from '@baton/server';
import { baton as batonCli } from '../../packages/server/test/support/cli.js';
import {
  createResourceClientWithCli,
  type ResourceClient,
} from '../../packages/server/test/support/resourceClient.js';
import { freePort } from '../../packages/server/test/support/serverProcess.js';

/** The signing algorithms Baton offers (`BATON_ACCESS_ALG`). */
export type Algorithm = 'ES256' | 'EdDSA' | 'RS256';
export const ALGORITHMS: readonly Algorithm[] = ['ES256', 'EdDSA', 'RS256'];

/** The audience the example APIs are configured for. */
export const AUDIENCE = 'todos-api';

/** A signed-up user: their tokens and id. */
export interface SignedUp {
  readonly email: string;
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface TestBaton {
  readonly url: string;
  readonly dataDir: string;
  readonly alg: Algorithm;
  /** Registers a fresh user. */
  signUp(): Promise<SignedUp>;
  /** A genuine token issued by a Baton on the same keys whose clock is an hour behind: expired. */
  expiredToken(): Promise<string>;
  /** A genuine token on the same keys, issued for another audience. */
  tokenForAudience(audience: string): Promise<string>;
  /** `baton keys rotate --alg`, then makes this server sign with the new key; returns the new kid. */
  rotateKeys(alg?: Algorithm): Promise<string>;
  /** `baton clients create`: a credential for introspection. */
  createClient(name: string): Promise<ResourceClient>;
  /** Ends a session the way "sign out" does. */
  logout(refreshToken: string): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;
const PASSWORD = 'correct horse battery staple';

/** Starts a Baton signing with `alg`, allowing `corsOrigins` (for browser tests). */
export async function startBaton(
  alg: Algorithm,
  extra: Pick<ServerOptions, 'corsOrigins' | 'appDir' | 'accessTtl'> = {},
): Promise<TestBaton> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-example-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base: ServerOptions = {
    dataDir,
    issuer: url,
    audience: AUDIENCE,
    accessAlg: alg,
    logLevel: false,
    ...extra,
  };
  const app = await createServer(base);
  await app.listen({ host: '127.0.0.1', port });

  /** Registers on an in-process Baton (another instance on the same keys) and returns the tokens. */
  const register = async (server: Awaited<ReturnType<typeof createServer>>): Promise<SignedUp> => {
    const email = `example.${process.pid}.${++counter}@example.com`;
    const answer = await server.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: PASSWORD },
    });
    if (answer.statusCode !== 201) throw new Error(`register failed: ${answer.statusCode} ${answer.body}`);
    const body = answer.json() as { accessToken: string; refreshToken: string; user: { id: string } };
    return { email, userId: body.user.id, accessToken: body.accessToken, refreshToken: body.refreshToken };
  };
  const issueWith = async (options: ServerOptions): Promise<string> => {
    const other = await createServer({ ...base, ...options });
    try {
      return (await register(other)).accessToken;
    } finally {
      await other.close();
    }
  };
  const env = { BATON_DATA_DIR: dataDir };

  return {
    url,
    dataDir,
    alg,
    signUp: () => register(app),
    expiredToken: () => issueWith({ clock: createManualClock(Date.now() - 3_600_000) }),
    tokenForAudience: (audience) => issueWith({ audience }),
    async rotateKeys(newAlg = alg) {
      const run = await batonCli(['keys', 'rotate', '--alg', newAlg, '--json'], env);
      if (run.code !== 0) throw new Error(`baton keys rotate failed: ${run.stderr}`);
      // A running Baton re-reads its keys within 30 s; this one is told at once.
      await app.baton.keys.reload();
      return (JSON.parse(run.stdout) as { kid: string }).kid;
    },
    createClient: (name) => createResourceClientWithCli(env, name),
    async logout(refreshToken) {
      const answer = await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken } });
      if (answer.statusCode !== 204) throw new Error(`logout failed: ${answer.statusCode}`);
    },
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
