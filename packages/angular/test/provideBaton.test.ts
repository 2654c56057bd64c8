import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inject } from '@angular/core';
import { NavigationStart, Router } from '@angular/router';
import { BATON_CLIENT, BatonAuth, provideBaton, withRoutes, withSignOutHandler } from '../src/index.js';
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

test('an ended session navigates to the login page once', async () => {
  const client = createFakeClient({ accessToken: 'token' });
  const injector = createTestInjector([provideBaton({ client }, withRoutes({ loginPath: '/login' }))]);
  const router = injector.get(Router);
  await router.navigateByUrl('/todos');
  const navigations: string[] = [];
  router.events.subscribe((event) => {
    if (event instanceof NavigationStart) navigations.push(event.url);
  });
  client.emit({ type: 'refreshed', session: fakeSession('again') });
  client.emit({ type: 'signed-out', reason: 'revoked' });
  await settle();
  assert.equal(router.url, '/login');
  assert.deepEqual(navigations, ['/login']);
});

test('withSignOutHandler replaces the navigation and runs in an injection context', async () => {
  const client = createFakeClient({ accessToken: 'token' });
  const calls: string[] = [];
  createTestInjector([
    provideBaton(
      { client },
      withRoutes({ loginPath: '/sign-in' }),
      withSignOutHandler((loginPath) => {
        // inject() throws outside an injection context.
        calls.push(`${loginPath} ${inject(Router) instanceof Router ? 'router' : 'no router'}`);
      }),
    ),
  ]);
  client.emit({ type: 'signed-out', reason: 'logout' });
  assert.deepEqual(calls, ['/sign-in router']);
});

test('provideBaton refuses a misconfiguration at the boundary', () => {
  assert.throws(() => provideBaton(null as never), TypeError);
  assert.throws(() => withRoutes({ loginPath: 'login' }), TypeError);
  assert.throws(() => withSignOutHandler('nope' as never), TypeError);
});
