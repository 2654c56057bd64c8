import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inject } from '@angular/core';
import { NavigationStart, Router } from '@angular/router';
import type { AuthEvent, Session, User } from '@baton/client';
import {
  BATON_CLIENT,
  BatonAuth,
  provideBaton,
  type SignOutDetail,
  withRoutes,
  withSignInHandler,
  withSignOutHandler,
} from '../src/index.js';
import { createFakeClient, fakeSession } from './support/fakeClient.js';
import { createTestInjector, settle } from './support/injector.js';

test('the session is a signal that follows sign-in, refresh and sign-out', async () => {
  const client = createFakeClient();
  const injector = createTestInjector([provideBaton({ client })]);
  const auth = injector.get(BatonAuth);
  assert.equal(injector.get(BATON_CLIENT), client);
  assert.equal(auth.signedIn(), false);
  client.signIn('first');
  assert.equal(auth.session()?.accessToken, 'first');
  assert.equal(auth.user()?.email, 'ada@example.com');
  client.emit({ type: 'refreshed', session: fakeSession('second') });
  assert.equal(auth.session()?.accessToken, 'second');
  client.emit({ type: 'signed-out', reason: 'revoked' });
  assert.equal(auth.signedIn(), false);
});

test('a session restored from storage is in the signal once ready', async () => {
  const client = createFakeClient({ accessToken: 'stored' });
  const auth = createTestInjector([provideBaton({ client })]).get(BatonAuth);
  await auth.ready;
  assert.equal(auth.session()?.accessToken, 'stored');
});

test('the session, user, signed-in state and events are observables too', async () => {
  const client = createFakeClient();
  const auth = createTestInjector([provideBaton({ client })]).get(BatonAuth);
  const sessions: (Session | null)[] = [];
  const users: (User | null)[] = [];
  const signedIn: boolean[] = [];
  const events: AuthEvent['type'][] = [];
  auth.session$.subscribe((session) => sessions.push(session));
  auth.user$.subscribe((user) => users.push(user));
  auth.signedIn$.subscribe((value) => signedIn.push(value));
  auth.events$.subscribe((event) => events.push(event.type));
  client.signIn('first');
  client.emit({ type: 'refreshed', session: fakeSession('second') });
  client.emit({ type: 'signed-out', reason: 'revoked' });
  assert.deepEqual(
    sessions.map((session) => session?.accessToken ?? null),
    [null, 'first', 'second', null],
  );
  assert.deepEqual(signedIn, [false, true, false], 'distinct values only');
  assert.equal(users.length, 4, 'a new user object per session');
  assert.deepEqual(events, ['signed-in', 'refreshed', 'signed-out']);
});

test('a deliberate logout navigates to the login page once', async () => {
  const client = createFakeClient({ accessToken: 'token' });
  const injector = createTestInjector([provideBaton({ client }, withRoutes({ loginPath: '/login' }))]);
  const router = injector.get(Router);
  await router.navigateByUrl('/todos');
  const navigations: string[] = [];
  router.events.subscribe((event) => {
    if (event instanceof NavigationStart) navigations.push(event.url);
  });
  client.emit({ type: 'refreshed', session: fakeSession('again') });
  client.emit({ type: 'signed-out', reason: 'logout' });
  await settle();
  assert.equal(router.url, '/login');
  assert.deepEqual(navigations, ['/login']);
});

test('a forced sign-out tells the login page why, and where the user was', async () => {
  const client = createFakeClient({ accessToken: 'token' });
  const injector = createTestInjector([provideBaton({ client })]);
  const router = injector.get(Router);
  await router.navigateByUrl('/sessions?tab=all');
  client.emit({ type: 'signed-out', reason: 'revoked' });
  await settle();
  assert.equal(router.url, '/login?returnUrl=%2Fsessions%3Ftab%3Dall&reason=revoked');
});

test('a session that starts while a guest-only page is shown leaves it for returnUrl, else home', async () => {
  const client = createFakeClient();
  const injector = createTestInjector([provideBaton({ client }, withRoutes({ homePath: '/todos' }))]);
  const router = injector.get(Router);
  await router.navigateByUrl('/login?returnUrl=%2Fsessions');
  // As when another tab signs in: the client emits signed-in here too.
  client.signIn('from-another-tab');
  await settle();
  assert.equal(router.url, '/sessions');
  client.emit({ type: 'signed-out', reason: 'logout' });
  await settle();
  await router.navigateByUrl('/login?returnUrl=%2F%2Fevil.example');
  client.signIn('again');
  await settle();
  assert.equal(router.url, '/todos', 'only same-app return URLs');
  client.signIn('elsewhere');
  await settle();
  assert.equal(router.url, '/todos', 'pages that are not guest-only stay');
});

test('withSignInHandler replaces the navigation after a sign-in', async () => {
  const client = createFakeClient();
  const calls: string[] = [];
  const injector = createTestInjector([
    provideBaton(
      { client },
      withSignInHandler((url) => {
        calls.push(`${url} ${inject(Router) instanceof Router ? 'router' : 'no router'}`);
      }),
    ),
  ]);
  await injector.get(Router).navigateByUrl('/login');
  client.signIn('token');
  assert.deepEqual(calls, ['/ router']);
});

test('withSignOutHandler replaces the navigation and runs in an injection context', async () => {
  const client = createFakeClient({ accessToken: 'token' });
  const calls: string[] = [];
  const details: SignOutDetail[] = [];
  createTestInjector([
    provideBaton(
      { client },
      withRoutes({ loginPath: '/sign-in' }),
      withSignOutHandler((loginUrl, detail) => {
        // inject() throws outside an injection context.
        calls.push(`${loginUrl} ${inject(Router) instanceof Router ? 'router' : 'no router'}`);
        details.push(detail);
      }),
    ),
  ]);
  client.emit({ type: 'signed-out', reason: 'logout' });
  assert.deepEqual(calls, ['/sign-in router']);
  assert.deepEqual(details, [{ reason: 'logout', returnUrl: null }]);
});

test('provideBaton refuses a misconfiguration at the boundary', () => {
  assert.throws(() => provideBaton(null as never), TypeError);
  assert.throws(() => withRoutes({ loginPath: 'login' }), TypeError);
  assert.throws(() => withSignOutHandler('nope' as never), TypeError);
  assert.throws(() => withSignInHandler('nope' as never), TypeError);
});
