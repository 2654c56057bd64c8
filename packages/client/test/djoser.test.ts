import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AuthError,
  type Backend,
  createAuthClient,
  djoserBackend,
  memoryStorage,
  RefreshUnavailableError,
  SessionExpiredError,
} from '../src/index.js';
import { expiredCopy, useDjangoPeer } from './support/djangoPeer.js';
import { recordEvents, typesOf } from './support/events.js';

describe('djoserBackend against Django djoser + simplejwt (scripts/django-peer)', () => {
  const django = useDjangoPeer();
  let users = 0;

  /**
   * A client whose first access token has already expired on the server (the backend is a plain
   * object, so a test can wrap it), plus a counter of refresh calls.
   */
  async function signedInWithExpiredToken() {
    const refreshes = { count: 0, before: async () => {} };
    const countingFetch: typeof fetch = async (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/auth/jwt/refresh/')) {
        refreshes.count += 1;
        await refreshes.before();
      }
      return fetch(input, init);
    };
    const djoser = djoserBackend();
    const backend: Backend = {
      ...djoser,
      login: async (context, input) => {
        const grant = await djoser.login(context, input);
        return { ...grant, accessToken: expiredCopy(grant.accessToken) };
      },
    };
    const storage = memoryStorage();
    const peer = django.peer!;
    const client = createAuthClient({ baseUrl: peer.url, backend, storage, fetch: countingFetch });
    users += 1;
    const account = {
      email: `dj${users}-${process.pid}@example.com`,
      password: 'correct horse battery staple',
    };
    const registered = await djoserBackend().register!({ baseUrl: peer.url, fetch }, account);
    assert.equal(registered.user?.email, account.email);
    await client.login(account);
    return { client, storage, refreshes, events: recordEvents(client) };
  }

  test('100 parallel requests with an expired token use one refresh and all succeed', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, refreshes, events } = await signedInWithExpiredToken();
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => client.fetch(`${peer!.url}/todos/`)),
    );
    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    assert.equal(refreshes.count, 1);
    assert.deepEqual(typesOf(events), ['initial-session', 'refreshed']);
    client.dispose();
  });

  test('a blacklisted refresh token signs out once and stops', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, storage, refreshes, events } = await signedInWithExpiredToken();
    // Rotation elsewhere blacklists the client's refresh token (BLACKLIST_AFTER_ROTATION).
    const rotated = await fetch(`${peer.url}/auth/jwt/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: client.session!.refreshToken }),
    });
    assert.equal(rotated.status, 200);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.fetch(`${peer!.url}/todos/`)),
    );
    assert.ok(
      results.every((result) => result.status === 'rejected' && result.reason instanceof SessionExpiredError),
    );
    assert.equal(refreshes.count, 1);
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:refresh_failed']);
    assert.equal(await storage.get('baton.session'), null);
    client.dispose();
  });

  test('a server outage during refresh keeps the session; it works again after the restart', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, events, refreshes } = await signedInWithExpiredToken();
    // The request gets its 401; the server goes down just before the refresh reaches it.
    refreshes.before = () => peer!.stop();
    await assert.rejects(client.fetch(`${peer.url}/todos/`), RefreshUnavailableError);
    assert.notEqual(client.session, null);
    refreshes.before = async () => {};
    await peer.restart();
    assert.equal((await client.fetch(`${peer.url}/todos/`)).status, 200);
    assert.deepEqual(typesOf(events), [
      'initial-session',
      'refresh-unavailable',
      'refreshed',
      'refresh-recovered',
    ]);
    client.dispose();
  });

  test('a wrong password is invalid_credentials; a refused refresh token is invalid_refresh_token', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const backend = djoserBackend();
    const context = { baseUrl: peer.url, fetch };
    await assert.rejects(
      backend.login(context, { email: 'nobody@example.com', password: 'wrong password' }),
      {
        code: 'invalid_credentials',
        status: 401,
      },
    );
    await assert.rejects(backend.refresh(context, 'not-a-token'), {
      code: 'invalid_refresh_token',
      serverCode: 'token_not_valid',
      status: 401,
    });
  });

  test('registering an address that has an account already is email_taken', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    users += 1;
    const account = {
      email: `taken${users}-${process.pid}@example.com`,
      password: 'correct horse battery staple',
    };
    const auth = createAuthClient({ baseUrl: peer.url, backend: djoserBackend(), storage: memoryStorage() });
    await auth.register(account);
    await assert.rejects(auth.register(account), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'email_taken');
      assert.equal(error.status, 400);
      assert.equal(error.message, 'An account with this email address exists already.');
      assert.deepEqual(error.fields, { username: ['A user with that username already exists.'] });
      return true;
    });
    auth.dispose();
  });

  test('logout blacklists the refresh token', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client } = await signedInWithExpiredToken();
    const { refreshToken } = client.session!;
    await client.logout();
    const refused = await fetch(`${peer.url}/auth/jwt/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: refreshToken }),
    });
    assert.equal(refused.status, 401);
    client.dispose();
  });
});

test('djoser refusing a registration: the password validators are weak_password with their messages; other fields stay invalid_request', async () => {
  const refusedWith = async (body: Record<string, unknown>) => {
    const auth = createAuthClient({
      baseUrl: 'http://127.0.0.1:9',
      backend: djoserBackend(),
      storage: memoryStorage(),
      fetch: async () =>
        new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } }),
    });
    const error = await auth.register({ email: 'ada@example.com', password: 'ada' }).catch((e: unknown) => e);
    auth.dispose();
    assert.ok(error instanceof AuthError);
    return { code: error.code, message: error.message, fields: error.fields };
  };
  const validators = [
    'This password is too short. It must contain at least 8 characters.',
    'This password is too common.',
  ];
  assert.deepEqual(await refusedWith({ password: validators }), {
    code: 'weak_password',
    message: validators.join(' '),
    fields: { password: validators },
  });
  // A serializer of one's own that runs the validators in validate().
  const similar = { non_field_errors: ['The password is too similar to the username.'] };
  assert.deepEqual(await refusedWith(similar), {
    code: 'weak_password',
    message: 'The password is too similar to the username.',
    fields: similar,
  });
  assert.equal(
    (await refusedWith({ password: ['This field may not be blank.'] })).message,
    'The password was refused: This field may not be blank.',
  );
  assert.equal((await refusedWith({ email: ['Enter a valid email address.'] })).code, 'invalid_request');
});
