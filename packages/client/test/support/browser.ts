import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Bundles the client for browsers into `dir/client.js`, next to a page that exposes it as
 * `window.baton` (and a movable clock as `window.offsetClock`) and a module worker that signs up and fetches `{api}/todos` with it.
 */
export async function writeClientPage(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-client-page-'));
  await build({
    entryPoints: [fileURLToPath(new URL('../../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(dir, 'client.js'),
    logLevel: 'silent',
  });
  // External scripts only: the server's Content-Security-Policy (rightly) forbids inline script.
  await writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>baton client</title><script type="module" src="/page.js"></script>',
  );
  await writeFile(
    path.join(dir, 'page.js'),
    [
      'import * as baton from "/client.js";',
      'window.baton = baton;',
      // A clock a test can move forward in this tab only (tests add to window.offsetMs).
      'window.offsetMs = 0;',
      'window.offsetClock = { now: () => Date.now() + window.offsetMs };',
      'document.title = "ready";',
    ].join('\n'),
  );
  await writeFile(
    path.join(dir, 'worker.js'),
    [
      'import { createAuthClient } from "/client.js";',
      'onmessage = async ({ data }) => {',
      '  const auth = createAuthClient({ baseUrl: data.api });',
      '  await auth.register(data.account);',
      '  const response = await auth.fetch(data.api + "/todos");',
      '  postMessage(response.status);',
      '};',
    ].join('\n'),
  );
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript' };

/** Serves `dir` on a free port of 127.0.0.1: the app's origin, distinct from the API's. */
export async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (request, response) => {
    const name = new URL(request.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html');
    try {
      const body = await readFile(path.join(dir, path.basename(name)));
      response.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fresh Chromium profile, or null (with the reason printed) when Chromium is missing. Under
 * `CI=true` a missing Chromium is an error: CI installs it, so its absence is a broken setup.
 */
export async function openBrowser(): Promise<{
  context: BrowserContext;
  /** The profile directory; every process of this browser has it on its command line. */
  profile: string;
  close(): Promise<void>;
} | null> {
  if (!existsSync(CHROMIUM)) {
    const reason = `no Chromium at ${CHROMIUM} (scripts/ci-install-system.sh installs it)`;
    if (process.env.CI === 'true') throw new Error(`CI needs Chromium: ${reason}`);
    console.log(`skipped: ${reason}`);
    return null;
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'baton-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
  return {
    context,
    profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
