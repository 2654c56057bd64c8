import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { provideLocationMocks } from '@angular/common/testing';
import {
  createEnvironmentInjector,
  DOCUMENT,
  type EnvironmentInjector,
  type EnvironmentProviders,
  ɵINJECTOR_SCOPE as INJECTOR_SCOPE,
  Injector,
  type Provider,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, type Routes } from '@angular/router';
import { batonInterceptor, guestGuard } from '../../src/index.js';

const page = { children: [] };
const routes: Routes = [
  { path: 'login', canActivate: [guestGuard], ...page },
  { path: 'todos', ...page },
  { path: 'sessions', ...page },
];

/**
 * An application-like root injector without a DOM: HttpClient with the interceptor and a testing
 * backend (or, with `http: 'fetch'`, the real fetch backend that talks to a real server), the
 * router with an in-memory location, and whatever the test adds (provideBaton).
 */
export function createTestInjector(
  providers: (Provider | EnvironmentProviders)[],
  options: { http?: 'testing' | 'fetch' } = {},
): EnvironmentInjector {
  const http =
    options.http === 'fetch'
      ? [provideHttpClient(withFetch(), withInterceptors([batonInterceptor]))]
      : [provideHttpClient(withInterceptors([batonInterceptor])), provideHttpClientTesting()];
  return createEnvironmentInjector(
    [
      // Makes this injector the root, so `providedIn: 'root'` services (HttpClient's) resolve.
      { provide: INJECTOR_SCOPE, useValue: 'root' },
      provideZonelessChangeDetection(),
      ...http,
      provideRouter(routes),
      provideLocationMocks(),
      // Only a DOM-free navigation happens here; the router asks for the document without using it.
      { provide: DOCUMENT, useValue: {} },
      ...providers,
    ],
    // The platform injector above it holds `providedIn: 'platform'` services (the router's Console).
    createEnvironmentInjector(
      [{ provide: INJECTOR_SCOPE, useValue: 'platform' }],
      Injector.NULL as EnvironmentInjector,
    ),
  );
}

/** Lets pending promise callbacks (the interceptor awaits the client) run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
