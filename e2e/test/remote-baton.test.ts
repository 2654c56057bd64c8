/**
 * The app with Baton on another origin than the page, as in the native shells: sign-in, the
 * device list and the todos all go to the configured Baton, with the bearer token.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  addTodo,
  byTestId,
  createAccount,
  field,
  newUser,
  todosOnScreen,
  todosPageLoaded,
} from '../support/appDriver.js';
import { launchBrowser, openDevice } from '../support/browser.js';
import { startRemoteBatonStack } from '../support/remoteBaton.js';

let browser: Browser | string;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  if (typeof browser !== 'string') await browser.close();
});

test('with Baton named in baton-api, every Baton call goes there with the token, none to the page’s origin', async (t) => {
  if (typeof browser === 'string') return t.skip(browser);
  const stack = await startRemoteBatonStack();
  t.after(() => stack.close());
  const page = await openDevice(browser);
  t.after(() => page.context().close());
  const user = newUser();
  await createAccount(stack.batonUrl, user);

  await page.goto(`${stack.appUrl}/login`);
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  // Waits for the header's device count too, which comes from /auth/sessions.
  await todosPageLoaded(page);
  await addTodo(page, 'Buy milk');
  await page.reload();
  await page.waitForSelector('[data-testid="todo-item"]');
  assert.deepEqual(await todosOnScreen(page), [{ title: 'Buy milk', done: false }]);

  assert.ok(stack.batonStatuses('/auth/login').includes(200), 'signed in by Baton');
  assert.ok(stack.batonStatuses('/auth/sessions').includes(200), 'the devices are listed by Baton');
  const todos = stack.batonStatuses('/todos');
  assert.ok(todos.includes(200) && todos.includes(201), 'the todos are read and written on Baton');
  assert.deepEqual(
    todos.filter((status) => !ok(status)),
    [],
    'every todos call carried the token',
  );
  for (const path of ['/auth/login', '/auth/sessions', '/todos', '/auth/refresh', '/auth/me']) {
    assert.deepEqual(stack.appHostStatuses(path), [], `nothing sent to the page's origin on ${path}`);
  }
});

/** A success (a CORS preflight answers 204). */
function ok(status: number): boolean {
  return status >= 200 && status < 300;
}
