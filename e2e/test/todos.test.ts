import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  addTodo,
  byTestId,
  field,
  location,
  login,
  newUser,
  register,
  todosOnScreen,
  waitForPath,
} from '../support/appDriver.js';
import { type AppServer, startAppServer } from '../support/appServer.js';
import { launchBrowser, openDevice, screenshot } from '../support/browser.js';

let server: AppServer;
let browser: Browser | string;

before(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
});
after(async () => {
  if (typeof browser !== 'string') await browser.close();
  await server?.close();
});

test('register leads to the todos page; todos added and toggled survive a reload', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const page = await openDevice(browser);
  await page.goto(`${server.url}/register`);
  await byTestId(page, 'email').waitFor();
  await screenshot(page, 'register');
  await register(page, server.url, newUser());
  await addTodo(page, 'Buy milk');
  // The server lists todos oldest first; a frozen clock would make that order a coin toss.
  server.clock.advance(1000);
  await addTodo(page, 'Write the e2e tests');
  await byTestId(page, 'todo-toggle').first().click();
  await page.waitForSelector('[data-testid="todo-item"][data-done="true"]');
  assert.deepEqual(await todosOnScreen(page), [
    { title: 'Buy milk', done: true },
    { title: 'Write the e2e tests', done: false },
  ]);
  await screenshot(page, 'todos');

  await page.reload();
  await page.waitForSelector('[data-testid="todo-item"]');
  assert.equal(location(page), '/todos');
  assert.deepEqual(await todosOnScreen(page), [
    { title: 'Buy milk', done: true },
    { title: 'Write the e2e tests', done: false },
  ]);
  assert.equal(server.count('/auth/refresh'), 0, 'a live access token is reused after a reload');

  await byTestId(page, 'todo-delete').first().click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 1);
  assert.deepEqual(await todosOnScreen(page), [{ title: 'Write the e2e tests', done: false }]);
  await page.context().close();
});

test('the forms check what the server checks, and show the server message on failure', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const page = await openDevice(browser);
  const user = newUser();
  await register(page, server.url, user);
  await byTestId(page, 'logout').click();
  await waitForPath(page, '/login');

  await field(page, 'email').fill('not-an-email');
  await field(page, 'password').fill('short');
  const loginsBefore = server.count('/auth/login');
  await byTestId(page, 'submit').click();
  await page.waitForSelector('ion-input.ion-invalid.ion-touched');
  assert.equal(server.count('/auth/login'), loginsBefore, 'an invalid form is not sent');

  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill('wrong password!');
  await byTestId(page, 'submit').click();
  const error = byTestId(page, 'error');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /password/i);
  assert.equal(location(page), '/login');
  await screenshot(page, 'login-error');

  // The server's own checks answer too, with its message: this email is taken.
  await page.goto(`${server.url}/register`);
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill('another long password');
  await byTestId(page, 'submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="error"]')?.textContent?.trim());
  assert.match((await byTestId(page, 'error').textContent()) ?? '', /already|taken|registered/i);
  assert.equal(location(page), '/register');
  await page.context().close();
});

test('a failed call shows the server message in a toast', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const user = newUser();
  const phone = await openDevice(browser);
  await register(phone, server.url, user);
  await addTodo(phone, 'shared');
  const laptop = await openDevice(browser);
  await login(laptop, server.url, user);
  await byTestId(laptop, 'todo-delete').click();
  await laptop.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 0);

  // The phone still shows the todo that the laptop deleted.
  await byTestId(phone, 'todo-delete').click();
  const toast = phone.locator('ion-toast[data-testid="error"]');
  await toast.waitFor();
  assert.match((await toast.evaluate((element) => element.shadowRoot?.textContent)) ?? '', /no such todo/);
  await phone.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 0);
  await screenshot(phone, 'error-toast');
  await Promise.all([phone.context().close(), laptop.context().close()]);
});

test('a reload with a warm HTTP cache still runs the app (the 304 keeps the page policy)', async (t) => {
  if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
  const page = await openDevice(browser);
  try {
    await page.goto(`${server.url}/login`);
    await byTestId(page, 'email').waitFor();
    await page.reload();
    await byTestId(page, 'email').waitFor({ timeout: 5000 });
  } finally {
    await page.context().close();
  }
});
