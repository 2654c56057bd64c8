import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addTodo,
  byTestId,
  createAccount,
  field,
  fieldErrorText,
  location,
  login,
  newUser,
  register,
  signedInOnTwoDevices,
  todosOnScreen,
  todosPageLoaded,
  waitForPath,
} from '../support/appDriver.js';
import { browserSuite } from '../support/suite.js';

const setup = browserSuite();

test('register leads to the todos page; todos added and toggled survive a reload', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const page = await env.device();
  await register(page, server.url, newUser());
  await addTodo(page, 'Buy milk');
  // The server lists todos oldest first; a frozen clock would make that order a coin toss.
  server.clock.advance(1000);
  await addTodo(page, 'Write the e2e tests');
  await byTestId(page, 'todo-toggle').first().click();
  await page.waitForSelector('[data-testid="todo-item"][data-done="true"]');
  const expected = [
    { title: 'Buy milk', done: true },
    { title: 'Write the e2e tests', done: false },
  ];
  assert.deepEqual(await todosOnScreen(page), expected);

  await page.reload();
  await page.waitForSelector('[data-testid="todo-item"]');
  assert.equal(location(page), '/todos');
  assert.deepEqual(await todosOnScreen(page), expected);
  assert.equal(server.count('/auth/refresh'), 0, 'a live access token is reused after a reload');
  // Kept by Capacitor Preferences, which is localStorage on the web.
  assert.match(
    (await page.evaluate(() => localStorage.getItem('CapacitorStorage.baton.session'))) ?? '',
    /brt_/,
  );

  // Each delete button says which todo it deletes.
  await page.getByRole('button', { name: 'Delete Buy milk' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 1);
  assert.deepEqual(await todosOnScreen(page), [{ title: 'Write the e2e tests', done: false }]);
});

test('the forms mark fields only after a submit, and put the server refusal on its field until it changes', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const page = await env.device();
  await register(page, server.url, user);
  await byTestId(page, 'logout').click();
  await waitForPath(page, '/login');

  // Tabbing through the empty fields marks nothing red.
  await field(page, 'email').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.locator('ion-input.ion-invalid.ion-touched').count(), 0);

  await field(page, 'email').fill('not-an-email');
  await field(page, 'password').fill('short');
  await byTestId(page, 'submit').click();
  await page.waitForSelector('ion-input[data-testid="email"].ion-invalid.ion-touched');
  assert.equal(server.count('/auth/login'), 0, 'an invalid form is not sent');

  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill('wrong password!');
  await byTestId(page, 'submit').click();
  assert.match(
    await fieldErrorText(page, 'password'),
    /^This email and password do not match\./,
    'a sentence, on the password field',
  );
  assert.equal(location(page), '/login');
  // Fixing the input takes the refusal away.
  await field(page, 'password').fill(user.password);
  await page.waitForSelector('ion-input[data-testid="password"].ion-valid');

  // The server's own check, on its field: this email is taken.
  await page.goto(`${server.url}/register`);
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill('another long password');
  await byTestId(page, 'submit').click();
  assert.match(await fieldErrorText(page, 'email'), /already exists/);
  assert.equal(location(page), '/register');
});

test('a failed call shows what happened in a toast', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { phone, laptop } = await signedInOnTwoDevices(env);
  await addTodo(phone, 'shared');
  await laptop.reload();
  await laptop.waitForSelector('[data-testid="todo-item"]');
  await byTestId(laptop, 'todo-delete').click();
  await laptop.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 0);

  // The phone still shows the todo that the laptop deleted.
  await byTestId(phone, 'todo-delete').click();
  const toast = phone.locator('ion-toast[data-testid="error"]');
  await toast.waitFor();
  assert.match(
    (await toast.evaluate((element) => element.shadowRoot?.textContent)) ?? '',
    /no longer exists\. It was probably deleted on another device\./,
  );
  await phone.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 0);
});

test('during an outage a login says the server cannot be reached, and a page that cannot load says so', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  await createAccount(server.url, user);
  const page = await env.device();
  await page.goto(`${server.url}/login`);
  await byTestId(page, 'email').waitFor();

  await page.context().setOffline(true);
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  await byTestId(page, 'error').waitFor();
  assert.equal(
    (await byTestId(page, 'error').textContent())?.trim(),
    'The server cannot be reached. Check your connection and try again.',
  );
  // The register page's code was never loaded; offline, it cannot be.
  await page.getByRole('link', { name: 'Create one' }).click();
  const toast = page.locator('ion-toast[data-testid="error"]');
  await toast.waitFor();
  assert.match(
    (await toast.evaluate((element) => element.shadowRoot?.textContent)) ?? '',
    /could not be loaded/,
  );
  assert.equal(location(page), '/login');

  await page.context().setOffline(false);
  await byTestId(page, 'submit').click();
  await waitForPath(page, '/todos');
});

test('a sign-in in one tab takes the other tabs off the login page', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const first = await env.device();
  await register(first, server.url, user);
  await byTestId(first, 'logout').click();
  await waitForPath(first, '/login');
  // A second tab of the same browser (same storage), also on the login page.
  const second = await first.context().newPage();
  await second.goto(`${server.url}/login?returnUrl=%2Fsessions`);
  await byTestId(second, 'email').waitFor();

  await login(first, server.url, user);
  await waitForPath(second, '/sessions');
  await second.waitForSelector('[data-testid="session-item"]');
});

test('a reload with a warm HTTP cache still runs the app (the 304 keeps the page policy)', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const page = await env.device();
  await page.goto(`${env.server.url}/login`);
  await byTestId(page, 'email').waitFor();
  await page.reload();
  await byTestId(page, 'email').waitFor({ timeout: 5000 });
});

test('a refusal about two fields goes when either changes, so the next submit is sent', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  await createAccount(server.url, user);
  const page = await env.device();

  // A mistyped email: the refusal is shown under the password, but the email is what to fix.
  await page.goto(`${server.url}/login`);
  await field(page, 'email').fill(`x${user.email}`);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  assert.match(await fieldErrorText(page, 'password'), /^This email and password do not match\./);
  await field(page, 'email').fill(user.email);
  await page.waitForSelector('ion-input[data-testid="password"].ion-valid');
  await byTestId(page, 'submit').click();
  await todosPageLoaded(page);

  // The reset form: "the two passwords differ" is under the second field, and goes when the first
  // is changed to match it.
  await page.goto(`${server.url}/reset-password?token=brp_not_sent`);
  await field(page, 'password').fill('a brand new passphrase');
  await field(page, 'confirmation').fill('a brand new passfrase');
  await byTestId(page, 'submit').click();
  assert.match(await fieldErrorText(page, 'confirmation'), /differ/);
  await field(page, 'password').fill('a brand new passfrase');
  await page.waitForSelector('ion-input[data-testid="confirmation"].ion-valid');
});

test('a list that cannot be loaded says so and why, with a way to try again, never "nothing to do"', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const page = await env.device();
  await register(page, server.url, newUser());
  await addTodo(page, 'Buy milk');

  let answer: 'network' | 'server' | 'none' = 'network';
  await page.route(
    (url) => url.pathname === '/todos',
    (route) => {
      if (route.request().isNavigationRequest() || answer === 'none') return route.continue();
      if (answer === 'network') return route.abort('internetdisconnected');
      return route.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }),
      });
    },
  );
  const loadError = byTestId(page, 'load-error');
  await page.reload();
  await loadError.waitFor();
  assert.match(
    (await loadError.textContent()) ?? '',
    /Your todos could not be loaded\. The server cannot be reached\. Check your connection/,
  );
  assert.equal(await byTestId(page, 'todos-empty').count(), 0, 'a failed load is not an empty list');

  answer = 'server';
  await byTestId(page, 'load-retry').click();
  await page.waitForFunction(() =>
    /Something went wrong on our side/.test(
      document.querySelector('[data-testid="load-error"]')?.textContent ?? '',
    ),
  );
  assert.equal(await byTestId(page, 'todos-empty').count(), 0);

  answer = 'none';
  await byTestId(page, 'load-retry').click();
  await page.waitForSelector('[data-testid="todo-item"]');
  assert.deepEqual(await todosOnScreen(page), [{ title: 'Buy milk', done: false }]);
  assert.equal(await loadError.count(), 0);
});

test('a double tap on Delete sends one DELETE', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const page = await env.device();
  await register(page, server.url, newUser());
  await addTodo(page, 'Buy milk');

  // The first DELETE is held while the second tap lands, as on a slow network.
  let deletes = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(
    (url) => url.pathname.startsWith('/todos/'),
    async (route) => {
      if (route.request().method() === 'DELETE') {
        deletes++;
        await released;
      }
      await route.continue();
    },
  );
  await byTestId(page, 'todo-delete').dblclick();
  // Room for a second request to reach the route, were one sent.
  await page.waitForTimeout(500);
  release();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 0);
  assert.equal(deletes, 1);
  assert.equal(await page.locator('ion-toast[data-testid="error"]').count(), 0, 'no error shown');
});
