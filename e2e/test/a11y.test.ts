import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { addTodo, byTestId, login, newUser, register, waitForPath } from '../support/appDriver.js';
import { seriousViolations } from '../support/axe.js';
import { ARTIFACTS, DESKTOP, PHONE, screenshot } from '../support/browser.js';
import { browserSuite } from '../support/suite.js';

const setup = browserSuite();

/** Checks the page with axe-core (no serious or critical violation) and takes its picture. */
async function check(page: Page, name: string): Promise<void> {
  // Ionic animates page transitions: check the page, not a blend of two.
  await page.waitForTimeout(400);
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
  await screenshot(page, name);
}

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const) {
  test(`every page passes axe-core at ${viewport.width}x${viewport.height} (${size})`, async (t) => {
    const env = await setup(t);
    if (env === null) return;
    const { server } = env;
    const user = { ...newUser(), name: 'Ada Lovelace' };
    const page = await env.device({ viewport });

    await page.goto(`${server.url}/register`);
    await byTestId(page, 'email').waitFor();
    await check(page, `register-${size}`);
    const viewportMeta = await page.locator('meta[name="viewport"]').getAttribute('content');
    assert.doesNotMatch(viewportMeta ?? '', /user-scalable=no|maximum-scale/, 'pinch-zoom is allowed');
    if (size === 'desktop') {
      const width = await byTestId(page, 'email').evaluate((input) => input.getBoundingClientRect().width);
      assert.ok(width <= 560, `the fields stay in a readable column (${width} px wide)`);
    }
    await register(page, server.url, user);
    await addTodo(page, 'Buy milk');
    server.clock.advance(1000);
    await addTodo(page, 'Call the plumber');
    await byTestId(page, 'todo-toggle').first().click();
    await page.waitForSelector('[data-testid="todo-item"][data-done="true"]');
    const laptop = await env.device();
    await login(laptop, server.url, user);
    await page.reload();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="sessions-link"]')?.textContent?.includes('(2)'),
    );
    await check(page, `todos-${size}`);

    await byTestId(page, 'sessions-link').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-item"]').length === 2);
    await check(page, `sessions-${size}`);
    await byTestId(page, 'session-revoke').click();
    await page.locator('[data-testid="confirm"][role="alertdialog"]').waitFor();
    await check(page, `confirm-${size}`);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.locator('ion-alert').waitFor({ state: 'detached' });

    // Signed out from the other device: the login page says why.
    await byTestId(laptop, 'sessions-link').click();
    await laptop.waitForSelector('[data-testid="session-revoke"]');
    await byTestId(laptop, 'session-revoke').click();
    await laptop.getByRole('button', { name: 'Revoke', exact: true }).click();
    await laptop.waitForFunction(
      () => document.querySelectorAll('[data-testid="session-item"]').length === 1,
    );
    await page.reload();
    await waitForPath(page, '/login');
    await byTestId(page, 'sign-out-notice').waitFor();
    await check(page, `login-${size}`);

    if (size === 'phone' && process.env.UPDATE_SCREENSHOTS === '1') {
      // The root README shows the todos page on a phone.
      await copyFile(
        path.resolve(ARTIFACTS, '../../docs/screenshots/todos-phone.png'),
        path.resolve(ARTIFACTS, '../../docs/screenshot.png'),
      );
    }
  });
}

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const) {
  test(`the account pages pass axe-core at ${viewport.width}x${viewport.height} (${size})`, async (t) => {
    const env = await setup(t);
    if (env === null) return;
    const { server } = env;
    const page = await env.device({ viewport });

    await page.goto(`${server.url}/forgot-password`);
    await byTestId(page, 'forgot-email').waitFor();
    await check(page, `forgot-password-${size}`);
    await page.goto(`${server.url}/reset-password?token=brp_${'A'.repeat(43)}`);
    await byTestId(page, 'confirmation').waitFor();
    await check(page, `reset-password-${size}`);
    await page.goto(`${server.url}/login?notice=password-reset`);
    await byTestId(page, 'account-notice').waitFor();
    await check(page, `login-password-reset-${size}`);
    // A link that does not work: the page says so.
    await page.goto(`${server.url}/verify-email?token=bev_${'A'.repeat(43)}`);
    await byTestId(page, 'error').waitFor();
    await check(page, `verify-email-${size}`);

    await register(page, server.url, { ...newUser(), name: 'Ada Lovelace' });
    await byTestId(page, 'account-link').click();
    await waitForPath(page, '/account');
    // The todos page stays in the DOM below (Ionic's page stack), with its own banner.
    await page.locator('app-account [data-testid="verify-banner"]').waitFor();
    await check(page, `account-${size}`);
  });
}

test('in a dark system theme the app is dark and still passes axe-core', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const page = await env.device({ colorScheme: 'dark' });
  await register(page, env.server.url, newUser());
  await addTodo(page, 'Read in the dark');
  const background = await page.evaluate(
    () =>
      getComputedStyle(document.querySelector('ion-content')!).getPropertyValue('--background').trim() ||
      getComputedStyle(document.body).backgroundColor,
  );
  const luminance = await page.evaluate(() => {
    const color = getComputedStyle(document.body).backgroundColor.match(/\d+/g)?.map(Number) ?? [
      255, 255, 255,
    ];
    return (0.2126 * color[0]! + 0.7152 * color[1]! + 0.0722 * color[2]!) / 255;
  });
  assert.ok(luminance < 0.2, `a dark background (${background}, luminance ${luminance.toFixed(2)})`);
  await check(page, 'todos-dark-phone');
  await byTestId(page, 'logout').click();
  await waitForPath(page, '/login');
  await check(page, 'login-dark-phone');
});
