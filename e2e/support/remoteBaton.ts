/**
 * The app served from one origin with Baton on another, as in the native shells (the page is
 * `capacitor://localhost`, Baton is remote). A copy of the built app names Baton in its
 * `baton-api` meta tag, the way a native build does; the page's host is a second server whose
 * own API must receive nothing, and Baton allows the page's origin by CORS.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '@baton/server';
import { freePort } from '../../packages/server/test/support/serverProcess.js';
import { APP_DIR } from './appDir.js';
import { recordAnswers } from './appServer.js';

export interface RemoteBatonStack {
  /** Where the page comes from (the shell's origin). */
  readonly appUrl: string;
  readonly batonUrl: string;
  /** Statuses answered on `path`, in order, page navigations excluded: by Baton, and by the page's host. */
  batonStatuses(path: string): number[];
  appHostStatuses(path: string): number[];
  close(): Promise<void>;
}

export async function startRemoteBatonStack(): Promise<RemoteBatonStack> {
  const dataDirs = [
    await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-remote-')),
    await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-host-')),
  ];
  const appDir = await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-app-'));
  const [batonData, hostData] = dataDirs as [string, string];
  const servers: Awaited<ReturnType<typeof createServer>>[] = [];
  const close = async () => {
    for (const server of servers) await server.close();
    for (const dir of [...dataDirs, appDir]) await rm(dir, { recursive: true, force: true });
  };
  try {
    const batonPort = await freePort();
    const appPort = await freePort();
    const batonUrl = `http://127.0.0.1:${batonPort}`;
    const appUrl = `http://127.0.0.1:${appPort}`;
    await cp(APP_DIR, appDir, { recursive: true });
    const index = path.join(appDir, 'index.html');
    const html = await readFile(index, 'utf8');
    const configured = html.replace(
      /<meta name="baton-api" content="[^"]*"/,
      `<meta name="baton-api" content="${batonUrl}"`,
    );
    if (configured === html) throw new Error('the built index.html has no baton-api meta tag');
    await writeFile(index, configured);

    const baton = await createServer({
      dataDir: batonData,
      logLevel: false,
      rateLimits: false,
      corsOrigins: [appUrl],
    });
    servers.push(baton);
    const batonAnswers = recordAnswers(baton);
    await baton.listen({ host: '127.0.0.1', port: batonPort });

    // A Baton too (it serves apps with their page policy), but one this app must never call.
    const host = await createServer({
      dataDir: hostData,
      logLevel: false,
      rateLimits: false,
      appDir,
      appConnectOrigins: [batonUrl],
    });
    servers.push(host);
    const hostAnswers = recordAnswers(host);
    await host.listen({ host: '127.0.0.1', port: appPort });
    return {
      appUrl,
      batonUrl,
      batonStatuses: batonAnswers.statuses,
      appHostStatuses: hostAnswers.statuses,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
