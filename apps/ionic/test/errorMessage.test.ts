// Angular's libraries ship partially compiled; outside an Angular build they need the JIT compiler.
import '@angular/compiler';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpErrorResponse } from '@angular/common/http';
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
