import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '@baton/server';
import {
  asyncStorage,
  createAuthClient,
  localStorageAdapter,
  memoryStorage,
  RefreshUnavailableError,
  SessionExpiredError,
  type TokenStorage,
} from '../src/index.js';
import { nextEvent, recordEvents, typesOf } from './support/events.js';
import { fakeBackend, fakeWebStorage } from './support/fakeBackend.js';
import { until } from './support/until.js';

const baseUrl = 'http://127.0.0.1:9';
const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };

function setup(options: { storage?: TokenStorage; crossTab?: boolean; storageKey?: string } = {}) {
  const clock = createManualClock();
  const { backend, state } = fakeBackend(clock);
  const storage = options.storage ?? memoryStorage();
  const client = createAuthClient({ baseUrl, backend, storage, clock, ...options });
  return { clock, backend, state, storage, client, events: recordEvents(client) };
}

test('the whole session is written as one storage value', async () => {
  const writes: [string, string][] = [];
  const inner = memoryStorage();
  const storage: TokenStorage = {
    ...inner,
    set: (key, value) => {
      writes.push([key, value]);
      return inner.set(key, value);
    },
  };
  const { client, clock } = setup({ storage });
  await client.login(ada);
  clock.advance(61_000);
  await client.getAccessToken();
  assert.equal(writes.length, 2);
  for (const [key, value] of writes) {
    assert.equal(key, 'baton.session');
    const { session } = JSON.parse(value);
    assert.equal(typeof session.accessToken, 'string');
    assert.equal(typeof session.refreshToken, 'string');
  }
  client.dispose();
});

test('the access token is refreshed shortly before it expires, not earlier', async () => {
  const { client, clock, state } = setup();
  const { accessToken } = await client.login(ada);
  clock.advance(25_000);
  assert.equal(await client.getAccessToken(), accessToken);
  clock.advance(6_000); // 31 s of 60: inside the default 30 s lead
  assert.notEqual(await client.getAccessToken(), accessToken);
  assert.equal(state.refreshCalls, 1);
  client.dispose();
});

test('while the server is unreachable a token that has not yet expired is still used', async () => {
  const { client, clock, state, events } = setup();
  const { accessToken } = await client.login(ada);
  state.mode = 'offline';
  clock.advance(40_000);
  assert.equal(await client.getAccessToken(), accessToken);
  clock.advance(30_000);
  await assert.rejects(client.getAccessToken(), RefreshUnavailableError);
  state.mode = 'server_error';
  await assert.rejects(client.getAccessToken(), { code: 'refresh_unavailable', status: 503 });
  assert.deepEqual(typesOf(events), ['initial-session', 'signed-in', 'refresh-unavailable']);
  state.mode = 'ok';
  assert.notEqual(await client.getAccessToken(), accessToken);
  client.dispose();
});

test('recoverFromUnauthorized refreshes once and hands newer tokens out without refreshing', async () => {
  const { client, state } = setup();
  const { accessToken } = await client.login(ada);
  const fresh = await Promise.all(
    Array.from({ length: 20 }, () => client.recoverFromUnauthorized(accessToken)),
  );
  assert.equal(new Set(fresh).size, 1);
  assert.equal(state.refreshCalls, 1);
  assert.equal(await client.recoverFromUnauthorized(accessToken), fresh[0]);
  assert.equal(state.refreshCalls, 1);
  state.mode = 'dead';
  await assert.rejects(client.recoverFromUnauthorized(fresh[0]!), SessionExpiredError);
  await assert.rejects(client.recoverFromUnauthorized('anything'), SessionExpiredError);
  client.dispose();
});

test('resume() refreshes a token that expired while the app was in the background', async () => {
  const { client, clock, state, events } = setup();
  await client.login(ada);
  await client.resume();
  assert.equal(state.refreshCalls, 0);
  clock.advance(3_600_000 - 1);
  await client.resume();
  assert.equal(state.refreshCalls, 1);
  assert.deepEqual(typesOf(events), ['initial-session', 'signed-in', 'refreshed']);
  client.dispose();
});

test('a stored session whose refresh token has expired is dropped at start', async () => {
  const storage = memoryStorage();
  const first = setup({ storage });
  await first.client.login(ada);
  first.client.dispose();
  const later = createAuthClient({
    baseUrl,
    backend: first.backend,
    storage,
    clock: { now: () => first.clock.now() + 3_601_000 },
  });
  await later.ready;
  assert.equal(later.session, null);
  assert.equal(await storage.get('baton.session'), null);
  later.dispose();
});

test('a session stored before emailVerified existed restores with emailVerified null (unknown)', async () => {
  const storage = memoryStorage();
  const first = setup({ storage });
  await first.client.login(ada);
  first.client.dispose();
  const stored = JSON.parse((await storage.get('baton.session')) ?? '{}');
  delete stored.session.user.emailVerified;
  await storage.set('baton.session', JSON.stringify(stored));
  const later = createAuthClient({ baseUrl, backend: first.backend, storage, clock: first.clock });
  await later.ready;
  assert.equal(later.session?.user?.email, 'ada@example.com');
  assert.equal(later.session?.user?.emailVerified, null);
  later.dispose();
});

test('storage adapters: localStorage and an async key-value store (Capacitor Preferences shape)', async () => {
  const web = fakeWebStorage();
  const preferences = new Map<string, string>();
  const Preferences = {
    get: async ({ key }: { key: string }) => ({ value: preferences.get(key) ?? null }),
    set: async ({ key, value }: { key: string; value: string }) => void preferences.set(key, value),
    remove: async ({ key }: { key: string }) => void preferences.delete(key),
  };
  const adapters: [string, TokenStorage, () => string | null][] = [
    ['localStorage', localStorageAdapter(web), () => web.getItem('baton.session')],
    [
      'Preferences',
      asyncStorage({
        get: async (key) => (await Preferences.get({ key })).value,
        set: (key, value) => Preferences.set({ key, value }),
        remove: (key) => Preferences.remove({ key }),
      }),
      () => preferences.get('baton.session') ?? null,
    ],
  ];
  for (const [name, storage, raw] of adapters) {
    const { client, backend, clock } = setup({ storage });
    await client.login(ada);
    assert.match(raw() ?? '', /"refreshToken"/, name);
    const restored = createAuthClient({ baseUrl, backend, storage, clock });
    await restored.ready;
    assert.equal(restored.session?.refreshToken, client.session?.refreshToken, name);
    await restored.logout();
    assert.equal(raw(), null, name);
    client.dispose();
    restored.dispose();
  }
  assert.throws(() => asyncStorage({ get: async () => null } as never), TypeError);
});

test('tabs sharing a session see each other sign in, refresh and sign out', async () => {
  const storage = memoryStorage();
  const storageKey = `tabs-${process.pid}`;
  const a = setup({ storage, crossTab: true, storageKey });
  const b = createAuthClient({
    baseUrl,
    backend: a.backend,
    storage,
    clock: a.clock,
    crossTab: true,
    storageKey,
  });
  const bEvents = recordEvents(b);

  const signedIn = nextEvent(b, 'signed-in');
  await a.client.login(ada);
  await signedIn;
  assert.equal(b.session?.accessToken, a.client.session?.accessToken);

  const refreshed = nextEvent(b, 'refreshed');
  a.clock.advance(61_000);
  await a.client.getAccessToken();
  await refreshed;
  assert.equal(await b.getAccessToken(), a.client.session?.accessToken);
  assert.equal(a.state.refreshCalls, 1, "the second tab uses the first tab's refresh");

  const signedOut = nextEvent(b, 'signed-out');
  await a.client.logout();
  await signedOut;
  assert.equal(b.session, null);
  assert.deepEqual(typesOf(bEvents), ['initial-session', 'signed-in', 'refreshed', 'signed-out:logout']);
  a.client.dispose();
  b.dispose();
});

test('misuse is a TypeError at the boundary', () => {
  assert.throws(() => createAuthClient({ baseUrl: '/relative' }), TypeError);
  assert.throws(() => createAuthClient({ baseUrl, allowedOrigins: ['nope'] }), TypeError);
  assert.throws(() => createAuthClient({ baseUrl, refreshLeadSeconds: -1 }), TypeError);
  assert.throws(() => createAuthClient({ baseUrl, refreshTimeoutMs: 0 }), TypeError);
  assert.throws(() => createAuthClient({ baseUrl, lockTimeoutMs: Number.NaN }), TypeError);
  assert.throws(() => createAuthClient({ baseUrl, timers: {} as never }), TypeError);
  const client = createAuthClient({ baseUrl, storage: memoryStorage() });
  assert.throws(() => client.subscribe('x' as never), TypeError);
  assert.equal(client.isAllowedUrl(`${baseUrl}/todos`), true);
  assert.equal(client.isAllowedUrl('/todos'), true);
  assert.equal(client.isAllowedUrl('http://127.0.0.1:10/todos'), false);
  assert.equal(client.isAllowedUrl('https://evil.example/?http://127.0.0.1:9'), false);
  client.dispose();
});

test('dispose() during a refresh still stores the rotated session and hands its token to the waiting callers', async () => {
  const storage = memoryStorage();
  const clock = createManualClock();
  const { backend } = fakeBackend(clock);
  let answer = () => {};
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  const client = createAuthClient({
    baseUrl,
    backend: { ...backend, refresh: (...args) => answered.then(() => backend.refresh(...args)) },
    storage,
    clock,
    crossTab: true,
    storageKey: `dispose-${process.pid}`,
  });
  await client.login(ada);
  clock.advance(61_000);
  const token = client.getAccessToken();
  await new Promise((resolve) => setImmediate(resolve));
  client.dispose(); // a component unmounted while its request waited for the refresh
  answer();
  const fresh = await token;
  const stored = JSON.parse((await storage.get(`dispose-${process.pid}`)) ?? '{}');
  assert.equal(stored.session?.refreshToken, 'rt_2');
  assert.equal(fresh, stored.session?.accessToken);
});

test('a rotated session that storage cannot keep still serves the request, leaves no spent token stored, reaches the other tabs and is reported', async () => {
  const web = fakeWebStorage();
  const write = web.setItem.bind(web);
  let full = false;
  web.setItem = (key, value) => {
    if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    write(key, value);
  };
  const storageKey = `quota-${process.pid}`;
  const sent: string[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    sent.push(new Headers(init?.headers).get('authorization') ?? '');
    return new Response('ok');
  };
  const clock = createManualClock();
  const { backend } = fakeBackend(clock);
  const tab = () =>
    createAuthClient({
      baseUrl,
      backend,
      storage: localStorageAdapter(web),
      clock,
      crossTab: true,
      storageKey,
      fetch,
    });
  const client = tab();
  const other = tab();
  const events = recordEvents(client);
  await client.login(ada);
  await until(() => other.session !== null, 'the other tab sees the sign-in');

  full = true; // the app's own caches filled the origin's quota
  clock.advance(61_000);
  const response = await client.fetch(`${baseUrl}/todos`);
  assert.equal(response.status, 200, 'the request goes on with the new token');
  assert.equal(sent.at(-1), `Bearer ${client.session?.accessToken}`);
  assert.equal(client.session?.refreshToken, 'rt_2');
  assert.equal(web.getItem(storageKey), null, 'the spent rt_1 is not left stored');
  await until(() => other.session?.refreshToken === 'rt_2', 'the other tab gets the new session');

  const failure = events.find((event) => event.type === 'storage-failed');
  assert.ok(failure?.type === 'storage-failed');
  assert.equal(failure.error.code, 'storage_failed');
  assert.match(failure.error.message, /sign in again/);
  assert.equal((failure.error.cause as DOMException).name, 'QuotaExceededError');
  clock.advance(61_000);
  await client.getAccessToken();
  assert.deepEqual(typesOf(events), [
    'initial-session',
    'signed-in',
    'refreshed',
    'storage-failed',
    'refreshed',
  ]);

  const reloaded = createAuthClient({
    baseUrl,
    backend,
    storage: localStorageAdapter(web),
    clock,
    storageKey,
  });
  await reloaded.ready;
  assert.equal(reloaded.session, null, 'a reload starts signed out instead of presenting a spent token');
  for (const each of [client, other, reloaded]) each.dispose();
});

test('relative URLs resolve against the page’s base URL (<base href>), as the browser’s fetch resolves them', async () => {
  // An app served under a sub-path: https://app.example.com/shop/orders/42 with <base href="/shop/">.
  const page = {
    location: { href: 'https://app.example.com/shop/orders/42' },
    document: Object.assign(new EventTarget(), {
      baseURI: 'https://app.example.com/shop/',
      visibilityState: 'visible',
    }),
  };
  Object.assign(globalThis, page);
  try {
    const clock = createManualClock();
    const sent: string[] = [];
    const client = createAuthClient({
      baseUrl: 'https://app.example.com',
      backend: fakeBackend(clock).backend,
      storage: memoryStorage(),
      clock,
      crossTab: false,
      fetch: async (input) => {
        sent.push(String(input));
        return new Response('ok');
      },
    });
    await client.login(ada);
    await client.fetch('api/todos');
    assert.deepEqual(sent, ['https://app.example.com/shop/api/todos']);
    assert.equal(client.isAllowedUrl('api/todos'), true);
    page.document.baseURI = 'https://cdn.example.com/app/';
    assert.equal(client.isAllowedUrl('api/todos'), false, 'a base on another origin gets no bearer');
    client.dispose();
  } finally {
    for (const name of Object.keys(page)) Reflect.deleteProperty(globalThis, name);
  }
});
