/**
 * The app against a separate API: it signs in with Baton and reads and writes its todos on an
 * example API of another origin that verifies Baton's tokens with its stack's stock library
 * (`examples/`). NestJS with its introspection guard: register, add todos, access-token expiry
 * with parallel requests (one refresh), and a session revoked from another device refused at once.
 * Django REST Framework once: register, add todos, reload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Route } from 'playwright-core';
import { startDjangoApi, whyNoDjango } from '../../examples/django-api/test/startApi.js';
import { startNestjsApi } from '../../examples/nestjs-api/test/startApi.mjs';
import { AUDIENCE } from '../../examples/support/baton.js';
import { missingRuntime } from '../../examples/support/runtime.js';
import {
  addTodo,
  answer,
  byTestId,
  field,
  login,
  newUser,
  register,
  todosOnScreen,
  waitForPath,
} from '../support/appDriver.js';
import { launchBrowser, openDevice, screenshot } from '../support/browser.js';
import { type SeparateApiStack, startSeparateApiStack } from '../support/separateApi.js';

let browser: Browser | string;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  if (typeof browser !== 'string') await browser.close();
});

const TTL_MS = 300_000;

/** Holds the requests matching each predicate until all have arrived, runs `then`, and lets them go on. */
async function holdTogether(
  page: Page,
  matchers: Array<(url: URL, method: string) => boolean>,
  then: () => void,
) {
  const held: Route[] = [];
  for (const matches of matchers) {
    let caught = false;
    await page.route(
      (url) => !caught && matches(url, ''),
      async (route) => {
        if (caught || !matches(new URL(route.request().url()), route.request().method()))
          return route.continue();
        caught = true;
        held.push(route);
        if (held.length < matchers.length) return;
        then();
        for (const each of held) await each.continue();
      },
    );
  }
}

describe('the app with its todos on the NestJS example (introspecting)', () => {
  let stack: SeparateApiStack;
  before(async () => {
    stack = await startSeparateApiStack(
      (batonUrl, introspection) =>
        startNestjsApi({ batonIssuer: batonUrl, audience: AUDIENCE, corsOrigins: [batonUrl], introspection }),
      { introspection: true },
    );
  });
  after(() => stack?.close());

  test('registers with Baton, then adds and lists todos on the API', async (t) => {
    if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
    const page = await openDevice(browser);
    const apiCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(stack.apiUrl))
        apiCalls.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await register(page, stack.batonUrl, newUser());
    await addTodo(page, 'kept by NestJS');
    await addTodo(page, 'and this one');
    assert.deepEqual(
      (await todosOnScreen(page)).map((todo) => todo.title),
      ['kept by NestJS', 'and this one'],
    );
    assert.ok(apiCalls.includes('POST /todos') && apiCalls.includes('GET /todos'), apiCalls.join(', '));
    assert.deepEqual(stack.statuses('/todos'), [], "Baton's own /todos was never called");
    await screenshot(page, 'separate-api-nestjs');
    await page.context().close();
  });

  test('an access token expired for the API is refreshed once for the parallel todos and sessions requests', async (t) => {
    if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
    const user = newUser();
    const page = await openDevice(browser);
    await register(page, stack.batonUrl, user);
    await addTodo(page, 'before expiry');
    await byTestId(page, 'logout').click();
    await waitForPath(page, '/login');

    // Sign in while Baton's clock is a lifetime behind: the API (real clock) finds the token expired.
    stack.clock.set(Date.now() - TTL_MS - 10_000);
    const refreshesBefore = stack.statuses('/auth/refresh').length;
    // The todos page asks the API for the todos and Baton for the sessions at once; both are held
    // until both are on their way, and Baton's clock catches up, so each meets an expired token.
    await holdTogether(
      page,
      [
        (url, method) => url.href === `${stack.apiUrl}/todos` && method !== 'OPTIONS',
        (url) => url.href === `${stack.batonUrl}/auth/sessions`,
      ],
      () => stack.clock.set(Date.now()),
    );
    await login(page, stack.batonUrl, user);
    await page.waitForSelector('[data-testid="todo-item"]');
    assert.deepEqual(
      (await todosOnScreen(page)).map((todo) => todo.title),
      ['before expiry'],
    );
    assert.deepEqual(stack.statuses('/auth/refresh').slice(refreshesBefore), [200], 'exactly one refresh');
    assert.deepEqual(stack.statuses('/auth/sessions').slice(-2), [401, 200], 'Baton refused, then answered');
    assert.equal(await byTestId(page, 'error').count(), 0, 'no error shown');
    await page.context().close();
  });

  test('a session revoked from another device is refused by the API at once (introspection)', async (t) => {
    if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
    stack.clock.set(Date.now());
    const user = newUser();
    const phone = await openDevice(browser);
    await register(phone, stack.batonUrl, user);
    await addTodo(phone, 'on the phone');
    const laptop = await openDevice(browser);
    await login(laptop, stack.batonUrl, user);
    await byTestId(laptop, 'sessions-link').click();
    await waitForPath(laptop, '/sessions');
    await laptop.waitForFunction(
      () => document.querySelectorAll('[data-testid="session-item"]').length === 2,
    );
    await byTestId(laptop, 'session-revoke').click();
    await answer(laptop, 'Revoke');
    await laptop.waitForFunction(
      () => document.querySelectorAll('[data-testid="session-item"]').length === 1,
    );

    // No clock moves: the phone's access token has minutes left, yet its next call is refused.
    await field(phone, 'todo-input').fill('written after the revocation');
    await byTestId(phone, 'todo-add').click();
    await waitForPath(phone, '/login');
    assert.deepEqual(stack.statuses('/auth/refresh').slice(-1), [401], 'the refresh was refused too');
    await byTestId(phone, 'submit').waitFor();
    // Once the login page has replaced the todos page, no protected data stays on screen.
    await phone.waitForFunction(() => document.querySelectorAll('[data-testid="todo-item"]').length === 0);
    assert.equal(await byTestId(phone, 'todo-item').count(), 0);
    await phone.context().close();
    await laptop.context().close();
  });
});

const noDjango = missingRuntime(whyNoDjango());

describe('the app with its todos on the Django example', { skip: noDjango }, () => {
  let stack: SeparateApiStack;
  before(async () => {
    stack = await startSeparateApiStack(
      (batonUrl) =>
        startDjangoApi({ batonIssuer: batonUrl, audience: AUDIENCE, alg: 'ES256', corsOrigins: [batonUrl] }),
      { introspection: false },
    );
  });
  after(() => stack?.close());

  test('registers with Baton, adds todos on Django, and finds them again after a reload', async (t) => {
    if (typeof browser === 'string') return t.skip(`skipped: ${browser}`);
    const page = await openDevice(browser);
    await register(page, stack.batonUrl, newUser());
    await addTodo(page, 'kept by Django');
    await addTodo(page, 'verified by simplejwt');
    await page.reload();
    await page.waitForSelector('[data-testid="todo-item"]');
    assert.deepEqual(
      (await todosOnScreen(page)).map((todo) => todo.title),
      ['kept by Django', 'verified by simplejwt'],
    );
    assert.deepEqual(stack.statuses('/todos'), [], "Baton's own /todos was never called");
    await page.context().close();
  });
});
