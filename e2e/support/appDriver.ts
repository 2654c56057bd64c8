import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';

/** A fresh account for each test, so tests never share server state. */
export function newUser(): { email: string; password: string; name: string } {
  return {
    email: `ada-${randomUUID().slice(0, 8)}@example.com`,
    password: 'correct horse battery',
    name: 'Ada',
  };
}

/** Ionic renders the native `<input>` inside the `ion-input` that carries the test id. */
export const field = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"] input`);
export const byTestId = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"]`);

/** The path (and query) the app currently shows. */
export function location(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

export async function waitForPath(page: Page, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname);
}

/** Creates the account through the API, without loading any page of the app. */
export async function createAccount(baseUrl: string, user: ReturnType<typeof newUser>): Promise<void> {
  const response = await fetch(`${baseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  if (response.status !== 201) throw new Error(`register answered ${response.status}`);
}

/** The text Ionic shows under a field (its `errorText`; ion-input is scoped, not shadow DOM), once shown. */
export async function fieldErrorText(page: Page, testId: string): Promise<string> {
  const handle = await page.waitForFunction((id) => {
    const input = document.querySelector(`ion-input[data-testid="${id}"]`);
    const text = input?.classList.contains('ion-invalid')
      ? input.querySelector('.error-text')?.textContent?.trim()
      : undefined;
    return text || undefined;
  }, testId);
  return (await handle.jsonValue()) as string;
}

/** Waits until the todos page has loaded what it loads on arrival (its todos and the device count). */
export async function todosPageLoaded(page: Page): Promise<void> {
  await waitForPath(page, '/todos');
  await page.waitForFunction(() =>
    /\(\d+\)/.test(document.querySelector('[data-testid="sessions-link"]')?.textContent ?? ''),
  );
}

export async function register(page: Page, baseUrl: string, user: ReturnType<typeof newUser>): Promise<void> {
  await page.goto(`${baseUrl}/register`);
  await field(page, 'name').fill(user.name);
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  await todosPageLoaded(page);
}

export async function login(page: Page, baseUrl: string, user: ReturnType<typeof newUser>): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await field(page, 'email').fill(user.email);
  await field(page, 'password').fill(user.password);
  await byTestId(page, 'submit').click();
  await todosPageLoaded(page);
}

/** One user on two devices (separate browser contexts): registered on the phone, signed in on the laptop. */
export async function signedInOnTwoDevices(env: {
  server: { url: string };
  device(): Promise<Page>;
}): Promise<{ user: ReturnType<typeof newUser>; phone: Page; laptop: Page }> {
  const user = newUser();
  const phone = await env.device();
  await register(phone, env.server.url, user);
  const laptop = await env.device();
  await login(laptop, env.server.url, user);
  return { user, phone, laptop };
}

export async function addTodo(page: Page, title: string): Promise<void> {
  const before = await byTestId(page, 'todo-item').count();
  await field(page, 'todo-input').fill(title);
  await byTestId(page, 'todo-add').click();
  await page.waitForFunction(
    (count) => document.querySelectorAll('[data-testid="todo-item"]').length > count,
    before,
  );
}

/** The titles of the todos on screen, with their done state. */
export async function todosOnScreen(page: Page): Promise<{ title: string; done: boolean }[]> {
  return byTestId(page, 'todo-item').evaluateAll((items) =>
    items.map((item) => ({
      title: item.querySelector('ion-label')?.textContent?.trim() ?? '',
      done: item.getAttribute('data-done') === 'true',
    })),
  );
}

/** Answers the confirmation dialog that a destructive button opens, by the label of a button. */
export async function answer(page: Page, choice: string): Promise<void> {
  // Ionic puts the dialog's attributes on its inner wrapper (role alertdialog), not on ion-alert.
  const dialog = page.locator('[data-testid="confirm"][role="alertdialog"]');
  await dialog.getByRole('button', { name: choice, exact: true }).click();
  await page.locator('ion-alert').waitFor({ state: 'detached' });
}
