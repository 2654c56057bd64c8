import { after, before, type TestContext } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { type AppServer, startAppServer } from './appServer.js';
import { launchBrowser, openDevice } from './browser.js';

/**
 * One browser for the file; for each test its own server (fresh database and clock, counters
 * from zero) and its own devices, all closed after the test: tests share no state and each runs
 * alone (`--test-name-pattern`).
 */
export function browserSuite() {
  let browser: Browser | string = 'not launched';
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    if (typeof browser !== 'string') await browser.close();
  });

  /** A fresh server and a way to open devices on it; null (the test is skipped, saying why) without Chromium. */
  return async function setup(
    t: TestContext,
    options: { accessTtl?: number } = {},
  ): Promise<{ server: AppServer; device(options?: BrowserContextOptions): Promise<Page> } | null> {
    if (typeof browser === 'string') {
      t.skip(browser);
      return null;
    }
    const chromium = browser;
    const server = await startAppServer(options);
    const pages: Page[] = [];
    t.after(async () => {
      await Promise.all(pages.map((page) => page.context().close()));
      await server.close();
    });
    return {
      server,
      async device(contextOptions) {
        const page = await openDevice(chromium, contextOptions);
        pages.push(page);
        return page;
      },
    };
  };
}
