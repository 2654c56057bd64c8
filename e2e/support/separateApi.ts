/**
 * The seed system of a team with its own API: Baton serves the app (and signs users in), the todos
 * live on an example API on another origin (`examples/`). The app's copy gets the API's URL in
 * its `baton-todos-api` meta tag, the way a deployment sets it; Baton's page policy lets the app
 * call that origin, and the API allows the app's origin by CORS.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createManualClock, createServer, type ManualClock } from '@baton/server';
import type { ApiProcess } from '../../examples/support/apiProcess.js';
import { AUDIENCE } from '../../examples/support/baton.js';
import { createResourceClientWithCli } from '../../packages/server/test/support/resourceClient.js';
import { holdFreePort } from '../../packages/server/test/support/serverProcess.js';
import { APP_DIR } from './appDir.js';
import { recordAnswers } from './appServer.js';

export interface SeparateApiStack {
  readonly batonUrl: string;
  readonly apiUrl: string;
  /** Baton's clock; the API judges tokens with the real one. */
  readonly clock: ManualClock;
  /** Statuses Baton answered on `path` (e.g. `/auth/refresh`), in order, page navigations excluded. */
  statuses(path: string): number[];
  close(): Promise<void>;
}

/** How to start the API once Baton's origin (its issuer and the app's origin) is known. */
export type StartApi = (
  batonUrl: string,
  introspection: { clientId: string; clientSecret: string } | undefined,
) => Promise<ApiProcess>;

export async function startSeparateApiStack(
  startApi: StartApi,
  options: { readonly introspection: boolean },
): Promise<SeparateApiStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-api-'));
  const appDir = await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-app-'));
  // Held while the API starts: it picks a free port of its own, and must not get Baton's.
  const held = await holdFreePort();
  const { port } = held;
  const batonUrl = `http://127.0.0.1:${port}`;
  const client = options.introspection
    ? await createResourceClientWithCli({ BATON_DATA_DIR: dataDir }, 'e2e-api')
    : undefined;
  let api: ApiProcess;
  try {
    api = await startApi(batonUrl, client);
  } catch (error) {
    await held.release();
    throw error;
  }
  try {
    await cp(APP_DIR, appDir, { recursive: true });
    const index = path.join(appDir, 'index.html');
    const html = await readFile(index, 'utf8');
    const configured = html.replace(
      /<meta name="baton-todos-api" content="[^"]*"/,
      `<meta name="baton-todos-api" content="${api.url}"`,
    );
    if (configured === html) throw new Error('the built index.html has no baton-todos-api meta tag');
    await writeFile(index, configured);
    const clock = createManualClock();
    const app = await createServer({
      dataDir,
      clock,
      issuer: batonUrl,
      audience: AUDIENCE,
      appDir,
      appConnectOrigins: [api.url],
      rateLimits: false,
      logLevel: false,
    });
    const answers = recordAnswers(app);
    await held.release();
    await app.listen({ host: '127.0.0.1', port });
    return {
      batonUrl,
      apiUrl: api.url,
      clock,
      statuses: answers.statuses,
      async close() {
        await api.stop();
        await app.close();
        await rm(dataDir, { recursive: true, force: true });
        await rm(appDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await held.release();
    await api.stop();
    throw error;
  }
}
