import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { addTodo, byTestId, location, newUser, register, todosOnScreen } from '../support/appDriver.js';
import { type AppServer, startAppServer } from '../support/appServer.js';
import { launchBrowser, openDevice } from '../support/browser.js';

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

/** Every access token issued so far is now expired on the server; the browser's clock has not moved. */
const expireAccessTokens = () => server.clock.advance((ACCESS_TTL_S + 1) * 1000);

test('an expired access token is refreshed invisibly, with exactly one refresh', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const page = await openDevice(browser);
  await register(page, server.url, newUser());
  await addTodo(page, 'before expiry');
  assert.equal(server.count('/auth/refresh'), 0);

  expireAccessTokens();
  const rejectedBefore = server.statuses('/todos').filter((status) => status === 401).length;
  await addTodo(page, 'after expiry');
  assert.deepEqual(
    (await todosOnScreen(page)).map((todo) => todo.title),
    ['before expiry', 'after expiry'],
  );
  assert.deepEqual(server.statuses('/auth/refresh'), [200], 'exactly one refresh');
  assert.equal(
    server.statuses('/todos').filter((status) => status === 401).length,
    rejectedBefore + 1,
    'the expired token was refused once, then the request was retried with the new one',
  );
  assert.equal(await byTestId(page, 'error').count(), 0, 'no error shown');
  await page.context().close();
});

test('parallel requests after expiry (todos and sessions together) share one refresh', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const page = await openDevice(browser);
  await register(page, server.url, newUser());
  await addTodo(page, 'kept');
  const refreshesBefore = server.count('/auth/refresh');
  const sessionsBefore = server.statuses('/auth/sessions').length;
  const todosBefore = server.statuses('/todos').length;

  expireAccessTokens();
  // The todos page loads GET /todos and GET /auth/sessions at once; both meet the expired token.
  await page.reload();
  await page.waitForSelector('[data-testid="todo-item"]');
  await page.waitForFunction(() =>
    /\(\d+\)/.test(document.querySelector('[data-testid="sessions-link"]')?.textContent ?? ''),
  );
  assert.equal(location(page), '/todos');
  assert.deepEqual(
    (await todosOnScreen(page)).map((todo) => todo.title),
    ['kept'],
  );
  assert.equal(server.count('/auth/refresh') - refreshesBefore, 1, 'exactly one refresh for both requests');
  assert.deepEqual(
    server.statuses('/auth/sessions').slice(sessionsBefore),
    [401, 200],
    'the sessions request met the expired token, then succeeded after the shared refresh',
  );
  assert.deepEqual(server.statuses('/todos').slice(todosBefore), [401, 200], 'and so did the todos request');
  await page.context().close();
});
