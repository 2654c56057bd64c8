import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type * as Baton from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { openBrowser, serveStatic, writeClientPage } from './support/browser.js';

declare global {
  interface Window {
    baton: typeof Baton;
    auth: Baton.AuthClient;
    seen: string[];
  }
}

describe('two tabs of one origin in Chromium', () => {
  let server: BatonTestServer;
  let page: Awaited<ReturnType<typeof writeClientPage>>;
  let app: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  before(async () => {
    // The app and the API live on different origins, as with a Capacitor app or a CDN-hosted SPA.
    page = await writeClientPage();
    app = await serveStatic(page.dir);
    server = await startBaton({ accessTtl: 60, corsOrigins: [app.url] });
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await server.close();
    await app.close();
    await page.remove();
  });

  async function openTab(options: { withoutBroadcastChannel?: boolean } = {}): Promise<Page> {
    const tab = await browser!.context.newPage();
    await tab.goto(app.url);
    await tab.waitForFunction(() => document.title === 'ready');
    if (options.withoutBroadcastChannel) {
      await tab.evaluate(() => {
        // As in Safari before 15.4.
        Reflect.deleteProperty(window, 'BroadcastChannel');
      });
    }
    await tab.evaluate(async (api) => {
      window.seen = [];
      window.auth = window.baton.createAuthClient({ baseUrl: api });
      window.auth.subscribe((event) => window.seen.push(event.type));
      await window.auth.ready;
    }, server.url);
    return tab;
  }

  const fetchTodos = (tab: Page, count: number) =>
    tab.evaluate(
      ([n, url]) =>
        Promise.all(Array.from({ length: n }, () => window.auth.fetch(url).then((r) => r.status))),
      [count, `${server.url}/todos`] as const,
    );

  test('an expired token is refreshed once for both tabs, and both keep working', async (t) => {
    if (browser === null) return t.skip('no Chromium');
    const first = await openTab();
    const account = newAccount();
    await first.evaluate((input) => window.auth.register(input).then(() => undefined), account);
    const second = await openTab();
    assert.equal(await second.evaluate(() => window.auth.session?.user?.email), account.email);
    assert.deepEqual(await fetchTodos(second, 1), [200]);

    server.clock.advance(61_000);
    const refreshesBefore = server.count('/auth/refresh');
    const [a, b] = await Promise.all([fetchTodos(first, 20), fetchTodos(second, 20)]);
    assert.deepEqual(new Set([...a, ...b]), new Set([200]));
    assert.equal(server.count('/auth/refresh') - refreshesBefore, 1, 'one refresh across both tabs');
    const tokens = await Promise.all(
      [first, second].map((tab) => tab.evaluate(() => window.auth.getAccessToken())),
    );
    assert.equal(tokens[0], tokens[1]);
    assert.deepEqual(await fetchTodos(first, 1), [200]);
    assert.deepEqual(await fetchTodos(second, 1), [200]);

    // Signing out in one tab signs out every tab.
    await first.evaluate(() => window.auth.logout());
    await second.waitForFunction(() => window.auth.session === null);
    assert.deepEqual(await second.evaluate(() => window.seen.filter((type) => type === 'signed-out')), [
      'signed-out',
    ]);
    assert.equal(await second.evaluate(() => localStorage.getItem('baton.session')), null);
    await first.close();
    await second.close();
  });

  test('without BroadcastChannel, storage events carry sign-in, refresh and sign-out to the other tab', async (t) => {
    if (browser === null) return t.skip('no Chromium');
    const first = await openTab({ withoutBroadcastChannel: true });
    const second = await openTab({ withoutBroadcastChannel: true });
    await first.evaluate((input) => window.auth.login(input).then(() => undefined), await registered());
    await second.waitForFunction(() => window.auth.session !== null);

    server.clock.advance(61_000);
    assert.deepEqual(await fetchTodos(first, 5), [200, 200, 200, 200, 200]);
    const refreshed = await first.evaluate(() => window.auth.session?.accessToken);
    await second.waitForFunction((token) => window.auth.session?.accessToken === token, refreshed);
    const refreshesBefore = server.count('/auth/refresh');
    assert.deepEqual(await fetchTodos(second, 5), [200, 200, 200, 200, 200]);
    assert.equal(server.count('/auth/refresh'), refreshesBefore, 'the second tab reuses the new token');

    await first.evaluate(() => window.auth.logout());
    await second.waitForFunction(() => window.auth.session === null);
    assert.deepEqual(await second.evaluate(() => window.seen), ['signed-in', 'refreshed', 'signed-out']);
    await first.close();
    await second.close();
  });

  async function registered() {
    const account = newAccount();
    const response = await fetch(`${server.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    assert.equal(response.status, 201);
    return account;
  }

  test('the bundle runs in a dedicated worker (no DOM) with memory storage', async (t) => {
    if (browser === null) return t.skip('no Chromium');
    const tab = await browser.context.newPage();
    await tab.goto(app.url);
    const input = { account: newAccount(), api: server.url };
    const status = await tab.evaluate(async (input) => {
      const worker = new Worker('/worker.js', { type: 'module' });
      return new Promise<number>((resolve, reject) => {
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(event.message));
        worker.postMessage(input);
      });
    }, input);
    assert.equal(status, 200);
    await tab.close();
  });
});
