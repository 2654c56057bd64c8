import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInInjectionContext } from '@angular/core';
import {
  type ActivatedRouteSnapshot,
  convertToParamMap,
  Router,
  type RouterStateSnapshot,
  UrlTree,
} from '@angular/router';
import { authGuard, guestGuard, provideBaton, safeReturnUrl, withRoutes } from '../src/index.js';
import { createFakeClient } from './support/fakeClient.js';
import { createTestInjector } from './support/injector.js';

function setup(signedIn: boolean) {
  const client = createFakeClient(signedIn ? { accessToken: 'token' } : {});
  const injector = createTestInjector([
    provideBaton({ client }, withRoutes({ loginPath: '/login', homePath: '/todos' })),
  ]);
  const router = injector.get(Router);
  const run = async (guard: typeof authGuard, url: string) => {
    const parsed = router.parseUrl(url);
    const route = { queryParamMap: convertToParamMap(parsed.queryParams) } as ActivatedRouteSnapshot;
    const state = { url } as RouterStateSnapshot;
    const result = await runInInjectionContext(injector, () => guard(route, state));
    return result instanceof UrlTree ? router.serializeUrl(result) : result;
  };
  return { run, router };
}

test('authGuard lets a signed-in user through', async () => {
  assert.equal(await setup(true).run(authGuard, '/todos'), true);
});

test('authGuard sends anyone else to the login page with the return URL, without navigating', async () => {
  const { run, router } = setup(false);
  assert.equal(await run(authGuard, '/sessions?tab=all'), '/login?returnUrl=%2Fsessions%3Ftab%3Dall');
  assert.equal(router.navigated, false, 'a guard returns a UrlTree; the router decides');
});

test('guestGuard lets a signed-out user see the login page', async () => {
  assert.equal(await setup(false).run(guestGuard, '/login'), true);
});

test('guestGuard skips the login page of a signed-in user: to returnUrl, else home', async () => {
  const { run } = setup(true);
  assert.equal(await run(guestGuard, '/login'), '/todos');
  assert.equal(await run(guestGuard, '/login?returnUrl=%2Fsessions'), '/sessions');
  assert.equal(await run(guestGuard, '/login?returnUrl=%2F%2Fevil.example'), '/todos');
  assert.equal(await run(guestGuard, '/register?returnUrl=https%3A%2F%2Fevil.example'), '/todos');
});

test('safeReturnUrl follows only paths of this app', () => {
  assert.equal(safeReturnUrl('/todos?x=1'), '/todos?x=1');
  for (const hostile of [
    '//evil.example',
    '/\\evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/\ttodos',
  ]) {
    assert.equal(safeReturnUrl(hostile), null, hostile);
  }
  assert.equal(safeReturnUrl(null), null);
});
