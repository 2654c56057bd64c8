import {
  HttpErrorResponse,
  type HttpEvent,
  type HttpHandlerFn,
  type HttpInterceptorFn,
  type HttpRequest,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, from, type Observable, switchMap, throwError } from 'rxjs';
import { BATON_CLIENT } from './config.js';

/**
 * Authenticates `HttpClient` requests to the client's allowed origins (never to third parties) and
 * shares the client's single-flight refresh: on a 401 it waits for the one refresh that every
 * parallel request (and `client.fetch`) shares, then retries once. A second 401 is returned as
 * is, so a server that keeps refusing cannot cause a loop. When the session is dead the request
 * fails with the client's `SessionExpiredError`, and `provideBaton` sends the user to the login
 * page. Requests that already carry `Authorization` pass untouched.
 *
 * @example
 * provideHttpClient(withInterceptors([batonInterceptor]))
 */
export const batonInterceptor: HttpInterceptorFn = (request, next) => {
  const client = inject(BATON_CLIENT);
  // isAllowedUrl resolves a relative URL against the page, as HttpClient does.
  if (request.headers.has('authorization') || !client.isAllowedUrl(request.urlWithParams)) {
    return next(request);
  }
  return from(client.getAccessToken()).pipe(
    switchMap((token) => (token === null ? next(request) : sendWithRetry(request, next, token))),
  );

  function sendWithRetry(
    request: HttpRequest<unknown>,
    next: HttpHandlerFn,
    token: string,
  ): Observable<HttpEvent<unknown>> {
    return next(withBearer(request, token)).pipe(
      catchError((error: unknown) => {
        if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
        return from(client.recoverFromUnauthorized(token)).pipe(
          switchMap((fresh) => next(withBearer(request, fresh))),
        );
      }),
    );
  }
};

function withBearer(request: HttpRequest<unknown>, token: string): HttpRequest<unknown> {
  return request.clone({ setHeaders: { authorization: `Bearer ${token}` } });
}
