// Angular's libraries ship partially compiled; outside an Angular build they need the JIT compiler.
import '@angular/compiler';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { AuthError } from '@baton/client';
import { errorMessage } from '../src/app/ui/errorMessage.js';

test('a storage outage reads as the service’s trouble, to be tried again, from the client and from the API alike', () => {
  const expected =
    'The service is having trouble on its side. Nothing you did caused this: try again in a few seconds.';
  assert.equal(
    errorMessage(new AuthError('storage_unavailable', 'The service cannot reach its database')),
    expected,
  );
  const answer = new HttpErrorResponse({
    status: 503,
    error: { code: 'storage_unavailable', detail: 'The service cannot reach its database' },
  });
  assert.equal(errorMessage(answer), expected);
});

test('a failure with no sentence of its own falls back to a general one, never to the server’s detail', () => {
  assert.equal(
    errorMessage(
      new HttpErrorResponse({
        status: 500,
        error: { code: 'internal_error', detail: 'an unexpected error occurred' },
      }),
    ),
    'Something went wrong on our side. Try again in a moment.',
  );
});

test('too many attempts names the wait the server asked for, from the client and from the API alike', () => {
  const refused = (retryAfterMs?: number) =>
    new AuthError('rate_limited', 'Too many attempts', { status: 429, retryAfterMs });
  assert.equal(errorMessage(refused(1000)), 'Too many attempts. Try again in 1 second.');
  assert.equal(errorMessage(refused(45_000)), 'Too many attempts. Try again in 45 seconds.');
  assert.equal(errorMessage(refused(15 * 60_000)), 'Too many attempts. Try again in 15 minutes.');
  assert.equal(errorMessage(refused()), 'Too many attempts. Wait a minute, then try again.', 'no wait named');
  const answer = new HttpErrorResponse({
    status: 429,
    headers: new HttpHeaders({ 'retry-after': '120' }),
    error: { code: 'rate_limited', detail: 'Too many requests' },
  });
  assert.equal(errorMessage(answer), 'Too many attempts. Try again in 2 minutes.');
});
