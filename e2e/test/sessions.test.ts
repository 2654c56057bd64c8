import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  addTodo,
  byTestId,
  field,
  location,
  login,
  newUser,
  register,
  waitForPath,
} from '../support/appDriver.js';
import { type AppServer, startAppServer } from '../support/appServer.js';
import { launchBrowser, openDevice, screenshot } from '../support/browser.js';

const ACCESS_TTL_S = 300;
let server: AppServer;
let browser: Browser | string;

before(async () => {
  server = await startAppServer({ accessTtl: ACCESS_TTL_S });
  browser = await launchBrowser();
});
after(async () => {
  if (typeof browser !== 'string') await browser.close();
  await server?.close();
});

/**
 * Access tokens are stateless JWTs: a revoked session's token keeps working until it expires.
 * Moving the server's clock past its lifetime makes the next call refresh, which is refused.
 */
const expireAccessTokens = () => server.clock.advance((ACCESS_TTL_S + 1) * 1000);

async function openSessions(page: Page, expected: number): Promise<void> {
  await byTestId(page, 'sessions-link').click();
  await waitForPath(page, '/sessions');
  await page.waitForFunction(
    (count) => document.querySelectorAll('[data-testid="session-item"]').length === count,
    expected,
  );
}

test('a session revoked from another device is sent to /login on its next call', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const user = newUser();
  const phone = await openDevice(browser);
  await register(phone, server.url, user);
  const laptop = await openDevice(browser);
  await login(laptop, server.url, user);

  await openSessions(laptop, 2);
  assert.equal(await laptop.locator('[data-testid="session-item"][data-current="true"]').count(), 1);
  await screenshot(laptop, 'sessions');
  await byTestId(laptop, 'session-revoke').click();
  await laptop.waitForFunction(() => document.querySelectorAll('[data-testid="session-item"]').length === 1);

  expireAccessTokens();
  const toLogin: string[] = [];
  phone.on('framenavigated', (frame) => {
    if (frame === phone.mainFrame() && new URL(frame.url()).pathname === '/login') toLogin.push(frame.url());
  });
  await field(phone, 'todo-input').fill('written after the revocation');
  await byTestId(phone, 'todo-add').click();
  await waitForPath(phone, '/login');
  assert.deepEqual(server.statuses('/auth/refresh').slice(-1), [401], 'the refresh was refused');
  assert.equal(await byTestId(phone, 'todo-item').count(), 0, 'no protected data stays on screen');
  // Both calls of the page failed with the dead session; the user is sent to /login once.
  await byTestId(phone, 'submit').waitFor();
  assert.equal(toLogin.length, 1);
  // The laptop's own session was not touched.
  await laptop.reload();
  await laptop.waitForSelector('[data-testid="session-item"]');
  assert.equal(location(laptop), '/sessions');
  await Promise.all([phone.context().close(), laptop.context().close()]);
});

test('sign out everywhere ends the sessions of every device', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const user = newUser();
  const phone = await openDevice(browser);
  await register(phone, server.url, user);
  const laptop = await openDevice(browser);
  await login(laptop, server.url, user);
  await openSessions(laptop, 2);
  await byTestId(laptop, 'logout-all').click();
  await waitForPath(laptop, '/login');

  expireAccessTokens();
  await phone.reload();
  await waitForPath(phone, '/login');
  assert.equal(await byTestId(phone, 'todo-item').count(), 0);
  await Promise.all([phone.context().close(), laptop.context().close()]);
});

test('logout leads to /login; back shows no protected data; /todos redirects to /login', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const user = newUser();
  const page = await openDevice(browser);
  await register(page, server.url, user);
  await addTodo(page, 'private');
  // A signed-in user skips the guest pages.
  await page.goto(`${server.url}/login`);
  await waitForPath(page, '/todos');
  await page.goto(`${server.url}/sessions`);
  await page.waitForSelector('[data-testid="session-item"]');
  await page.goto(`${server.url}/todos`);
  await page.waitForSelector('[data-testid="todo-item"]');

  await byTestId(page, 'logout').click();
  await waitForPath(page, '/login');
  assert.deepEqual(server.statuses('/auth/logout'), [204]);

  await page.goBack();
  await page.waitForURL(
    (url) => url.pathname === '/login' && url.searchParams.get('returnUrl') === '/sessions',
  );
  await byTestId(page, 'email').waitFor();
  assert.equal(await page.locator('[data-testid="todo-item"], [data-testid="session-item"]').count(), 0);

  await page.goto(`${server.url}/todos`);
  await page.waitForURL((url) => url.pathname === '/login');
  assert.equal(location(page), '/login?returnUrl=%2Ftodos');
  await screenshot(page, 'login');

  // Signing in again returns to the page that was asked for.
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  await waitForPath(page, '/todos');
  await page.waitForSelector('[data-testid="todo-item"]');
  await page.context().close();
});
