import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addTodo,
  answer,
  byTestId,
  field,
  fieldErrorText,
  location,
  newUser,
  register,
  todosPageLoaded,
  waitForPath,
} from '../support/appDriver.js';
import { browserSuite } from '../support/suite.js';

const setup = browserSuite();

test('a password reset by mail: the link sets a new password, signing in takes it, and the other device is signed out', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const phone = await env.device();
  await register(phone, server.url, user);

  // The laptop forgot the password.
  const laptop = await env.device();
  await laptop.goto(`${server.url}/login`);
  await byTestId(laptop, 'forgot-password').click();
  await waitForPath(laptop, '/forgot-password');
  const since = server.inbox.count();
  await field(laptop, 'forgot-email').fill(user.email);
  await byTestId(laptop, 'forgot-submit').click();
  const requested = (await byTestId(laptop, 'reset-requested').textContent()) ?? '';
  assert.match(requested, /Check the inbox/);
  // An address without an account reads the same (nothing tells who has an account).
  await laptop.getByRole('button', { name: 'Use another address' }).click();
  await field(laptop, 'forgot-email').fill('nobody@example.com');
  await byTestId(laptop, 'forgot-submit').click();
  const unknown = (await byTestId(laptop, 'reset-requested').textContent()) ?? '';
  assert.equal(unknown.replace('nobody@example.com', user.email), requested);

  const link = await server.inbox.link(user.email, '/reset-password', since);
  assert.equal(link.origin, server.url, 'the link leads to the app');
  await laptop.goto(link.href);
  // The confirmation must match, and a common password is refused on its field.
  await field(laptop, 'password').fill('a brand new passphrase');
  await field(laptop, 'confirmation').fill('a brand new passfrase');
  await byTestId(laptop, 'submit').click();
  assert.match(await fieldErrorText(laptop, 'confirmation'), /differ/);
  await field(laptop, 'password').fill('password');
  await field(laptop, 'confirmation').fill('password');
  await byTestId(laptop, 'submit').click();
  assert.match(await fieldErrorText(laptop, 'password'), /too common/);
  await field(laptop, 'password').fill('a brand new passphrase');
  await field(laptop, 'confirmation').fill('a brand new passphrase');
  await byTestId(laptop, 'submit').click();
  await waitForPath(laptop, '/login');
  assert.equal(location(laptop), '/login?notice=password-reset');
  assert.match(
    (await byTestId(laptop, 'account-notice').textContent()) ?? '',
    /Your password is changed; sign in with it/,
  );

  // The link was single use: opened again, it says so and offers a new one.
  await laptop.goto(link.href);
  await field(laptop, 'password').fill('another new passphrase');
  await field(laptop, 'confirmation').fill('another new passphrase');
  await byTestId(laptop, 'submit').click();
  assert.match(
    (await byTestId(laptop, 'link-error').textContent()) ?? '',
    /does not work.*Ask for a new link/,
  );
  await byTestId(laptop, 'new-link').click();
  await waitForPath(laptop, '/forgot-password');

  await laptop.goto(`${server.url}/login`);
  await field(laptop, 'email').fill(user.email);
  await field(laptop, 'password').fill('a brand new passphrase');
  await byTestId(laptop, 'submit').click();
  await todosPageLoaded(laptop);

  // The reset ended every session: the phone's next call is refused and it lands on the login page, told why.
  await field(phone, 'todo-input').fill('written after the reset');
  await byTestId(phone, 'todo-add').click();
  await waitForPath(phone, '/login');
  assert.match((await byTestId(phone, 'sign-out-notice').textContent()) ?? '', /ended from another device/);
  assert.equal(await byTestId(phone, 'todo-item').count(), 0);
});

test('a reset link opened where the account is signed in ends that session too and asks to sign in', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const page = await env.device();
  await register(page, server.url, user);
  const since = server.inbox.count();
  const asked = await fetch(`${server.url}/auth/password/forgot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email }),
  });
  assert.equal(asked.status, 202);
  await page.goto((await server.inbox.link(user.email, '/reset-password', since)).href);
  await field(page, 'password').fill('a brand new passphrase');
  await field(page, 'confirmation').fill('a brand new passphrase');
  await byTestId(page, 'submit').click();
  // Not sent on to the todos as a signed-in user would be: the reset ended this session as well.
  await byTestId(page, 'account-notice').waitFor();
  assert.equal(location(page), '/login?notice=password-reset');
  await page.reload();
  await byTestId(page, 'account-notice').waitFor();
  assert.equal(location(page), '/login?notice=password-reset', 'and no session is restored on a reload');
});

test('email verification: the banner until the mailed link is followed, a resend (saying so when offline), and links that work signed out, once', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const page = await env.device();
  const since = server.inbox.count();
  await register(page, server.url, user);
  const banner = byTestId(page, 'verify-banner');
  assert.match((await banner.textContent()) ?? '', new RegExp(`Confirm your email address.*${user.email}`));
  const first = await server.inbox.link(user.email, '/verify-email', since);

  // Offline, the resend says so; back online it goes.
  await page.context().setOffline(true);
  await byTestId(page, 'resend-verification').click();
  assert.match((await byTestId(page, 'resend-error').textContent()) ?? '', /cannot be reached/);
  await page.context().setOffline(false);
  const beforeResend = server.inbox.count();
  await byTestId(page, 'resend-verification').click();
  assert.match((await byTestId(page, 'resend-sent').textContent()) ?? '', /A new link is on its way/);
  const second = await server.inbox.link(user.email, '/verify-email', beforeResend);
  assert.notEqual(second.href, first.href);

  await page.goto(second.href);
  await byTestId(page, 'verified').waitFor();
  await byTestId(page, 'continue').click();
  await todosPageLoaded(page);
  assert.equal(await banner.count(), 0, 'the banner is gone once the address is confirmed');
  await page.reload();
  await todosPageLoaded(page);
  assert.equal(await banner.count(), 0, 'and stays gone after a reload');

  // On a device where nobody is signed in the first link works too, once; then it says it does not.
  const other = await env.device();
  await other.goto(first.href);
  await byTestId(other, 'verified').waitFor();
  await other.goto(first.href);
  assert.match((await byTestId(other, 'error').textContent()) ?? '', /does not work/);
  await byTestId(other, 'continue').click();
  await waitForPath(other, '/login');
});

test('the account page edits the name, changes the password and the email, and deletes the account', async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { server } = env;
  const user = newUser();
  const page = await env.device();
  await register(page, server.url, user);
  await addTodo(page, 'kept until the account goes');
  await byTestId(page, 'account-link').click();
  await waitForPath(page, '/account');

  // Name.
  assert.equal(await field(page, 'name').inputValue(), user.name);
  await field(page, 'name').fill('Ada Lovelace');
  await byTestId(page, 'save-name').click();
  await byTestId(page, 'name-saved').waitFor();
  await page.goBack();
  await waitForPath(page, '/todos');
  await page.waitForFunction(() =>
    document.querySelector('.signed-in-as')?.textContent?.includes('Signed in as Ada Lovelace'),
  );
  await byTestId(page, 'account-link').click();
  await waitForPath(page, '/account');

  // Password: a wrong current password is said on its field; the right one changes it.
  await field(page, 'current-password').fill('not my password');
  await field(page, 'new-password').fill('a brand new passphrase');
  await byTestId(page, 'change-password').click();
  assert.match(await fieldErrorText(page, 'current-password'), /not your current password/);
  assert.deepEqual(server.statuses('/auth/password'), [403]);
  await field(page, 'current-password').fill(user.password);
  await byTestId(page, 'change-password').click();
  await byTestId(page, 'password-changed').waitFor();
  assert.deepEqual(server.statuses('/auth/password'), [403, 204]);
  assert.equal(await field(page, 'current-password').inputValue(), '', 'the form is emptied');
  const password = 'a brand new passphrase';

  // Email: the new inbox gets the link; following it moves the account there.
  const newEmail = `moved-${user.email}`;
  const since = server.inbox.count();
  await field(page, 'new-email').fill(newEmail);
  await field(page, 'email-password').fill(password);
  await byTestId(page, 'change-email').click();
  assert.match(
    (await byTestId(page, 'email-change-sent').textContent()) ?? '',
    new RegExp(`Check the inbox of ${newEmail}`),
  );
  const link = await server.inbox.link(newEmail, '/verify-email', since);
  await page.goto(link.href);
  await byTestId(page, 'verified').waitFor();
  await page.goto(`${server.url}/account`);
  await page.waitForFunction(
    (email) => document.querySelector('[data-testid="current-email"]')?.textContent?.includes(email),
    newEmail,
  );

  // Delete: asked first; a wrong password keeps the account; the right one deletes it.
  await field(page, 'delete-password').fill('not my password');
  await byTestId(page, 'delete-account').click();
  await answer(page, 'Delete the account');
  assert.match(await fieldErrorText(page, 'delete-password'), /not your current password/);
  await field(page, 'delete-password').fill(password);
  await byTestId(page, 'delete-account').click();
  await answer(page, 'Cancel');
  assert.equal(location(page), '/account', 'cancelling keeps the account');
  await byTestId(page, 'delete-account').click();
  await answer(page, 'Delete the account');
  await waitForPath(page, '/login');
  assert.equal(location(page), '/login?reason=deleted', 'no return URL: that page is gone with the account');
  assert.match((await byTestId(page, 'sign-out-notice').textContent()) ?? '', /account is deleted/);
  assert.deepEqual(server.statuses('/auth/me').slice(-1), [204]);

  // Gone: the old credentials no longer sign in.
  await field(page, 'email').fill(newEmail);
  await field(page, 'password').fill(password);
  await byTestId(page, 'submit').click();
  assert.match(await fieldErrorText(page, 'password'), /do not match/);
});
