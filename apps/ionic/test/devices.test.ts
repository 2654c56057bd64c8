// Angular's libraries ship partially compiled; outside an Angular build they need the JIT compiler.
import '@angular/compiler';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpClient } from '@angular/common/http';
import { Injector, runInInjectionContext } from '@angular/core';
import { BatonAuth } from '@baton/angular';
import type { AuthEvent } from '@baton/client';
import { from, Subject } from 'rxjs';
import type { DeviceSession } from '../src/app/data/api.js';
import { BATON_URL } from '../src/app/data/apiUrls.js';
import { Devices } from '../src/app/data/devices.js';

/** A device list as `GET /auth/sessions` answers it. */
function devicesOf(...ids: string[]): DeviceSession[] {
  return ids.map((id, index) => ({
    id,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastUsedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-07-01T00:00:00.000Z',
    userAgent: null,
    ip: null,
    current: index === 0,
  }));
}

/**
 * The store on an HTTP client whose answers the test releases one by one, and the auth events it
 * follows: what the app's `provideHttpClient` and `provideBaton` give it.
 */
function devicesOnAHeldServer() {
  const requests: { url: string; answer(list: DeviceSession[]): void }[] = [];
  const http = {
    get(url: string) {
      return from(
        new Promise<DeviceSession[]>((resolve) => {
          requests.push({ url, answer: resolve });
        }),
      );
    },
  };
  const events = new Subject<AuthEvent>();
  const injector = Injector.create({
    providers: [
      { provide: HttpClient, useValue: http },
      { provide: BatonAuth, useValue: { events$: events.asObservable() } },
      { provide: BATON_URL, useValue: 'https://auth.example.com' },
    ],
  });
  const devices = runInInjectionContext(injector, () => new Devices());
  return { devices, requests, events };
}

test('the devices are asked of Baton at its configured URL, not of the page’s origin', async () => {
  const { devices, requests } = devicesOnAHeldServer();
  const loading = devices.load();
  assert.equal(requests[0]?.url, 'https://auth.example.com/auth/sessions');
  requests[0]?.answer(devicesOf('a', 'b'));
  await loading;
  assert.equal(devices.count(), 2);
});

test('a load still on its way when the list is cleared (sign-out) does not bring the previous user’s devices back', async () => {
  const { devices, requests } = devicesOnAHeldServer();
  const loading = devices.load();
  devices.clear();
  requests[0]?.answer(devicesOf('previous user’s phone', 'previous user’s laptop'));
  await loading;
  assert.equal(devices.list(), null);
  assert.equal(devices.count(), null);
});

test('a load on its way when a session ends or another one starts is dropped', async () => {
  for (const event of [
    { type: 'signed-out', reason: 'revoked' },
    { type: 'signed-in', session: {} },
  ] as AuthEvent[]) {
    const { devices, requests, events } = devicesOnAHeldServer();
    const loading = devices.load();
    events.next(event);
    requests[0]?.answer(devicesOf('previous session’s phone'));
    await loading;
    assert.equal(devices.list(), null, `after ${event.type}`);
  }
});

test('of two loads, the later one’s answer stays, whichever arrives last', async () => {
  const { devices, requests } = devicesOnAHeldServer();
  const older = devices.load();
  const newer = devices.load();
  requests[1]?.answer(devicesOf('a', 'b'));
  await newer;
  requests[0]?.answer(devicesOf('a', 'b', 'since revoked'));
  await older;
  assert.equal(devices.count(), 2);
});
