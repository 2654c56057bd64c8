import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { HttpTestingController } from '@angular/common/http/testing';
import { SessionExpiredError } from '@baton/client';
import { firstValueFrom } from 'rxjs';
import { provideBaton } from '../src/index.js';
import { createFakeClient, type FakeClient } from './support/fakeClient.js';
import { createTestInjector, settle } from './support/injector.js';

const API = 'https://api.example.com';

function setup(client: FakeClient = createFakeClient({ origin: API, accessToken: 'old' })) {
  const injector = createTestInjector([provideBaton({ client })]);
  return { client, http: injector.get(HttpClient), backend: injector.get(HttpTestingController) };
}

const unauthorized = { status: 401, statusText: 'Unauthorized' };

test('the bearer token goes to allowed origins only', async () => {
  const { http, backend } = setup();
  const own = firstValueFrom(http.get(`${API}/todos`));
  const third = firstValueFrom(http.get('https://tracker.example.net/pixel'));
  await settle();
  const ownRequest = backend.expectOne(`${API}/todos`);
  const thirdRequest = backend.expectOne('https://tracker.example.net/pixel');
  assert.equal(ownRequest.request.headers.get('authorization'), 'Bearer old');
  assert.equal(thirdRequest.request.headers.has('authorization'), false);
  ownRequest.flush([]);
  thirdRequest.flush({});
  await Promise.all([own, third]);
});

test('a request that carries its own Authorization passes untouched', async () => {
  const { http, backend } = setup();
  const answer = firstValueFrom(http.get(`${API}/todos`, { headers: { authorization: 'Basic abc' } }));
  await settle();
  const request = backend.expectOne(`${API}/todos`);
  assert.equal(request.request.headers.get('authorization'), 'Basic abc');
  request.flush([]);
  await answer;
});

test('signed out, requests go out without a token', async () => {
  const { http, backend } = setup(createFakeClient({ origin: API }));
  const answer = firstValueFrom(http.get(`${API}/healthz`));
  await settle();
  const request = backend.expectOne(`${API}/healthz`);
  assert.equal(request.request.headers.has('authorization'), false);
  request.flush({});
  await answer;
});

test('a second 401 is returned as is: no refresh loop', async () => {
  const { http, backend, client } = setup();
  const answer = firstValueFrom(http.get(`${API}/todos`));
  await settle();
  backend.expectOne(`${API}/todos`).flush(null, unauthorized);
  await settle();
  backend.expectOne(`${API}/todos`).flush({ code: 'forbidden_forever' }, unauthorized);
  await assert.rejects(answer, (error) => error instanceof HttpErrorResponse && error.status === 401);
  assert.equal(client.recoveries.length, 1);
  backend.verify();
});

test('when the session is dead the request fails with SessionExpiredError', async () => {
  const client = createFakeClient({ origin: API, accessToken: 'old' });
  client.nextToken = 'dead';
  const { http, backend } = setup(client);
  const answer = firstValueFrom(http.get(`${API}/todos`));
  await settle();
  backend.expectOne(`${API}/todos`).flush(null, unauthorized);
  await assert.rejects(answer, SessionExpiredError);
  backend.verify();
  assert.equal(client.session, null);
});

test('other errors pass through without a refresh', async () => {
  const { http, backend, client } = setup();
  const answer = firstValueFrom(http.get(`${API}/todos/x`));
  await settle();
  backend
    .expectOne(`${API}/todos/x`)
    .flush({ detail: 'no such todo' }, { status: 404, statusText: 'Not Found' });
  await assert.rejects(answer, (error) => error instanceof HttpErrorResponse && error.status === 404);
  assert.equal(client.recoveries.length, 0);
});
