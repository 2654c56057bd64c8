import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  addTodo,
  answer,
  byTestId,
  field,
  location,
  newUser,
  register,
  signedInOnTwoDevices,
  todosPageLoaded,
  waitForPath,
} from '../support/appDriver.js';
import { browserSuite } from '../support/suite.js';

const setup = browserSuite();

async function openSessions(page: Page, expected: number): Promise<void> {
  await byTestId(page, 'sessions-link').click();
  await waitForPath(page, '/sessions');
  await page.waitForFunction(
    (count) => document.querySelectorAll('[data-testid="session-item"]').length === count,
    expected,
  );
}

test('a session revoked from another device ends at its next call, says why, and keeps the return URL and the typed todo', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const { user, phone, laptop } = await signedInOnTwoDevices(env);

  await openSessions(laptop, 2);
  assert.equal(await laptop.locator('[data-testid="session-item"][data-current="true"]').count(), 1);
  // Asked first; cancelling changes nothing.
  await byTestId(laptop, 'session-revoke').click();
  await answer(laptop, 'Cancel');
  assert.equal(await byTestId(laptop, 'session-item').count(), 2);
  await byTestId(laptop, 'session-revoke').click();
  await answer(laptop, 'Revoke');
  await laptop.waitForFunction(() => document.querySelectorAll('[data-testid="session-item"]').length === 1);
  // The header of the page below shows the new count, without asking the server again.
  const listed = server.statuses('/auth/sessions').length;
  await laptop.goBack();
  await waitForPath(laptop, '/todos');
  await laptop.waitForFunction(
    () => document.querySelector('[data-testid="sessions-link"]')?.textContent?.trim() === 'Sessions (1)',
  );
  assert.equal(server.statuses('/auth/sessions').length, listed);

  // No clock moves: the phone's access token has not expired, yet its next call is refused.
  const toLogin: string[] = [];
  phone.on('framenavigated', (frame) => {
    if (frame === phone.mainFrame() && new URL(frame.url()).pathname === '/login') toLogin.push(frame.url());
  });
  await field(phone, 'todo-input').fill('written after the revocation');
  await byTestId(phone, 'todo-add').click();
  await waitForPath(phone, '/login');
  assert.deepEqual(server.statuses('/todos').slice(-1), [401], 'refused at once');
  assert.deepEqual(server.statuses('/auth/refresh'), [401], 'and the refresh too');
  assert.equal(location(phone), '/login?returnUrl=%2Ftodos&reason=revoked');
  const notice = byTestId(phone, 'sign-out-notice');
  assert.match((await notice.textContent()) ?? '', /ended from another device/);
  assert.equal(await byTestId(phone, 'todo-item').count(), 0, 'no protected data stays on screen');
  await byTestId(phone, 'submit').waitFor();
  assert.equal(toLogin.length, 1, 'sent to the login page once');

  // Signing in again goes back to the page, with what was typed still there.
  await field(phone, 'email').fill(user.email);
  await field(phone, 'password').fill(user.password);
  await byTestId(phone, 'submit').click();
  await todosPageLoaded(phone);
  assert.equal(await field(phone, 'todo-input').inputValue(), 'written after the revocation');

  // The laptop's own session was not touched.
  await laptop.reload();
  await todosPageLoaded(laptop);
});

test('sign out everywhere asks first, then ends the sessions of every device at once', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const { phone, laptop } = await signedInOnTwoDevices(env);
  await openSessions(laptop, 2);
  await byTestId(laptop, 'logout-all').click();
  await answer(laptop, 'Cancel');
  assert.equal(location(laptop), '/sessions');
  await byTestId(laptop, 'logout-all').click();
  await answer(laptop, 'Sign out everywhere');
  await waitForPath(laptop, '/login');
  assert.deepEqual(server.statuses('/auth/logout-all'), [204]);

  // No clock moves: the phone's next call is refused and it is signed out, saying why.
  await phone.reload();
  await waitForPath(phone, '/login');
  assert.equal(await byTestId(phone, 'todo-item').count(), 0);
  assert.match((await byTestId(phone, 'sign-out-notice').textContent()) ?? '', /ended from another device/);
});

test('sign out the other devices keeps this one', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { phone, laptop } = await signedInOnTwoDevices(env);
  await openSessions(laptop, 2);
  await byTestId(laptop, 'logout-others').click();
  await answer(laptop, 'Sign out others');
  await laptop.waitForFunction(() => document.querySelectorAll('[data-testid="session-item"]').length === 1);
  assert.equal(location(laptop), '/sessions');
  await phone.reload();
  await waitForPath(phone, '/login');
});

test('logout leads to /login; back shows no protected data; /todos redirects to /login', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const page = await env.device();
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
  assert.equal(location(page), '/login', 'a deliberate logout carries no reason');
  assert.deepEqual(server.statuses('/auth/logout'), [204]);
  assert.equal(await byTestId(page, 'sign-out-notice').count(), 0);

  await page.goBack();
  await page.waitForURL(
    (url) => url.pathname === '/login' && url.searchParams.get('returnUrl') === '/sessions',
  );
  await byTestId(page, 'email').waitFor();
  assert.equal(await page.locator('[data-testid="todo-item"], [data-testid="session-item"]').count(), 0);

  await page.goto(`${server.url}/todos`);
  await page.waitForURL((url) => url.pathname === '/login');
  assert.equal(location(page), '/login?returnUrl=%2Ftodos');

  // Signing in again returns to the page that was asked for.
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  await waitForPath(page, '/todos');
  await page.waitForSelector('[data-testid="todo-item"]');
});
