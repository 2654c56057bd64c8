import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTodo, byTestId, location, newUser, register, todosOnScreen } from '../support/appDriver.js';
import type { AppServer } from '../support/appServer.js';
import { browserSuite } from '../support/suite.js';

const ACCESS_TTL_S = 300;
const setup = browserSuite();

/** Every access token issued so far is now expired on the server; the browser's clock has not moved. */
const expireAccessTokens = (server: AppServer) => server.clock.advance((ACCESS_TTL_S + 1) * 1000);

test('an expired access token is refreshed invisibly, with exactly one refresh', async (t) => {
  const env = await setup(t, { accessTtl: ACCESS_TTL_S });
  if (env === null) return;
  const { server } = env;
  const page = await env.device();
  await register(page, server.url, newUser());
  await addTodo(page, 'before expiry');
  assert.deepEqual(server.statuses('/auth/refresh'), []);

  expireAccessTokens(server);
  await addTodo(page, 'after expiry');
  assert.deepEqual(
    (await todosOnScreen(page)).map((todo) => todo.title),
    ['before expiry', 'after expiry'],
  );
  assert.deepEqual(server.statuses('/auth/refresh'), [200], 'exactly one refresh');
  assert.deepEqual(
    server.statuses('/todos').slice(-2),
    [401, 201],
    'the expired token was refused once, then the request was retried with the new one',
  );
  assert.equal(await byTestId(page, 'error').count(), 0, 'no error shown');
});

test('parallel requests after expiry (todos and sessions together) share one refresh', async (t) => {
  const env = await setup(t, { accessTtl: ACCESS_TTL_S });
  if (env === null) return;
  const { server } = env;
  const page = await env.device();
  await register(page, server.url, newUser());
  await addTodo(page, 'kept');
  const sessionsBefore = server.statuses('/auth/sessions').length;
  const todosBefore = server.statuses('/todos').length;

  expireAccessTokens(server);
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
  assert.deepEqual(server.statuses('/auth/refresh'), [200], 'exactly one refresh for both requests');
  assert.deepEqual(
    server.statuses('/auth/sessions').slice(sessionsBefore),
    [401, 200],
    'the sessions request met the expired token, then succeeded after the shared refresh',
  );
  assert.deepEqual(server.statuses('/todos').slice(todosBefore), [401, 200], 'and so did the todos request');
});

test("Capacitor's resume event refreshes a token that expired while the app was in the background", async (t) => {
  const env = await setup(t, { accessTtl: ACCESS_TTL_S });
  if (env === null) return;
  const { server } = env;
  const page = await env.device();
  await register(page, server.url, newUser());
  // The app slept for six minutes: the device's clock and the server's moved, no timer ran.
  expireAccessTokens(server);
  await page.clock.setSystemTime(Date.now() + (ACCESS_TTL_S + 60) * 1000);
  assert.deepEqual(server.statuses('/auth/refresh'), []);
  // What the native shell does when the app comes to the foreground (App's 'resume' listeners).
  await page.evaluate(() =>
    (
      window as unknown as {
        Capacitor: { Plugins: { App: { notifyListeners(event: string, data: unknown): void } } };
      }
    ).Capacitor.Plugins.App.notifyListeners('resume', null),
  );
  await page.waitForFunction(() => document.querySelector('[data-testid="sessions-link"]') !== null);
  await expectEventually(() => server.statuses('/auth/refresh').length === 1);
  assert.deepEqual(server.statuses('/auth/refresh'), [200]);
});

/** Waits (bounded, without sleeping in between) for something the page does in the background. */
async function expectEventually(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 200 && !done(); turn++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(done(), 'it never happened');
}
